import Foundation
import TestSupport
import Testing

extension TransferEndToEnd {
    /// A hosted zone (dynamic DNS operator's public zone) beside the LAN zone: answered to any
    /// client, changed with `lannamed records`, and followed by NSD and Knot secondaries through
    /// its own NOTIFY list and IXFR.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    final class HostedZone {
        @Test func servedPubliclyAndFollowedByNSDAndKnot() throws {
            let zone = "dyn.example.net"
            let primaryPort = try LoopbackSocket.freePort()
            let nsdPort = try LoopbackSocket.freePort()
            let knotPort = try LoopbackSocket.freePort()
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
                    notify = ["127.0.0.1:\(nsdPort)", "127.0.0.1:\(knotPort)"]
                    """,
                port: primaryPort)
            defer { daemon.cleanup() }
            let nsd = try SecondaryServer.start(.nsd, primary: ("127.0.0.1", primaryPort), zones: [zone], tsig: nil,
                                                notifyNeedsKey: false, port: nsdPort)
            defer { nsd.cleanup() }
            let knot = try SecondaryServer.start(.knot, primary: ("127.0.0.1", primaryPort), zones: [zone], tsig: nil,
                                                 notifyNeedsKey: false, port: knotPort)
            defer { knot.cleanup() }

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
            #expect(knot.waitForSerial(zone, atLeast: first, timeout: 15) != nil, "\(knot.log())")

            // A record added at the command line: the daemon serves it, NSD follows by NOTIFY.
            let added = daemon.command("records", ["add", "shop.\(zone)", "A", "198.51.100.7"])
            #expect(added.status == 0, "\(added)")
            let served = XFR.waitForSerial(atLeast: first &+ 1, timeout: 5) { daemon.serial(zone) }
            #expect(served != nil)
            #expect(daemon.answers("shop.\(zone).", "A") == ["198.51.100.7"])
            let second = try #require(daemon.serial(zone))
            let took = nsd.waitForSerial(zone, atLeast: second, timeout: 20)
            #expect(took != nil, "\(nsd.log())\n\(daemon.log)")
            #expect(nsd.dig(["+norec", "shop.\(zone).", "A"]).answer.map(\.data) == ["198.51.100.7"])
            #expect(nsd.axfrRecords(zone) == XFR.axfr(port: primaryPort, zone: zone))
            #expect(knot.waitForSerial(zone, atLeast: second, timeout: 10) != nil, "\(knot.log())")
            #expect(knot.axfrRecords(zone) == XFR.axfr(port: primaryPort, zone: zone))
            #expect(knot.transferTypes(zone)?.last == "IXFR", "\(knot.log())")
            #expect(daemon.log.contains("IXFR"), "the change went by IXFR:\n\(daemon.log)")

            // A record the zone cannot hold is refused with a reason, and nothing changes.
            let bad = daemon.command("records", ["add", "shop.\(zone)", "CNAME", "elsewhere.example.org."])
            #expect(bad.status != 0 && bad.stderr.contains("a CNAME must be alone"), "\(bad)")
            #expect(daemon.serial(zone) == second)
        }
    }
}

extension TransferEndToEnd.HostedZone {
    /// The standby: a lannamed secondary copies the hosted zone and keeps answering when the
    /// primary stops; `lannamed promote` from the primary's `lannamed backup` makes it the
    /// primary with its accounts, hosts and tokens, at a serial newer than it served.
    @Test func standbyAnswersThenIsPromotedWithAccountsIntact() throws {
        let zone = "dyn.example.net"
        let primary = try LannamedDaemon(["--no-forward", "--no-dhcp", "--allow-transfer", "127.0.0.0/8", "--hosted-zone", zone])
        defer { primary.cleanup() }
        let hosted = ["--hosted-zone", zone]
        #expect(primary.command("ddns", ["plan", "add", "basic", "--max-hosts", "2"], extra: hosted).status == 0)
        #expect(primary.command("ddns", ["account", "add", "shop", "--plan", "basic"], extra: hosted).status == 0)
        #expect(primary.command("ddns", ["host", "add", "shop.\(zone)", "--account", "shop"], extra: hosted).status == 0)
        let token = primary.command("ddns", ["token", "create", "--account", "shop", "--tsig"], extra: hosted)
        let key = try #require(token.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("hmac-sha256:") }
            .map(String.init), "\(token)")
        let script = primary.directory.appendingPathComponent("update.txt").path
        func update(_ port: UInt16, _ address: String) throws -> ToolOutput {
            try "server 127.0.0.1 \(port)\nzone \(zone)\nupdate delete shop.\(zone) A\nupdate add shop.\(zone) 60 A \(address)\nsend\n"
                .write(toFile: script, atomically: true, encoding: .utf8)
            return run("nsupdate", ["-y", key, script], timeout: 15)
        }
        #expect(try update(primary.port, "198.51.100.7").status == 0)

        let standby = try LannamedDaemon(["--no-forward", "--no-dhcp"] + hosted,
                                         config: "[transfer]\nsecondary-of = \"127.0.0.1:\(primary.port)\"\n")
        defer { standby.cleanup() }
        let serial = try #require(primary.serial(zone))
        let copied = XFR.waitForSerial(atLeast: serial, timeout: 10) { standby.serial(zone) }
        #expect(copied != nil, "\(standby.log)")
        #expect(standby.answers("shop.\(zone).", "A") == ["198.51.100.7"])

        // The standby pulls a backup, then the primary dies: the standby keeps answering.
        let backup = standby.directory.appendingPathComponent("primary-backup.sqlite").path
        let made = primary.command("backup", [backup])
        #expect(made.status == 0, "\(made)")
        primary.stop()
        #expect(standby.answers("shop.\(zone).", "A") == ["198.51.100.7"])

        // Promoted: same names, same accounts and tokens, a newer serial, and updates work.
        standby.stop()
        let promoted = standby.command("promote", ["--from", backup])
        #expect(promoted.status == 0 && promoted.stdout.contains("zone \(zone). continues at serial"), "\(promoted)")
        try "".write(toFile: standby.config, atomically: true, encoding: .utf8)
        try standby.start()
        #expect(standby.answers("shop.\(zone).", "A") == ["198.51.100.7"])
        let newSerial = try #require(standby.serial(zone))
        #expect(XFR.serial(newSerial, atLeast: serial &+ 1), "\(newSerial) after \(serial)")
        #expect(standby.command("ddns", ["list"], extra: hosted).stdout.contains("shop.\(zone)."))
        #expect(try update(standby.port, "198.51.100.8").status == 0)
        #expect(standby.answers("shop.\(zone).", "A") == ["198.51.100.8"])
    }
}
