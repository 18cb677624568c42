import DNSWire
import Testing
@testable import LANZone

/// The zone data behind transfers (`ZoneSnapshot+Transfer.swift`, `ZoneVersions.swift`,
/// `HostStore+Transfer.swift`, `HostStore+Secondary.swift`, `SecondaryZones.swift`). The suites
/// are nested here so that `--filter ZoneTransferData` runs them all.
enum ZoneTransferDataTests {}

/// A small home network: the LAN zone, one RFC 6303 IPv4 zone, one IPv6 one (ULA) and a /24
/// derived from a public address.
enum Home {
    static let serial: UInt32 = 100
    static let config = ZoneConfig(origin: "lan.", serverAddresses: ips("192.168.1.1"), hostTTL: 300, negativeTTL: 30)

    static let hosts: [HostRecord] = [
        HostRecord(name: "printer", addresses: ips("192.168.1.20"), source: .static, firstSeen: 10),
        // An alias of the printer, seen earlier, without a PTR of its own.
        HostRecord(name: "laser", addresses: ips("192.168.1.20"), source: .static, firstSeen: 5, publishesPTR: false),
        HostRecord(name: "laptop", addresses: ips("192.168.1.21", "fd00::21"), source: .dhcp, firstSeen: 20),
        HostRecord(name: "scanner.lab", addresses: ips("192.168.1.30"), source: .static, firstSeen: 30),
        // A public address: its /24 becomes a reverse zone of its own.
        HostRecord(name: "cdn", addresses: ips("93.184.216.34"), source: .static, firstSeen: 40),
    ]

    static func snapshot(_ hosts: [HostRecord] = hosts, serial: UInt32 = serial) -> ZoneSnapshot {
        ZoneSnapshot(config: config, hosts: hosts, state: ZoneState(serial: serial, generation: 1))
    }

    static let lan: DomainName = "lan."
    static let v4: DomainName = "168.192.in-addr.arpa."
    static let ula: DomainName = "d.f.ip6.arpa."
    static let cdn: DomainName = "216.184.93.in-addr.arpa."

    static func soa(_ apex: String, serial: UInt32 = serial) -> String {
        "\(apex) 300 SOA ns.lan. hostmaster.lan. \(serial) 3600 600 604800 30"
    }

    /// The PTR owner of an address, as text.
    static func ptr(_ address: String) -> String { ip(address).reverseName.description }

    /// `hosts` with the host `name` replaced (nil: removed).
    static func replacing(_ name: String, with host: HostRecord?, in list: [HostRecord] = hosts) -> [HostRecord] {
        var out = list.filter { $0.name != name }
        if let host { out.append(host) }
        return out
    }

    static func host(_ name: String) -> HostRecord { hosts.first { $0.name == name }! }

    static func with(_ name: String, _ change: (inout HostRecord) -> Void) -> [HostRecord] {
        var copy = host(name)
        change(&copy)
        return replacing(name, with: copy)
    }
}

extension ZoneTransferDataTests {
    @Suite("Transfer data: zone content")
    struct Content {
        let snapshot = Home.snapshot()

        @Test func lanZoneHoldsSOAThenNSThenEveryAddress() throws {
            let records = try #require(snapshot.transferRecords(of: Home.lan)).map(render)
            #expect(records.count == 9)
            #expect(Array(records.prefix(2)) == [Home.soa("lan."), "lan. 300 NS ns.lan."])
            // The data comes in no particular order.
            #expect(records.dropFirst(2).sorted() == [
                "cdn.lan. 300 A 93.184.216.34",
                "laptop.lan. 300 A 192.168.1.21",
                "laptop.lan. 300 AAAA fd00::21",
                "laser.lan. 300 A 192.168.1.20",
                "ns.lan. 300 A 192.168.1.1",
                "printer.lan. 300 A 192.168.1.20",
                "scanner.lab.lan. 300 A 192.168.1.30",
            ])
        }

        static let reverseZones: [(apex: String, records: [String])] = [
            ("168.192.in-addr.arpa.", [
                Home.soa("168.192.in-addr.arpa."),
                "168.192.in-addr.arpa. 300 NS ns.lan.",
                // By address; the printer's address names the printer, not its alias.
                "20.1.168.192.in-addr.arpa. 300 PTR printer.lan.",
                "21.1.168.192.in-addr.arpa. 300 PTR laptop.lan.",
                "30.1.168.192.in-addr.arpa. 300 PTR scanner.lab.lan.",
            ]),
            ("d.f.ip6.arpa.", [
                Home.soa("d.f.ip6.arpa."),
                "d.f.ip6.arpa. 300 NS ns.lan.",
                "\(Home.ptr("fd00::21")) 300 PTR laptop.lan.",
            ]),
            ("216.184.93.in-addr.arpa.", [
                Home.soa("216.184.93.in-addr.arpa."),
                "216.184.93.in-addr.arpa. 300 NS ns.lan.",
                "34.216.184.93.in-addr.arpa. 300 PTR cdn.lan.",
            ]),
            // An RFC 6303 zone without a host: SOA and NS only.
            ("10.in-addr.arpa.", [Home.soa("10.in-addr.arpa."), "10.in-addr.arpa. 300 NS ns.lan."]),
        ]

        @Test(arguments: reverseZones)
        func reverseZoneHoldsItsPTRsInAddressOrder(_ apex: String, _ expected: [String]) throws {
            let records = try #require(snapshot.transferRecords(of: try DomainName(apex)))
            #expect(records.map(render) == expected)
        }

        @Test(arguments: ["lan.", "168.192.in-addr.arpa.", "d.f.ip6.arpa.", "216.184.93.in-addr.arpa."])
        func forEachTransferRecordGivesTheSameRecords(_ apex: String) throws {
            let name = try DomainName(apex)
            var streamed: [ResourceRecord] = []
            snapshot.forEachTransferRecord(of: name) { streamed.append($0) }
            #expect(streamed == snapshot.transferRecords(of: name))
        }

        @Test func offeredZonesAreTheLANZoneAndTheReverseZonesButNotLoopback() throws {
            let apexes = snapshot.transferApexes
            let expected = Set([Home.lan, Home.cdn]).union(SpecialZones.reverse).subtracting(SpecialZones.loopbackReverse)
            #expect(Set(apexes) == expected)
            #expect(apexes.count == expected.count)
            #expect(apexes == apexes.sorted())
            for name in ["lan.", "168.192.in-addr.arpa.", "10.in-addr.arpa.", "d.f.ip6.arpa.", "216.184.93.in-addr.arpa."] {
                #expect(snapshot.isTransferable(try DomainName(name)), "\(name)")
            }
        }

        static let notOffered = [
            // Loopback (RFC 6761 sec. 6.3): every server answers these itself.
            "127.in-addr.arpa.",
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
            // Special-use names, answered locally everywhere.
            "localhost.", "test.", "invalid.", "onion.", "home.arpa.",
            // Not zones of this server, or names inside a zone.
            "example.com.", "printer.lan.", "1.168.192.in-addr.arpa.", "184.93.in-addr.arpa.",
        ]

        @Test(arguments: notOffered)
        func zonesNotOffered(_ apex: String) throws {
            let name = try DomainName(apex)
            #expect(!snapshot.isTransferable(name))
            #expect(!snapshot.transferApexes.contains(name))
            #expect(snapshot.transferRecords(of: name) == nil)
            var count = 0
            snapshot.forEachTransferRecord(of: name) { _ in count += 1 }
            #expect(count == 0)
            #expect(!snapshot.hasData(name))
            #expect(snapshot.digest(of: name) == nil)
        }

        @Test func loopbackZonesAreStillAnsweredLocally() throws {
            let answer = snapshot.answer(Question(name: "1.0.0.127.in-addr.arpa.", type: .ptr))
            #expect(render(answer) == "answer 1.0.0.127.in-addr.arpa. 300 PTR localhost.")
            #expect(snapshot.serial(of: "127.in-addr.arpa.") == Home.serial)
        }

        static let hasData: [(String, Bool)] = [
            ("lan.", true),
            ("168.192.in-addr.arpa.", true),
            ("d.f.ip6.arpa.", true),
            ("216.184.93.in-addr.arpa.", true),
            // RFC 6303 zones without a local address: SOA and NS only.
            ("10.in-addr.arpa.", false),
            ("16.172.in-addr.arpa.", false),
            ("8.e.f.ip6.arpa.", false),
            // Loopback holds a PTR, but is not offered.
            ("127.in-addr.arpa.", false),
            ("localhost.", false),
            ("example.com.", false),
        ]

        @Test(arguments: hasData)
        func hasDataOnlyWhereThereIsMoreThanSOAAndNS(_ apex: String, _ expected: Bool) throws {
            #expect(snapshot.hasData(try DomainName(apex)) == expected)
        }

        @Test func anEmptyLANZoneStillHasData() {
            // The LAN zone is always worth a NOTIFY (its content is the point of the server).
            let empty = ZoneSnapshot(config: ZoneConfig(), hosts: [], state: ZoneState(serial: 1, generation: 1))
            #expect(empty.hasData("lan."))
            #expect(empty.transferRecords(of: "lan.")?.map(render)
                    == ["lan. 60 SOA ns.lan. hostmaster.lan. 1 3600 600 604800 60", "lan. 60 NS ns.lan."])
            #expect(!empty.hasData("168.192.in-addr.arpa."))
        }

        @Test func soaAndSerialOfAZone() throws {
            #expect(snapshot.soa(of: Home.v4).map(render) == Home.soa("168.192.in-addr.arpa."))
            #expect(snapshot.serial(of: Home.lan) == Home.serial)
            #expect(snapshot.soa(of: "example.com.") == nil)
            #expect(snapshot.serial(of: "example.com.") == nil)
        }

        @Test func withSerialsChangesOnlyTheNamedZones() throws {
            let renumbered = snapshot.withSerials([Home.lan: 7, Home.ula: 0xFFFF_FFFF, "example.com.": 9])
            #expect(renumbered.serial(of: Home.lan) == 7)
            #expect(renumbered.serial(of: Home.ula) == 0xFFFF_FFFF)
            #expect(renumbered.serial(of: Home.v4) == Home.serial)
            #expect(renumbered.serial(of: "example.com.") == nil)
            #expect(renumbered.transferRecords(of: Home.lan)?.first.map(render) == Home.soa("lan.", serial: 7))
            // Answers carry the zone's own serial.
            #expect(render(renumbered.answer(Question(name: "missing.lan.", type: .a)))
                    == "nxdomain lan. 30 SOA ns.lan. hostmaster.lan. 7 3600 600 604800 30")
            // The data and the store serial stay.
            #expect(renumbered.transferRecords(of: Home.lan)?.dropFirst() == snapshot.transferRecords(of: Home.lan)?.dropFirst())
            #expect(renumbered.serial == Home.serial)
            // The original is unchanged.
            #expect(snapshot.serial(of: Home.lan) == Home.serial)
        }

        static let reverseZoneFor: [(String, String)] = [
            ("192.168.1.20", "168.192.in-addr.arpa."),
            ("10.1.2.3", "10.in-addr.arpa."),
            ("172.20.0.1", "20.172.in-addr.arpa."),
            ("100.64.0.1", "64.100.in-addr.arpa."),
            ("127.0.0.1", "127.in-addr.arpa."),
            ("93.184.216.34", "216.184.93.in-addr.arpa."),
            ("fd00::21", "d.f.ip6.arpa."),
            ("fe80::1", "8.e.f.ip6.arpa."),
            ("2001:db8::1", "8.b.d.0.1.0.0.2.ip6.arpa."),
            ("2001:4860:4860::8844", "0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa."),
        ]

        @Test(arguments: reverseZoneFor)
        func reverseZoneOfAnAddress(_ address: String, _ apex: String) throws {
            #expect(ZoneSnapshot.reverseZone(for: ip(address)) == (try DomainName(apex)))
        }
    }
}

/// What changed between two sets of hosts, as `apex: [+record, -record]` (sorted).
struct ChangeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let hosts: [HostRecord]
    let expected: [String: [String]]

    init(_ name: String, _ hosts: [HostRecord], _ expected: [String: [String]]) {
        self.name = name
        self.hosts = hosts
        self.expected = expected
    }

    var testDescription: String { name }
}

func rendered(_ changes: [DomainName: ZoneChange]) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for (apex, change) in changes {
        out[apex.description] = (change.removed.map { "-" + render($0) } + change.added.map { "+" + render($0) }).sorted()
    }
    return out
}

extension ZoneTransferDataTests {
    @Suite("Transfer data: changes between snapshots")
    struct Changes {
        static let v4 = "168.192.in-addr.arpa."
        static let ula = "d.f.ip6.arpa."

        static let cases: [ChangeCase] = [
            ChangeCase("nothing changed (other order, other serial)", Home.hosts.reversed(), [:]),
            ChangeCase("a host added",
                       Home.hosts + [HostRecord(name: "tv", addresses: ips("192.168.1.40"), source: .dhcp)],
                       ["lan.": ["+tv.lan. 300 A 192.168.1.40"],
                        v4: ["+40.1.168.192.in-addr.arpa. 300 PTR tv.lan."]]),
            ChangeCase("a host removed", Home.replacing("laptop", with: nil),
                       ["lan.": ["-laptop.lan. 300 A 192.168.1.21", "-laptop.lan. 300 AAAA fd00::21"],
                        v4: ["-21.1.168.192.in-addr.arpa. 300 PTR laptop.lan."],
                        ula: ["-\(Home.ptr("fd00::21")) 300 PTR laptop.lan."]]),
            ChangeCase("a host renamed",
                       Home.with("printer") { $0.name = "printer2" },
                       ["lan.": ["+printer2.lan. 300 A 192.168.1.20", "-printer.lan. 300 A 192.168.1.20"],
                        v4: ["+20.1.168.192.in-addr.arpa. 300 PTR printer2.lan.",
                             "-20.1.168.192.in-addr.arpa. 300 PTR printer.lan."]]),
            ChangeCase("a host moved to another address",
                       Home.with("scanner.lab") { $0.addresses = ips("192.168.1.31") },
                       ["lan.": ["+scanner.lab.lan. 300 A 192.168.1.31", "-scanner.lab.lan. 300 A 192.168.1.30"],
                        v4: ["+31.1.168.192.in-addr.arpa. 300 PTR scanner.lab.lan.",
                             "-30.1.168.192.in-addr.arpa. 300 PTR scanner.lab.lan."]]),
            // The alias was seen first: once it publishes a PTR, the address names it.
            ChangeCase("the PTR target changes, the LAN zone does not",
                       Home.with("laser") { $0.publishesPTR = true },
                       [v4: ["+20.1.168.192.in-addr.arpa. 300 PTR laser.lan.",
                             "-20.1.168.192.in-addr.arpa. 300 PTR printer.lan."]]),
            // Names compare without case, so the LAN zone is the same; the PTR is spelled anew.
            ChangeCase("a rename in case only",
                       Home.with("printer") { $0.name = "Printer" },
                       [v4: ["+20.1.168.192.in-addr.arpa. 300 PTR Printer.lan.",
                             "-20.1.168.192.in-addr.arpa. 300 PTR printer.lan."]]),
            ChangeCase("an IPv4 address added to a host",
                       Home.with("laptop") { $0.addresses.append(ip("192.168.1.22")) },
                       ["lan.": ["+laptop.lan. 300 A 192.168.1.22"],
                        v4: ["+22.1.168.192.in-addr.arpa. 300 PTR laptop.lan."]]),
            ChangeCase("an IPv6 address added to a host",
                       Home.with("laptop") { $0.addresses.append(ip("fd00::22")) },
                       ["lan.": ["+laptop.lan. 300 AAAA fd00::22"],
                        ula: ["+\(Home.ptr("fd00::22")) 300 PTR laptop.lan."]]),
            ChangeCase("an address without PTR added (an alias)",
                       Home.hosts + [HostRecord(name: "ipp", addresses: ips("192.168.1.20"), source: .static,
                                                firstSeen: 50, publishesPTR: false)],
                       ["lan.": ["+ipp.lan. 300 A 192.168.1.20"]]),
            // A /24 that appears is a new zone: it gets a fresh version, not a journal entry.
            ChangeCase("a host in a new /24 zone",
                       Home.hosts + [HostRecord(name: "web", addresses: ips("203.0.114.5"), source: .static)],
                       ["lan.": ["+web.lan. 300 A 203.0.114.5"]]),
            ChangeCase("the last host of a /24 leaves (the zone goes)", Home.replacing("cdn", with: nil),
                       ["lan.": ["-cdn.lan. 300 A 93.184.216.34"]]),
        ]

        @Test(arguments: cases)
        func changesSinceTheOldSnapshot(_ c: ChangeCase) {
            let old = Home.snapshot()
            let new = Home.snapshot(c.hosts, serial: 200)
            #expect(rendered(new.changes(since: old)) == c.expected)
        }

        /// The digest follows a change by `ZoneDigest.adjust`, exactly as if recomputed, and stays
        /// where nothing changed.
        @Test(arguments: cases)
        func adjustedDigestEqualsTheRecomputedOne(_ c: ChangeCase) throws {
            let old = Home.snapshot()
            let new = Home.snapshot(c.hosts, serial: 200)
            let changes = new.changes(since: old)
            for apex in Set(old.transferApexes).intersection(new.transferApexes) {
                let before = try #require(old.digest(of: apex)), after = try #require(new.digest(of: apex))
                if let change = changes[apex] {
                    #expect(ZoneDigest.adjust(before, by: change) == after, "\(apex)")
                    #expect(before != after, "\(apex)")
                } else {
                    #expect(before == after, "\(apex)")
                }
            }
        }
    }

    @Suite("Transfer data: digests")
    struct Digests {
        @Test func digestIgnoresHostOrderAndTheSerial() throws {
            let a = Home.snapshot()
            let b = Home.snapshot(Home.hosts.reversed(), serial: 999)
            for apex in a.transferApexes {
                #expect(a.digest(of: apex) == b.digest(of: apex), "\(apex)")
            }
            // And the per-zone serials of `withSerials`.
            #expect(a.withSerials([Home.lan: 5]).digest(of: Home.lan) == a.digest(of: Home.lan))
        }

        @Test func digestIsTheSumOfTheRecordHashes() throws {
            let snapshot = Home.snapshot()
            let records = try #require(snapshot.transferRecords(of: Home.v4))
            var soa = records[0]
            if case .soa(var data) = soa.data {
                data.serial = 0
                soa.data = .soa(data)
            }
            let sum = records.dropFirst().reduce(ZoneDigest.hash(soa)) { $0 &+ ZoneDigest.hash($1) }
            #expect(snapshot.digest(of: Home.v4) == sum)
        }

        @Test func recordHashIgnoresTheOwnersCaseButNotTheData() throws {
            let lower = ResourceRecord(name: "printer.lan.", ttl: 300, data: .a(IPv4Address(192, 168, 1, 20)))
            let upper = ResourceRecord(name: "PRINTER.LAN.", ttl: 300, data: .a(IPv4Address(192, 168, 1, 20)))
            let other = ResourceRecord(name: "printer.lan.", ttl: 300, data: .a(IPv4Address(192, 168, 1, 21)))
            let ttl = ResourceRecord(name: "printer.lan.", ttl: 60, data: .a(IPv4Address(192, 168, 1, 20)))
            #expect(ZoneDigest.hash(lower) == ZoneDigest.hash(upper))
            #expect(ZoneDigest.hash(lower) != ZoneDigest.hash(other))
            #expect(ZoneDigest.hash(lower) != ZoneDigest.hash(ttl))
        }

        @Test func digestsDifferBetweenZonesAndConfigurations() throws {
            let snapshot = Home.snapshot()
            #expect(snapshot.digest(of: "10.in-addr.arpa.") != snapshot.digest(of: "16.172.in-addr.arpa."))
            var config = Home.config
            config.refresh = 7200
            let retimed = ZoneSnapshot(config: config, hosts: Home.hosts, state: ZoneState(serial: Home.serial, generation: 1))
            // SOA timers are content: a secondary must see them change.
            #expect(retimed.digest(of: Home.lan) != snapshot.digest(of: Home.lan))
        }

        @Test func adjustUndoesItself() {
            let record = ResourceRecord(name: "tv.lan.", ttl: 300, data: .a(IPv4Address(192, 168, 1, 40)))
            let digest: UInt64 = 0xFFFF_FFFF_FFFF_FFF0
            let added = ZoneDigest.adjust(digest, by: ZoneChange(added: [record]))
            #expect(added == digest &+ ZoneDigest.hash(record))
            #expect(ZoneDigest.adjust(added, by: ZoneChange(removed: [record])) == digest)
            #expect(ZoneDigest.adjust(digest, by: ZoneChange()) == digest)
        }
    }
}
