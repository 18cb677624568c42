import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// `lannamed hosts ...` against the database of a running daemon: the daemon follows.
    @Suite("EndToEnd: hosts changed while running")
    final class EndToEndHostsTests {
        let daemon: LannamedDaemon

        init() throws {
            daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: [("printer", ["192.168.1.10"])])
        }

        deinit { daemon.cleanup() }

        @Test("hosts add is answered, hosts remove turns it NXDOMAIN, each within 3 s")
        func addThenRemove() throws {
            let before = daemon.serial("lan")
            #expect(before != nil)
            let absent = daemon.dig(["newbox.lan.", "A"])
            #expect(absent.status == "NXDOMAIN", "\(absent)")

            let addStarted = Date()
            let added = daemon.hosts(["add", "newbox", "198.51.100.77"])
            let addReturned = Date()
            #expect(added.status == 0, "\(added)")
            #expect(added.stdout == "added newbox.lan. 198.51.100.77\n", "\(added)")
            var lastSeen: [String] = []
            let appeared = E2E.poll(every: 0.1, upTo: 3) {
                lastSeen = daemon.short(["newbox.lan.", "A"])
                return lastSeen == ["198.51.100.77"]
            }
            let fromStart = Date().timeIntervalSince(addStarted)
            #expect(appeared != nil, "newbox.lan not answered within 3 s of `hosts add` returning; last answer \(lastSeen)")
            print(String(format: "EndToEnd timing: hosts add -> answered in %.3f s from the command's start (%.3f s after it returned; the command took %.3f s)",
                         fromStart, appeared ?? -1, addReturned.timeIntervalSince(addStarted)))

            // The new host's full answer, its PTR (198.51.100.0/24 is an RFC 6303 zone), and a new serial.
            let full = daemon.dig(["newbox.lan.", "A"])
            #expect(full.answer == [RR("newbox.lan.", 60, "IN", "A", "198.51.100.77")], "\(full)")
            #expect(full.isAuthoritative, "\(full)")
            let ptr = daemon.dig(["-x", "198.51.100.77"])
            #expect(ptr.answer == [RR("77.100.51.198.in-addr.arpa.", 60, "IN", "PTR", "newbox.lan.")], "\(ptr)")
            let after = daemon.serial("lan")
            if let before, let after {
                #expect(after > before, "serial \(before) -> \(after)")
            }

            // Changing the addresses of an existing host is followed too.
            let updated = daemon.hosts(["add", "newbox.lan", "198.51.100.78", "2001:db8::78"])
            #expect(updated.status == 0, "\(updated)")
            #expect(updated.stdout.hasPrefix("updated newbox.lan."), "\(updated)")
            let changed = E2E.poll(every: 0.1, upTo: 3) {
                daemon.short(["newbox.lan.", "AAAA"]) == ["2001:db8::78"]
            }
            #expect(changed != nil, "the new AAAA was not answered within 3 s")
            #expect(daemon.short(["newbox.lan.", "A"]) == ["198.51.100.78"])

            let removeStarted = Date()
            let removed = daemon.hosts(["remove", "newbox"])
            #expect(removed.status == 0, "\(removed)")
            var lastStatus: String? = nil
            let gone = E2E.poll(every: 0.1, upTo: 3) {
                lastStatus = daemon.dig(["newbox.lan.", "A"]).status
                return lastStatus == "NXDOMAIN"
            }
            #expect(gone != nil, "newbox.lan still answered 3 s after `hosts remove`; last status \(lastStatus ?? "none")")
            print(String(format: "EndToEnd timing: hosts remove -> NXDOMAIN in %.3f s from the command's start",
                         Date().timeIntervalSince(removeStarted)))
            let ptrGone = daemon.dig(["-x", "198.51.100.78"])
            #expect(ptrGone.status == "NXDOMAIN", "\(ptrGone)")

            // Removing what is not there fails and says so.
            let again = daemon.hosts(["remove", "newbox"])
            #expect(again.status != 0, "\(again)")
            #expect(again.stderr.contains("no host named \"newbox\""), "\(again)")

            // The untouched host never stopped answering.
            #expect(daemon.short(["printer.lan.", "A"]) == ["192.168.1.10"])
        }

        @Test("hosts import of a hosts file: names and aliases answered; hosts list --json")
        func importAndList() throws {
            let file = daemon.directory.appendingPathComponent("hosts").path
            try """
            # office hosts
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            ff02::1\tip6-allnodes
            192.168.1.50\tscanner scanner-alias   # the scanner
            192.168.1.51 camera.lan cam
            2001:db8::51 camera
            10.9.9.9 elsewhere.example.com.

            """.write(toFile: file, atomically: true, encoding: .utf8)

            let imported = daemon.hosts(["import", file])
            #expect(imported.status == 0, "\(imported)")
            let lines = imported.stdout.split(separator: "\n").map(String.init)
            #expect(lines.last == "imported 4 names (4 new or changed) from \(file)", "\(imported)")
            #expect(lines.filter { $0.hasPrefix("skipped ") }.count == 4, "loopback, ::1, ff02::1 and the outside name: \(imported)")

            let seen = E2E.poll(every: 0.1, upTo: 3) { daemon.short(["scanner.lan.", "A"]) == ["192.168.1.50"] }
            #expect(seen != nil, "imported names not answered within 3 s")

            #expect(daemon.dig(["scanner-alias.lan.", "A"]).answer == [RR("scanner-alias.lan.", 60, "IN", "A", "192.168.1.50")])
            #expect(daemon.dig(["cam.lan.", "A"]).answer == [RR("cam.lan.", 60, "IN", "A", "192.168.1.51")])
            #expect(daemon.dig(["camera.lan.", "A"]).answer == [RR("camera.lan.", 60, "IN", "A", "192.168.1.51")])
            #expect(daemon.dig(["camera.lan.", "AAAA"]).answer == [RR("camera.lan.", 60, "IN", "AAAA", "2001:db8::51")])
            // The first name of a line owns the PTR; aliases do not.
            #expect(daemon.dig(["-x", "192.168.1.50"]).answer == [RR("50.1.168.192.in-addr.arpa.", 60, "IN", "PTR", "scanner.lan.")])
            #expect(daemon.dig(["-x", "192.168.1.51"]).answer == [RR("51.1.168.192.in-addr.arpa.", 60, "IN", "PTR", "camera.lan.")])
            let v6 = daemon.dig(["-x", "2001:db8::51"])
            #expect(v6.answer.map(\.data) == ["camera.lan."], "\(v6)")
            #expect(daemon.dig(["elsewhere.example.com.", "A"]).status == "REFUSED")
            #expect(daemon.dig(["ip6-allnodes.lan.", "A"]).status == "NXDOMAIN")
            #expect(daemon.short(["printer.lan.", "A"]) == ["192.168.1.10"])

            // Importing the same file again changes nothing.
            let twice = daemon.hosts(["import", file])
            #expect(twice.stdout.split(separator: "\n").last.map(String.init) == "imported 4 names (0 new or changed) from \(file)", "\(twice)")

            let listed = daemon.hosts(["list", "--json"])
            #expect(listed.status == 0, "\(listed)")
            let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8))
            let objects = try #require(json as? [[String: Any]], "not an array of objects: \(listed.stdout)")
            #expect(objects.count == 5, "\(listed.stdout)")
            var byName: [String: [String: Any]] = [:]
            for object in objects {
                for key in ["name", "addresses", "source", "mac", "expires"] {
                    #expect(object[key] != nil, "key \(key) missing in \(object)")
                }
                if let name = object["name"] as? String { byName[name] = object }
            }
            #expect(Set(byName.keys) == ["printer", "scanner", "scanner-alias", "camera", "cam"])
            for (name, addresses) in [("printer", ["192.168.1.10"]), ("scanner", ["192.168.1.50"]),
                                      ("scanner-alias", ["192.168.1.50"]), ("cam", ["192.168.1.51"]),
                                      ("camera", ["192.168.1.51", "2001:db8::51"])] {
                let object = byName[name]
                #expect((object?["addresses"] as? [String]).map(Set.init) == Set(addresses), "\(name): \(String(describing: object))")
                #expect(object?["source"] as? String == "static", "\(name)")
                #expect(object?["mac"] is NSNull, "\(name): mac should be null")
                #expect(object?["expires"] is NSNull, "\(name): expires should be null for a static host")
            }

            // The table form names every host too.
            let table = daemon.hosts(["list"])
            #expect(table.status == 0)
            for name in ["printer.lan.", "scanner.lan.", "scanner-alias.lan.", "camera.lan.", "cam.lan."] {
                #expect(table.stdout.contains(name), "\(name) missing from:\n\(table.stdout)")
            }

            // A hosts file with a bad line is refused whole, naming the line.
            let bad = daemon.directory.appendingPathComponent("bad-hosts").path
            try "192.168.1.60 good\nnot-an-address name\n".write(toFile: bad, atomically: true, encoding: .utf8)
            let refused = daemon.hosts(["import", bad])
            #expect(refused.status != 0, "\(refused)")
            #expect(refused.stderr.contains("line 2"), "\(refused)")
            #expect(daemon.hosts(["list", "--json"]).stdout.contains("\"good\"") == false, "all or nothing")
        }
    }
}
