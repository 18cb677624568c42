import Foundation
import TestSupport
import Testing

extension TransferEndToEnd {
    /// A hosted zone (dynamic DNS operator's public zone) beside the LAN zone: answered to any
    /// client, changed with `lannamed records`, and followed by an NSD secondary through its own
    /// NOTIFY list and IXFR.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    final class HostedZone {
        @Test func servedPubliclyAndFollowedByNSD() throws {
            let zone = "dyn.example.net"
            let primaryPort = try LoopbackSocket.freePort()
            let nsdPort = try LoopbackSocket.freePort()
            // The forwarder is open to a network the tests never come from: hosted names must
            // still answer, forwarded ones must not.
            let daemon = try LannamedDaemon(
                ["--upstream", "127.0.0.1:9", "--allow", "203.0.113.0/24", "--allow-transfer", "127.0.0.0/8",
                 "--no-dhcp", "--log-level", "debug"],
                config: """
                    [[zones]]
                    name = "\(zone)"
                    ns = ["ns1.\(zone)", "ns2.example.org."]
                    ns-addresses = { "ns1.\(zone)" = ["203.0.113.53"] }
                    contact = "hostmaster@example.net"
                    records = ["@ MX 10 mail.example.org.", "@ TXT \\"v=spf1 -all\\""]
                    notify = ["127.0.0.1:\(nsdPort)"]
                    """,
                port: primaryPort)
            defer { daemon.cleanup() }
            let nsd = try SecondaryServer.start(.nsd, primary: ("127.0.0.1", primaryPort), zones: [zone], tsig: nil,
                                                notifyNeedsKey: false, port: nsdPort)
            defer { nsd.cleanup() }

            let soa = daemon.dig(["+norec", "\(zone).", "SOA"])
            #expect(soa.status == "NOERROR" && soa.flags.contains("aa"), "\(soa)")
            #expect(soa.answer.first?.data.hasPrefix("ns1.\(zone). hostmaster.example.net.") == true, "\(soa)")
            #expect(daemon.answers("\(zone).", "MX") == ["10 mail.example.org."])
            let ns = daemon.dig(["+norec", "\(zone).", "NS"])
            #expect(Set(ns.answer.map(\.data)) == ["ns1.\(zone).", "ns2.example.org."])
            #expect(ns.additional.contains { $0.name == "ns1.\(zone)." && $0.data == "203.0.113.53" }, "\(ns)")
            let missing = daemon.dig(["+norec", "nothing.\(zone).", "A"])
            #expect(missing.status == "NXDOMAIN" && missing.flags.contains("aa"), "\(missing)")
            // Not a hosted name, and this client may not use the forwarder.
            #expect(daemon.dig(["www.example.com.", "A"]).status == "REFUSED")

            let first = try #require(daemon.serial(zone))
            #expect(nsd.waitForSerial(zone, atLeast: first, timeout: 15) != nil, "\(nsd.log())")

            // A record added at the command line: the daemon serves it, NSD follows by NOTIFY.
            let added = daemon.command("records", ["add", "shop.\(zone)", "A", "198.51.100.7"])
            #expect(added.status == 0, "\(added)")
            let served = XFR.waitForSerial(atLeast: first &+ 1, timeout: 5) { daemon.serial(zone) }
            #expect(served != nil)
            #expect(daemon.answers("shop.\(zone).", "A") == ["198.51.100.7"])
            let second = try #require(daemon.serial(zone))
            let took = nsd.waitForSerial(zone, atLeast: second, timeout: 10)
            #expect(took != nil, "\(nsd.log())")
            #expect(nsd.dig(["+norec", "shop.\(zone).", "A"]).answer.map(\.data) == ["198.51.100.7"])
            #expect(nsd.axfrRecords(zone) == XFR.axfr(port: primaryPort, zone: zone))
            #expect(daemon.log.contains("IXFR"), "the change went by IXFR:\n\(daemon.log)")

            // A record the zone cannot hold is refused with a reason, and nothing changes.
            let bad = daemon.command("records", ["add", "shop.\(zone)", "CNAME", "elsewhere.example.org."])
            #expect(bad.status != 0 && bad.stderr.contains("a CNAME must be alone"), "\(bad)")
            #expect(daemon.serial(zone) == second)
        }
    }
}
