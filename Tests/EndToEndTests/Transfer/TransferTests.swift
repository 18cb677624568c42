import Foundation
import TestSupport
import Testing

/// Zone transfers with real peers on loopback: NSD, Knot and BIND 9 as secondaries of lannamed;
/// lannamed as the secondary of another lannamed and of Knot (RFC 5936, RFC 1995, RFC 1996,
/// RFC 8945).
@Suite(.tags(.endToEnd))
enum TransferEndToEnd {}

/// Hosts of the primary: names in the LAN zone, PTRs in 100.51.198.in-addr.arpa. and
/// 8.b.d.0.1.0.0.2.ip6.arpa. (both RFC 6303 zones, so lannamed offers them).
private let primaryHosts: [(String, [String])] = [
    ("printer", ["198.51.100.20"]),
    ("nas", ["198.51.100.30", "2001:db8:100::30"]),
    ("laptop-anna", ["198.51.100.41"]),
    ("vm.lab", ["198.51.100.90"]),
]
private let transferZones = ["lan", "100.51.198.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa"]

extension TransferEndToEnd {
    @Suite(.serialized, .timeLimit(.minutes(3)))
    final class StandardSecondaries {
        /// NSD, Knot and BIND take every zone, then follow `hosts add`, `hosts remove` and a DHCP
        /// lease through NOTIFY and IXFR; their copies equal lannamed's record for record.
        @Test func secondariesFollowChanges() throws {
            let key = XFR.makeKey()
            let primaryPort = try LoopbackSocket.freePort()
            let secondaryPorts = try SecondaryServer.Kind.allCases.map { _ in try LoopbackSocket.freePort() }
            // The primary first, as in an office: its NOTIFY at start reaches the secondaries
            // once they are up (it retries), and they ask it for the zones at their own start.
            let daemon = try XFR.lannamed(
                port: primaryPort,
                ["--interface", "lo", "--allow-transfer", "127.0.0.0/8", "--tsig", "\(key.name):\(key.algorithm):\(key.secret)"]
                    + secondaryPorts.flatMap { ["--notify", "127.0.0.1:\($0)"] },
                hosts: primaryHosts)
            defer { daemon.cleanup() }
            var secondaries: [SecondaryServer] = []
            defer { secondaries.forEach { $0.cleanup() } }
            for (kind, port) in zip(SecondaryServer.Kind.allCases, secondaryPorts) {
                secondaries.append(try SecondaryServer.start(kind, primary: ("127.0.0.1", primaryPort), zones: transferZones, tsig: key,
                                                             port: port))
            }

            // First transfers (NOTIFY at start).
            for zone in transferZones {
                let serial = try #require(daemon.serial(zone), "lannamed serves \(zone)")
                for secondary in secondaries {
                    let took = secondary.waitForSerial(zone, atLeast: serial, timeout: 15)
                    #expect(took != nil, "\(secondary.kind) has \(zone) at \(serial)\n\(secondary.log())")
                }
            }
            try expectSameZones(daemon, secondaries, key: key)

            // A host added with the command line.
            var report: [String] = []
            try converge(daemon, secondaries, "hosts add", into: &report, change: {
                #expect(daemon.hosts(["add", "tablet", "198.51.100.77"]).status == 0)
            }, check: { $0.answers("tablet.lan.", "A") == ["198.51.100.77"] && $0.answers("77.100.51.198.in-addr.arpa.", "PTR") == ["tablet.lan."] })

            // A host removed.
            try converge(daemon, secondaries, "hosts remove", into: &report, change: {
                #expect(daemon.hosts(["remove", "printer"]).status == 0)
            }, check: { $0.answers("printer.lan.", "A").isEmpty && $0.answers("20.100.51.198.in-addr.arpa.", "PTR").isEmpty })

            // A DHCP lease seen on the wire (REQUEST + ACK over loopback, captured on lo).
            try converge(daemon, secondaries, "DHCP lease", into: &report, change: {
                #expect(LoopbackDHCP.lease(name: "phone-ben", address: [198, 51, 100, 88], mac: [0x02, 0, 0x5e, 0x10, 0, 0x88]))
            }, check: { $0.answers("phone-ben.lan.", "A") == ["198.51.100.88"] })

            try expectSameZones(daemon, secondaries, key: key)
            // They asked for IXFR once they had the zone, and got it.
            #expect(daemon.log.contains("what=IXFR from"), "lannamed sent incremental transfers")
            for secondary in secondaries where secondary.kind != .nsd {
                let types = secondary.transferTypes("lan") ?? []
                #expect(types.contains("IXFR"), "\(secondary.kind) used IXFR: \(types)")
            }
            print("change on lannamed -> answer on the secondary (ms):\n" + report.joined(separator: "\n"))
        }

        /// A DHCP storm (300 leases at 100 a second): every AXFR taken during it is one snapshot
        /// (the leases arrive in order, so a consistent copy holds exactly the first k of them),
        /// NOTIFY goes out about once a second rather than hundreds of times, and the
        /// secondaries (NSD and a lannamed) end with the primary's zones.
        @Test func dhcpStormTransfersConsistently() throws {
            let primaryPort = try LoopbackSocket.freePort()
            let nsdPort = try LoopbackSocket.freePort(), lannamedPort = try LoopbackSocket.freePort()
            let daemon = try XFR.lannamed(
                port: primaryPort,
                ["--interface", "lo", "--allow-transfer", "127.0.0.0/8",
                 "--notify", "127.0.0.1:\(nsdPort)", "--notify", "127.0.0.1:\(lannamedPort)"],
                hosts: primaryHosts)
            defer { daemon.cleanup() }
            let nsd = try SecondaryServer.start(.nsd, primary: ("127.0.0.1", primaryPort), zones: ["lan", "100.51.198.in-addr.arpa"],
                                                tsig: nil, port: nsdPort)
            defer { nsd.cleanup() }
            let secondary = try XFR.lannamed(port: lannamedPort, ["--secondary-of", "127.0.0.1:\(primaryPort)"])
            defer { secondary.cleanup() }
            let before = try #require(daemon.serial("lan"))
            #expect(nsd.waitForSerial("lan", atLeast: before, timeout: 15) != nil)
            let notifiesBefore = daemon.log.components(separatedBy: "NOTIFY acknowledged").count

            let count = 300
            func address(_ n: Int) -> [UInt8] { n < 150 ? [198, 51, 100, UInt8(100 + n)] : [203, 0, 113, UInt8(n - 149)] }
            var dumps: [[String]] = []
            let start = E2E.now()
            for n in 0..<count {
                #expect(LoopbackDHCP.lease(name: "storm-\(n)", address: address(n), mac: [0x02, 0x00, 0x5e, 0x20, UInt8(n >> 8), UInt8(n & 0xFF)]))
                if n % 60 == 30, let dump = XFR.axfr(port: primaryPort, zone: "lan") { dumps.append(dump) }
                // 100 leases a second, bounded by the count.
                let due = start + Double(n + 1) / 100
                if E2E.now() < due { usleep(UInt32((due - E2E.now()) * 1_000_000)) }
            }
            let stormSeconds = E2E.now() - start
            let last = E2E.poll(every: 0.05, upTo: 15) { daemon.answers("storm-\(count - 1).lan.", "A") == ["203.0.113.150"] }
            #expect(last != nil, "every lease registered\n\(daemon.log.suffix(2000))")
            #expect(dumps.count >= 4)
            for dump in dumps {
                let storm = Set(dump.compactMap { line -> Int? in
                    let owner = line.split(separator: " ")[0]
                    guard owner.hasPrefix("storm-"), line.contains(" A ") else { return nil }
                    return Int(owner.dropFirst("storm-".count).dropLast(".lan.".count))
                })
                #expect(storm == Set(0..<storm.count), "an AXFR during the storm holds a prefix of the leases, not \(storm.sorted())")
            }
            let final = try #require(daemon.serial("lan"))
            #expect(nsd.waitForSerial("lan", atLeast: final, timeout: 15) != nil, "NSD caught up\n\(nsd.log().suffix(2000))")
            #expect(XFR.waitForSerial(atLeast: final, timeout: 15) { secondary.serial("lan") } != nil, "lannamed secondary caught up")
            let ours = try #require(XFR.axfr(port: primaryPort, zone: "lan"))
            #expect(XFR.axfr(port: nsdPort, zone: "lan") == ours)
            #expect(secondary.answers("storm-299.lan.", "A") == ["203.0.113.150"])
            // The reverse zone is a zone of its own, with its own NOTIFY and transfer.
            let reverse = E2E.poll(every: 0.05, upTo: 10) { secondary.answers("150.113.0.203.in-addr.arpa.", "PTR") == ["storm-299.lan."] }
            #expect(reverse != nil, "reverse zone found by the secondary")
            let notifies = daemon.log.components(separatedBy: "NOTIFY acknowledged").count - notifiesBefore
            // Per zone and secondary at most one every 0.25 s (plus the last one after the storm).
            let zones = 3, targets = 2
            #expect(notifies <= zones * targets * (Int(stormSeconds * 4) + 3), "\(notifies) NOTIFY in \(stormSeconds) s")
            print("DHCP storm: \(count) leases in \(String(format: "%.1f", stormSeconds)) s, \(dumps.count) consistent AXFRs, \(notifies) NOTIFY acknowledged")
        }

        /// Secondaries with a wrong key get nothing; unsigned or wrongly signed requests and
        /// clients outside --allow-transfer are refused.
        @Test func wrongKeysAndStrangersAreRefused() throws {
            let key = XFR.makeKey()
            let wrong = XFR.makeKey()
            let primaryPort = try LoopbackSocket.freePort()
            var secondaries: [SecondaryServer] = []
            defer { secondaries.forEach { $0.cleanup() } }
            let good = try SecondaryServer.start(.nsd, primary: ("127.0.0.1", primaryPort), zones: ["lan"], tsig: key)
            secondaries.append(good)
            for kind in SecondaryServer.Kind.allCases {
                secondaries.append(try SecondaryServer.start(kind, primary: ("127.0.0.1", primaryPort), zones: ["lan"], tsig: wrong))
            }
            let daemon = try XFR.lannamed(
                port: primaryPort,
                ["--no-dhcp", "--allow-transfer", "127.0.0.1/32", "--tsig", "\(key.name):\(key.algorithm):\(key.secret)"]
                    + secondaries.flatMap { ["--notify", "127.0.0.1:\($0.port)"] },
                hosts: primaryHosts)
            defer { daemon.cleanup() }
            let serial = try #require(daemon.serial("lan"))
            let took = try #require(good.waitForSerial("lan", atLeast: serial, timeout: 15), "the secondary with the right key")
            // Give the others as long again (at least 2 s): they must still have nothing.
            Thread.sleep(forTimeInterval: max(2, took))
            for secondary in secondaries.dropFirst() {
                #expect(secondary.soaSerial("lan") == nil, "\(secondary.kind) with a wrong key has no zone")
            }
            #expect(XFR.axfr(port: primaryPort, zone: "lan", key: key) != nil)
            #expect(XFR.axfr(port: primaryPort, zone: "lan", key: wrong) == nil)
            #expect(XFR.axfr(port: primaryPort, zone: "lan", key: nil) == nil)
            let unsigned = daemon.dig(["lan.", "AXFR"])
            #expect(unsigned.raw.contains("REFUSED") || unsigned.raw.contains("Transfer failed"), "\(unsigned.raw)")
            // Signed, but from 127.0.0.2: outside --allow-transfer 127.0.0.1/32.
            let stranger = run("dig", ["-r", "@127.0.0.1", "-p", "\(primaryPort)", "-b", "127.0.0.2", "+time=2", "+tries=1"]
                               + XFR.digKeyArguments(key) + ["lan.", "AXFR"], timeout: 10)
            #expect(stranger.stdout.contains("REFUSED") || stranger.stdout.contains("Transfer failed"), "\(stranger)")
            #expect(daemon.log.contains("not in --allow-transfer"))
            #expect(daemon.log.contains("badly signed") || daemon.log.contains("BADSIG"))
        }
    }

    @Suite(.serialized, .timeLimit(.minutes(3)))
    final class LannamedSecondary {
        /// A lannamed secondary of a lannamed primary: same answers; keeps answering with the
        /// primary stopped, also across its own restart; catches up when the primary returns.
        @Test func secondaryOfLannamed() throws {
            let key = XFR.makeKey()
            let keyText = "\(key.name):\(key.algorithm):\(key.secret)"
            let primaryPort = try LoopbackSocket.freePort()
            let secondaryPort = try LoopbackSocket.freePort()
            let primary = try XFR.lannamed(
                port: primaryPort,
                ["--no-dhcp", "--allow-transfer", "127.0.0.0/8", "--tsig", keyText, "--notify", "127.0.0.1:\(secondaryPort)"],
                hosts: primaryHosts)
            defer { primary.cleanup() }
            let secondary = try XFR.lannamed(port: secondaryPort, ["--secondary-of", "127.0.0.1:\(primaryPort)", "--tsig", keyText])
            defer { secondary.cleanup() }

            for zone in transferZones {
                let serial = try #require(primary.serial(zone))
                #expect(XFR.waitForSerial(atLeast: serial, timeout: 10) { secondary.serial(zone) } != nil, "\(zone)\n\(secondary.log)")
            }
            let questions = [("printer.lan.", "A"), ("nas.lan.", "AAAA"), ("vm.lab.lan.", "A"), ("printer", "A"),
                             ("20.100.51.198.in-addr.arpa.", "PTR"), ("lan.", "NS"), ("lan.", "SOA"), ("missing.lan.", "A")]
            func expectSameAnswers(_ label: String) {
                for (name, type) in questions {
                    let a = primary.dig(["+norec", name, type]), b = secondary.dig(["+norec", name, type])
                    #expect(a.status == b.status && a.answer == b.answer, "\(label): \(name) \(type)\nprimary: \(a.raw)\nsecondary: \(b.raw)")
                }
            }
            expectSameAnswers("after the first transfer")
            #expect(secondary.dig(["printer.lan.", "A"]).flags.contains("aa"), "answers from its copy are authoritative")

            // A change reaches the secondary through NOTIFY + IXFR.
            let start = E2E.now()
            #expect(primary.hosts(["add", "camera", "198.51.100.55"]).status == 0)
            let took = E2E.poll(every: 0.02, upTo: 10) { secondary.answers("camera.lan.", "A") == ["198.51.100.55"] }
            #expect(took != nil, "\(secondary.log)")
            print("lannamed -> lannamed secondary: \(E2E.format(took.map { _ in E2E.now() - start }))")
            #expect(secondary.log.contains("how=IXFR"), "\(secondary.log)")

            // Primary stopped: the secondary goes on answering, also after its own restart.
            primary.stop()
            #expect(secondary.answers("camera.lan.", "A") == ["198.51.100.55"])
            secondary.stop()
            try secondary.start()
            #expect(secondary.answers("camera.lan.", "A") == ["198.51.100.55"], "answered from its SQLite copy\n\(secondary.log)")
            #expect(secondary.answers("30.100.51.198.in-addr.arpa.", "PTR") == ["nas.lan."])

            // Changes while the primary is down, then the primary back: the secondary catches up.
            #expect(primary.hosts(["add", "doorbell", "198.51.100.66"]).status == 0)
            #expect(primary.hosts(["remove", "laptop-anna"]).status == 0)
            try primary.start()
            let back = E2E.poll(every: 0.05, upTo: 15) {
                secondary.answers("doorbell.lan.", "A") == ["198.51.100.66"] && secondary.answers("laptop-anna.lan.", "A").isEmpty
            }
            #expect(back != nil, "caught up\n\(secondary.log)")
            expectSameAnswers("after the primary came back")
        }

        /// A lannamed secondary of Knot: any record type; NOTIFY + IXFR; SERVFAIL after the SOA
        /// EXPIRE without the primary, answers again when it is back.
        @Test func secondaryOfKnot() throws {
            let key = XFR.makeKey()
            let secondaryPort = try LoopbackSocket.freePort()
            let records = """
                @ 300 SOA ns1 hostmaster 1 2 1 8 60
                @ 300 NS ns1
                ns1 300 A 198.51.100.1
                www 300 A 198.51.100.80
                www 300 AAAA 2001:db8:100::80
                intranet 300 CNAME www
                @ 300 MX 10 mail
                mail 300 A 198.51.100.25
                @ 300 TXT "office zone"
                _ldap._tcp 300 SRV 0 0 389 dc
                dc 300 A 198.51.100.10
                """
            let knot = try KnotPrimary.start(zone: "lan", records: records, notify: [secondaryPort], tsig: key)
            defer { knot.cleanup() }
            let secondary = try XFR.lannamed(port: secondaryPort, ["--secondary-of", "127.0.0.1:\(knot.port)", "--tsig", "\(key.name):\(key.algorithm):\(key.secret)"])
            defer { secondary.cleanup() }

            let serial = try #require(knot.serial())
            #expect(XFR.waitForSerial(atLeast: serial, timeout: 10) { secondary.serial("lan") } != nil, "\(secondary.log)")
            #expect(secondary.answers("www.lan.", "A") == ["198.51.100.80"])
            #expect(secondary.answers("www.lan.", "AAAA") == ["2001:db8:100::80"])
            let cname = secondary.dig(["intranet.lan.", "A"])
            #expect(cname.answer.map(\.type) == ["CNAME", "A"], "\(cname.raw)")
            #expect(secondary.answers("lan.", "MX") == ["10 mail.lan."])
            #expect(secondary.answers("lan.", "TXT") == ["\"office zone\""])
            #expect(secondary.answers("_ldap._tcp.lan.", "SRV") == ["0 0 389 dc.lan."])
            #expect(secondary.dig(["nothing.lan.", "A"]).status == "NXDOMAIN")
            #expect(secondary.answers("www", "A") == ["198.51.100.80"], "single labels in the copied zone")

            let start = E2E.now()
            try knot.set("www", "A", "198.51.100.81")
            let took = E2E.poll(every: 0.02, upTo: 10) { secondary.answers("www.lan.", "A") == ["198.51.100.81"] }
            #expect(took != nil, "\(secondary.log)")
            print("Knot -> lannamed secondary: \(E2E.format(took.map { _ in E2E.now() - start }))")
            #expect(secondary.log.contains("how=IXFR"), "\(secondary.log)")

            // SOA EXPIRE is 8 s: without Knot the zone answers SERVFAIL after it, not stale data.
            knot.stop()
            #expect(secondary.answers("www.lan.", "A") == ["198.51.100.81"])
            let expired = E2E.poll(every: 0.25, upTo: 20) { secondary.dig(["www.lan.", "A"]).status == "SERVFAIL" }
            #expect(expired != nil, "expired\n\(secondary.log)")
            // Knot back with changes made while it was down: the secondary catches up.
            try knot.replaceZoneFile(records.replacingOccurrences(of: "www 300 A 198.51.100.80", with: "www 300 A 198.51.100.82")
                + "\nprinter 300 A 198.51.100.20\n")
            try knot.start()
            let back = E2E.poll(every: 0.1, upTo: 15) {
                secondary.answers("www.lan.", "A") == ["198.51.100.82"] && secondary.answers("printer.lan.", "A") == ["198.51.100.20"]
            }
            #expect(back != nil, "answers again, with the changes, once the primary is back\n\(secondary.log)")
        }
    }
}

/// Makes one change and measures, for each secondary, the time until `check` holds there.
private func converge(_ daemon: LannamedDaemon, _ secondaries: [SecondaryServer], _ label: String, into report: inout [String],
                      change: () -> Void, check: (AnswerSource) -> Bool) throws {
    let start = E2E.now()
    change()
    let local = E2E.poll(every: 0.02, upTo: 10) { check(.daemon(daemon)) }
    #expect(local != nil, "\(label): lannamed itself\n\(daemon.log.suffix(3000))")
    var line = "\(label): lannamed \(E2E.format(local.map { _ in E2E.now() - start }))"
    for secondary in secondaries {
        let took = E2E.poll(every: 0.02, upTo: 15) { check(.secondary(secondary)) }
        #expect(took != nil, "\(label): \(secondary.kind)\n\(secondary.log().suffix(3000))")
        line += ", \(secondary.kind) \(took.map { _ in String(format: "%.0f", (E2E.now() - start) * 1000) } ?? "never")"
    }
    report.append(line)
}

/// Every transferred zone of every secondary equals lannamed's, record for record.
private func expectSameZones(_ daemon: LannamedDaemon, _ secondaries: [SecondaryServer], key: TestTSIGKey) throws {
    for zone in transferZones {
        let ours = try #require(XFR.axfr(port: daemon.port, zone: zone, key: key), "AXFR of \(zone) from lannamed")
        let serial = try #require(daemon.serial(zone))
        for secondary in secondaries {
            // Zones converge one by one: wait until this one holds the primary's version.
            #expect(secondary.waitForSerial(zone, atLeast: serial, timeout: 10) != nil, "\(secondary.kind) \(zone) at \(serial)")
            let theirs = XFR.axfr(port: secondary.port, zone: zone)
            #expect(theirs == ours, "\(secondary.kind) \(zone):\nlannamed: \(ours)\n\(secondary.kind): \(theirs ?? [])")
        }
    }
}

/// A server to ask in `converge`'s check.
enum AnswerSource {
    case daemon(LannamedDaemon)
    case secondary(SecondaryServer)

    func answers(_ name: String, _ type: String) -> [String] {
        let reply: DNSReply
        switch self {
        case .daemon(let daemon): reply = daemon.dig(["+norec", name, type], time: 1)
        case .secondary(let secondary): reply = secondary.dig(["+norec", name, type], time: 1)
        }
        return reply.answer.filter { $0.type == type }.map(\.data).sorted()
    }
}
