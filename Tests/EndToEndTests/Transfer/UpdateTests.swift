import Foundation
import TestSupport
import Testing

extension TransferEndToEnd {
    /// RFC 2136 UPDATE of a hosted zone with nsupdate and knsupdate: a good key, a wrong one, none,
    /// a name outside the key's policy, each prerequisite form; every accepted change is served at
    /// once and reaches an NSD secondary by NOTIFY + IXFR.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    final class DynamicUpdate {
        let zone = "dyn.example.net"

        /// Runs an nsupdate (or knsupdate) script against the daemon; the tool's output.
        func update(_ tool: String, _ daemon: LannamedDaemon, key: String?, _ lines: [String]) throws -> ToolOutput {
            let script = daemon.directory.appendingPathComponent("update-\(UUID().uuidString).txt")
            let text = (["server 127.0.0.1 \(daemon.port)", "zone \(zone)"] + lines + ["send", "quit"]).joined(separator: "\n") + "\n"
            try text.write(to: script, atomically: true, encoding: .utf8)
            return run(tool, (key.map { ["-y", $0] } ?? []) + [script.path], timeout: 15)
        }

        @Test func nsupdateAndKnsupdateWithPolicies() throws {
            _ = try E2E.require("nsupdate", package: "bind9-dnsutils")
            _ = try E2E.require("knsupdate", package: "knot-dnsutils")
            let primaryPort = try LoopbackSocket.freePort()
            let nsdPort = try LoopbackSocket.freePort()
            let daemon = try LannamedDaemon(
                ["--no-forward", "--no-dhcp", "--allow-transfer", "127.0.0.0/8", "--notify", "127.0.0.1:\(nsdPort)",
                 "--hosted-zone", zone, "--log-level", "debug"], port: primaryPort)
            defer { daemon.cleanup() }
            let nsd = try SecondaryServer.start(.nsd, primary: ("127.0.0.1", primaryPort), zones: [zone], tsig: nil,
                                                notifyNeedsKey: false, port: nsdPort)
            defer { nsd.cleanup() }

            let made = daemon.command("keys", ["add", "router-shop", "--zone", zone, "--subtree", "shop.\(zone)"], extra: ["--hosted-zone", zone])
            #expect(made.status == 0, "\(made)")
            let key = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(key.hasPrefix("hmac-sha256:router-shop.:") && key.count > 60, "\(key)")
            let acme = daemon.command("keys", ["add", "acme-shop", "--zone", zone, "--name", "_acme-challenge.shop.\(zone)", "--type", "TXT"],
                                      extra: ["--hosted-zone", zone]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // nsupdate: an address, then replaced; the answer is there when nsupdate returns.
            let first = try update("nsupdate", daemon, key: key, ["update add shop.\(zone) 60 A 198.51.100.7"])
            #expect(first.status == 0, "\(first)")
            #expect(daemon.answers("shop.\(zone).", "A") == ["198.51.100.7"])
            let replaced = try update("knsupdate", daemon, key: key,
                                      ["update delete shop.\(zone) A", "update add shop.\(zone) 60 A 198.51.100.8",
                                       "update add shop.\(zone) 60 AAAA 2001:db8::8"])
            #expect(replaced.status == 0, "\(replaced)")
            #expect(daemon.answers("shop.\(zone).", "A") == ["198.51.100.8"])
            #expect(daemon.answers("shop.\(zone).", "AAAA") == ["2001:db8::8"])

            // The five prerequisite forms, each once holding and once failing.
            let prerequisites: [(String, Bool, String)] = [
                ("prereq yxrrset shop.\(zone) A", true, ""),                        // RRset exists
                ("prereq yxrrset shop.\(zone) TXT", false, "NXRRSET"),
                ("prereq yxrrset shop.\(zone) A 198.51.100.8", true, ""),           // exists with value
                ("prereq yxrrset shop.\(zone) A 198.51.100.9", false, "NXRRSET"),
                ("prereq nxrrset shop.\(zone) TXT", true, ""),                      // RRset does not exist
                ("prereq nxrrset shop.\(zone) A", false, "YXRRSET"),
                ("prereq yxdomain shop.\(zone)", true, ""),                         // name in use
                ("prereq yxdomain new.shop.\(zone)", false, "NXDOMAIN"),
                ("prereq nxdomain new.shop.\(zone)", true, ""),                     // name not in use
                ("prereq nxdomain shop.\(zone)", false, "YXDOMAIN"),
            ]
            for (index, (prerequisite, holds, rcode)) in prerequisites.enumerated() {
                let marker = "p\(index).shop.\(zone)"
                let result = try update("nsupdate", daemon, key: key, [prerequisite, "update add \(marker) 60 TXT \"\(index)\""])
                if holds {
                    #expect(result.status == 0, "\(prerequisite): \(result)")
                    #expect(daemon.answers("\(marker).", "TXT") == ["\"\(index)\""], "\(prerequisite)")
                } else {
                    #expect(result.status != 0 && (result.stdout + result.stderr).contains(rcode), "\(prerequisite): \(result)")
                    #expect(daemon.answers("\(marker).", "TXT").isEmpty, "\(prerequisite) changed nothing")
                }
            }

            // Refused: unsigned, a wrong secret, a name outside the key's subtree, the ACME key on
            // an address; none changes anything.
            let before = try #require(daemon.serial(zone))
            let unsigned = try update("nsupdate", daemon, key: nil, ["update add shop.\(zone) 60 A 198.51.100.66"])
            #expect(unsigned.status != 0 && (unsigned.stdout + unsigned.stderr).contains("REFUSED"), "\(unsigned)")
            let wrong = key.split(separator: ":").prefix(2).joined(separator: ":") + ":" + Data(repeating: 7, count: 32).base64EncodedString()
            let badSig = try update("nsupdate", daemon, key: wrong, ["update add shop.\(zone) 60 A 198.51.100.66"])
            #expect(badSig.status != 0 && (badSig.stdout + badSig.stderr).contains("NOTAUTH"), "\(badSig)")
            let unknown = try update("knsupdate", daemon, key: "hmac-sha256:nobody:" + Data(repeating: 1, count: 32).base64EncodedString(),
                                     ["update add shop.\(zone) 60 A 198.51.100.66"])
            // knsupdate shows the TSIG error as the status.
            #expect(unknown.status != 0 && (unknown.stdout + unknown.stderr).contains("BADKEY"), "\(unknown)")
            let outside = try update("nsupdate", daemon, key: key, ["update add www.\(zone) 60 A 198.51.100.66"])
            #expect(outside.status != 0 && (outside.stdout + outside.stderr).contains("REFUSED"), "\(outside)")
            let acmeAddress = try update("nsupdate", daemon, key: acme, ["update add _acme-challenge.shop.\(zone) 60 A 198.51.100.66"])
            #expect(acmeAddress.status != 0, "\(acmeAddress)")
            #expect(daemon.serial(zone) == before)
            #expect(daemon.answers("shop.\(zone).", "A") == ["198.51.100.8"])
            // The ACME key may set its TXT record.
            let challenge = try update("nsupdate", daemon, key: acme, ["update add _acme-challenge.shop.\(zone) 60 TXT \"token\""])
            #expect(challenge.status == 0, "\(challenge)")
            #expect(daemon.answers("_acme-challenge.shop.\(zone).", "TXT") == ["\"token\""])

            // NSD holds every change, record for record.
            let serial = try #require(daemon.serial(zone))
            #expect(nsd.waitForSerial(zone, atLeast: serial, timeout: 10) != nil, "\(nsd.log())")
            #expect(nsd.axfrRecords(zone) == XFR.axfr(port: primaryPort, zone: zone))
            // A key removed stops working at once.
            #expect(daemon.command("keys", ["remove", "router-shop"], extra: ["--hosted-zone", zone]).status == 0)
            let removed = try update("nsupdate", daemon, key: key, ["update add shop.\(zone) 60 A 198.51.100.9"])
            #expect(removed.status != 0 && (removed.stdout + removed.stderr).contains("NOTAUTH"), "\(removed)")
        }
    }
}
