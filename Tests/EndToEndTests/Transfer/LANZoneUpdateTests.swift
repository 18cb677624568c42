import Foundation
import TestSupport
import Testing

extension TransferEndToEnd {
    /// RFC 2136 UPDATE of the LAN zone with nsupdate, replaying what Kea's DHCP-DDNS sends
    /// (RFC 4703: prerequisite "name not in use", A + DHCID; on a conflict, the retry that needs
    /// the client's DHCID), its PTR half to the reverse zone, and a static host that an UPDATE
    /// cannot take over.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    final class LANZoneUpdate {
        static let dhcid = "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="
        static let other = "AAIBRQf3QWLbwnz54wX+GQYr/oJbUwcJeoYfIsyJMc1bwx4="

        /// Runs an nsupdate script against the daemon's LAN zone (or `zone`); the tool's output.
        func update(_ daemon: LannamedDaemon, key: String, zone: String = "lan", _ lines: [String]) throws -> ToolOutput {
            let script = daemon.directory.appendingPathComponent("update-\(UUID().uuidString).txt")
            let text = (["server 127.0.0.1 \(daemon.port)", "zone \(zone)"] + lines + ["send", "quit"]).joined(separator: "\n") + "\n"
            try text.write(to: script, atomically: true, encoding: .utf8)
            return run("nsupdate", ["-y", key, script.path], timeout: 15)
        }

        func source(_ daemon: LannamedDaemon, _ name: String) -> String? {
            let listed = daemon.hosts(["list", "--json"])
            guard let data = listed.stdout.data(using: .utf8),
                  let hosts = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return nil }
            return hosts.first { ($0["name"] as? String) == name }?["source"] as? String
        }

        @Test func keaDDNSReplayAndAStaticHost() throws {
            _ = try E2E.require("nsupdate", package: "bind9-dnsutils")
            let daemon = try LannamedDaemon(["--no-forward", "--no-dhcp", "--log-level", "debug"],
                                            hosts: [("printer", ["198.51.100.5"])])
            defer { daemon.cleanup() }
            let made = daemon.command("keys", ["add", "kea-ddns", "--zone", "lan"])
            #expect(made.status == 0, "\(made)")
            let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(key.hasPrefix("hmac-sha256:kea-ddns.:"), "\(key)")

            // Kea's first form: the name must be unused; A and DHCID.
            let add = try update(daemon, key: key, ["prereq nxdomain laptop.lan", "update add laptop.lan 300 A 198.51.100.100",
                                                    "update add laptop.lan 300 DHCID \(Self.dhcid)"])
            #expect(add.status == 0, "\(add)")
            #expect(daemon.answers("laptop.lan.", "A") == ["198.51.100.100"])
            #expect(daemon.short(["-x", "198.51.100.100"]) == ["laptop.lan."])
            #expect(source(daemon, "laptop") == "update")
            // Its PTR half: NOERROR, and the PTR is the one derived from the A record.
            let ptr = try update(daemon, key: key, zone: "100.51.198.in-addr.arpa",
                                 ["update delete 100.100.51.198.in-addr.arpa PTR",
                                  "update add 100.100.51.198.in-addr.arpa 300 PTR laptop.lan."])
            #expect(ptr.status == 0, "\(ptr)")
            #expect(daemon.short(["-x", "198.51.100.100"]) == ["laptop.lan."])

            // A second client wanting the name: the first form fails (YXDOMAIN), the retry form
            // needs its own DHCID (NXRRSET): the name stays the first client's.
            let again = try update(daemon, key: key, ["prereq nxdomain laptop.lan", "update add laptop.lan 300 A 198.51.100.120",
                                                      "update add laptop.lan 300 DHCID \(Self.other)"])
            #expect(again.status != 0 && (again.stdout + again.stderr).contains("YXDOMAIN"), "\(again)")
            let stolen = try update(daemon, key: key, ["prereq yxrrset laptop.lan DHCID \(Self.other)", "update delete laptop.lan A",
                                                       "update add laptop.lan 300 A 198.51.100.120"])
            #expect(stolen.status != 0 && (stolen.stdout + stolen.stderr).contains("NXRRSET"), "\(stolen)")
            #expect(daemon.answers("laptop.lan.", "A") == ["198.51.100.100"])
            // The first client's retry form (a new address): allowed.
            let moved = try update(daemon, key: key, ["prereq yxrrset laptop.lan DHCID \(Self.dhcid)", "update delete laptop.lan A",
                                                      "update add laptop.lan 300 A 198.51.100.101"])
            #expect(moved.status == 0, "\(moved)")
            #expect(daemon.answers("laptop.lan.", "A") == ["198.51.100.101"])

            // The static printer cannot be taken over, nor removed.
            let serial = daemon.serial("lan")
            let takeover = try update(daemon, key: key, ["update delete printer.lan A", "update add printer.lan 300 A 198.51.100.66"])
            #expect(takeover.status != 0 && (takeover.stdout + takeover.stderr).contains("REFUSED"), "\(takeover)")
            let removal = try update(daemon, key: key, ["update delete printer.lan"])
            #expect(removal.status != 0 && (removal.stdout + removal.stderr).contains("REFUSED"), "\(removal)")
            #expect(daemon.answers("printer.lan.", "A") == ["198.51.100.5"])
            #expect(source(daemon, "printer") == "static")
            #expect(daemon.serial("lan") == serial)

            // Kea's removal: the address while the DHCID is the client's, then the DHCID.
            let gone = try update(daemon, key: key, ["prereq yxrrset laptop.lan DHCID \(Self.dhcid)",
                                                     "update delete laptop.lan A 198.51.100.101"])
            #expect(gone.status == 0, "\(gone)")
            let cleared = try update(daemon, key: key, ["prereq yxrrset laptop.lan DHCID \(Self.dhcid)", "prereq nxrrset laptop.lan A",
                                                        "prereq nxrrset laptop.lan AAAA", "update delete laptop.lan"])
            #expect(cleared.status == 0, "\(cleared)")
            #expect(daemon.answers("laptop.lan.", "A").isEmpty)
            #expect(source(daemon, "laptop") == nil)
            #expect(daemon.log.contains("source update"), "the UPDATE is logged")
        }
    }
}
