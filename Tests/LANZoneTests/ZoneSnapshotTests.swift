import DNSWire
import Testing
@testable import LANZone

/// The zone every table below is asked against: `lan.` with the usual office hosts.
enum Office {
    static let serial: UInt32 = 2_024_060_101
    static let state = ZoneState(serial: serial, generation: 7)
    static let config = ZoneConfig(origin: "lan.", serverAddresses: ips("198.51.100.1", "2001:db8::1"),
                                   hostTTL: 300, negativeTTL: 30)

    static let hosts: [HostRecord] = [
        HostRecord(name: "printer", addresses: ips("198.51.100.20"), source: .static, firstSeen: 100),
        // An alias sharing the printer's address: addresses only, no PTR.
        HostRecord(name: "laser", addresses: ips("198.51.100.20"), source: .static, firstSeen: 1, publishesPTR: false),
        HostRecord(name: "Laptop-Anna", addresses: ips("198.51.100.21", "2001:db8::21"), source: .static),
        // Makes `lab.lan.` an empty non-terminal.
        HostRecord(name: "scanner.lab", addresses: ips("198.51.100.30"), source: .static),
        // Service-style underscore labels; `_tcp.lan.` becomes an empty non-terminal.
        HostRecord(name: "_ipp._tcp", addresses: ips("198.51.100.40"), source: .static),
        // A public address: gets the derived reverse zone of its /24 (data only, never contacted).
        HostRecord(name: "resolver", addresses: ips("8.8.4.4"), source: .config),
        HostRecord(name: "resolver6", addresses: ips("2001:4860:4860::8844"), source: .config),
        // RFC 6303 private space, learned and static hosts sharing addresses.
        HostRecord(name: "phone", addresses: ips("192.168.1.50"), source: .dhcp, firstSeen: 50),
        HostRecord(name: "tablet", addresses: ips("192.168.1.60"), source: .dhcp, firstSeen: 20),
        HostRecord(name: "tablet-old", addresses: ips("192.168.1.60"), source: .dhcp, firstSeen: 10),
        HostRecord(name: "nas-dhcp", addresses: ips("192.168.1.70"), source: .dhcp, firstSeen: 1),
        HostRecord(name: "nas", addresses: ips("192.168.1.70"), source: .static, firstSeen: 999),
        // Not a readable name: skipped, and nothing else suffers.
        HostRecord(name: "bad..name", addresses: ips("198.51.100.99"), source: .static),
    ]

    static let snapshot = ZoneSnapshot(config: config, hosts: hosts, state: state)

    static let soaData = "ns.lan. hostmaster.lan. \(serial) 3600 600 604800 30"
    /// The SOA as an answer (host TTL) and as the negative-answer SOA (min(TTL, negative TTL)).
    static func soa(_ apex: String, ttl: UInt32 = 300) -> String { "\(apex) \(ttl) SOA \(soaData)" }
    static func negative(_ apex: String) -> String { soa(apex, ttl: 30) }

    static let lanNegative = negative("lan.")
    static let v6Reverse = "1.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    static let v6DocZone = "8.b.d.0.1.0.0.2.ip6.arpa."
    static let publicV6Reverse = "4.4.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa."
    static let publicV6Zone = "0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa."
}

struct AnswerCase: Sendable, CustomTestStringConvertible {
    let name: String
    let type: RecordType
    let expected: String

    init(_ name: String, _ type: RecordType, _ expected: String) {
        self.name = name
        self.type = type
        self.expected = expected
    }

    var testDescription: String { "\(name) \(type)" }
}

@Suite("ZoneSnapshot: answers")
struct ZoneSnapshotAnswerTests {
    static let lan = Office.lanNegative

    static let forward: [AnswerCase] = [
        // Plain A and AAAA, and the type the host does not have (NODATA, zone SOA).
        AnswerCase("printer.lan.", .a, "answer printer.lan. 300 A 198.51.100.20"),
        AnswerCase("printer.lan.", .aaaa, "nodata \(lan)"),
        AnswerCase("printer.lan.", .mx, "nodata \(lan)"),
        AnswerCase("printer.lan.", .ptr, "nodata \(lan)"),
        AnswerCase("laser.lan.", .a, "answer laser.lan. 300 A 198.51.100.20"),
        AnswerCase("Laptop-Anna.lan.", .a, "answer Laptop-Anna.lan. 300 A 198.51.100.21"),
        AnswerCase("Laptop-Anna.lan.", .aaaa, "answer Laptop-Anna.lan. 300 AAAA 2001:db8::21"),
        AnswerCase("Laptop-Anna.lan.", .txt, "nodata \(lan)"),
        // Lookups ignore case; the answer's owner keeps the question's.
        AnswerCase("laptop-anna.lan.", .a, "answer laptop-anna.lan. 300 A 198.51.100.21"),
        AnswerCase("LAPTOP-ANNA.LAN.", .aaaa, "answer LAPTOP-ANNA.LAN. 300 AAAA 2001:db8::21"),
        AnswerCase("PrInTeR.LaN.", .a, "answer PrInTeR.LaN. 300 A 198.51.100.20"),
        // Multi-label and underscore names, their empty non-terminals, and names below them.
        AnswerCase("scanner.lab.lan.", .a, "answer scanner.lab.lan. 300 A 198.51.100.30"),
        AnswerCase("lab.lan.", .a, "nodata \(lan)"),
        AnswerCase("LAB.lan.", .any, "nodata \(lan)"),
        AnswerCase("other.lab.lan.", .a, "nxdomain \(lan)"),
        AnswerCase("_ipp._tcp.lan.", .a, "answer _ipp._tcp.lan. 300 A 198.51.100.40"),
        AnswerCase("_tcp.lan.", .a, "nodata \(lan)"),
        AnswerCase("_http._tcp.lan.", .a, "nxdomain \(lan)"),
        // Unknown names in the zone.
        AnswerCase("missing.lan.", .a, "nxdomain \(lan)"),
        AnswerCase("missing.lan.", .mx, "nxdomain \(lan)"),
        AnswerCase("deep.missing.lan.", .aaaa, "nxdomain \(lan)"),
        AnswerCase("sub.printer.lan.", .a, "nxdomain \(lan)"),
        AnswerCase("printer.lan.", .soa, "nodata \(lan)"),
        AnswerCase("printer.lan.", .ns, "nodata \(lan)"),
    ]

    static let apex: [AnswerCase] = [
        AnswerCase("lan.", .soa, "answer \(Office.soa("lan."))"),
        AnswerCase("LAN.", .soa, "answer \(Office.soa("LAN."))"),
        AnswerCase("lan.", .ns,
                   "answer lan. 300 NS ns.lan. ++ ns.lan. 300 A 198.51.100.1 | ns.lan. 300 AAAA 2001:db8::1"),
        AnswerCase("Lan.", .ns,
                   "answer Lan. 300 NS ns.lan. ++ ns.lan. 300 A 198.51.100.1 | ns.lan. 300 AAAA 2001:db8::1"),
        AnswerCase("lan.", .a, "nodata \(lan)"),
        AnswerCase("lan.", .mx, "nodata \(lan)"),
        AnswerCase("lan.", .any, "answer \(Office.soa("lan."))"),
        // The server's own name, published from ZoneConfig.serverAddresses.
        AnswerCase("ns.lan.", .a, "answer ns.lan. 300 A 198.51.100.1"),
        AnswerCase("NS.lan.", .aaaa, "answer NS.lan. 300 AAAA 2001:db8::1"),
    ]

    static let singleLabel: [AnswerCase] = [
        AnswerCase("printer.", .a, "answer printer. 300 A 198.51.100.20"),
        AnswerCase("Printer.", .a, "answer Printer. 300 A 198.51.100.20"),
        AnswerCase("printer.", .aaaa, "nodata \(lan)"),
        AnswerCase("laptop-anna.", .aaaa, "answer laptop-anna. 300 AAAA 2001:db8::21"),
        AnswerCase("lab.", .a, "nodata \(lan)"),
        AnswerCase("nosuchhost.", .a, "nxdomain -"),
        AnswerCase("nosuchhost.", .aaaa, "nxdomain -"),
    ]

    /// RFC 8482: ANY gets one RRset, whatever else the name holds.
    static let any: [AnswerCase] = [
        AnswerCase("Laptop-Anna.lan.", .any, "answer Laptop-Anna.lan. 300 A 198.51.100.21"),
        AnswerCase("printer.", .any, "answer printer. 300 A 198.51.100.20"),
        AnswerCase("21.100.51.198.in-addr.arpa.", .any, "answer 21.100.51.198.in-addr.arpa. 300 PTR Laptop-Anna.lan."),
        AnswerCase("missing.lan.", .any, "nxdomain \(lan)"),
    ]

    static let reverse: [AnswerCase] = [
        AnswerCase("21.100.51.198.in-addr.arpa.", .ptr, "answer 21.100.51.198.in-addr.arpa. 300 PTR Laptop-Anna.lan."),
        AnswerCase("21.100.51.198.IN-ADDR.ARPA.", .ptr, "answer 21.100.51.198.IN-ADDR.ARPA. 300 PTR Laptop-Anna.lan."),
        AnswerCase("30.100.51.198.in-addr.arpa.", .ptr, "answer 30.100.51.198.in-addr.arpa. 300 PTR scanner.lab.lan."),
        AnswerCase("40.100.51.198.in-addr.arpa.", .ptr, "answer 40.100.51.198.in-addr.arpa. 300 PTR _ipp._tcp.lan."),
        // The printer's address is shared with the alias `laser` (seen earlier, but no PTR).
        AnswerCase("20.100.51.198.in-addr.arpa.", .ptr, "answer 20.100.51.198.in-addr.arpa. 300 PTR printer.lan."),
        AnswerCase("21.100.51.198.in-addr.arpa.", .a, "nodata \(Office.negative("100.51.198.in-addr.arpa."))"),
        AnswerCase("99.100.51.198.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("100.51.198.in-addr.arpa."))"),
        AnswerCase("100.51.198.in-addr.arpa.", .soa, "answer \(Office.soa("100.51.198.in-addr.arpa."))"),
        AnswerCase("100.51.198.in-addr.arpa.", .ns,
                   "answer 100.51.198.in-addr.arpa. 300 NS ns.lan. ++ ns.lan. 300 A 198.51.100.1 | ns.lan. 300 AAAA 2001:db8::1"),
        // IPv6 nibble names, and an empty non-terminal on the way down.
        AnswerCase(Office.v6Reverse, .ptr, "answer \(Office.v6Reverse) 300 PTR Laptop-Anna.lan."),
        AnswerCase("0.0.0.0." + Office.v6DocZone, .ptr, "nodata \(Office.negative(Office.v6DocZone))"),
        AnswerCase("f" + String(Office.v6Reverse.dropFirst()), .ptr, "nxdomain \(Office.negative(Office.v6DocZone))"),
        // RFC 6303 private space: known hosts, the PTR order, unknown addresses.
        AnswerCase("50.1.168.192.in-addr.arpa.", .ptr, "answer 50.1.168.192.in-addr.arpa. 300 PTR phone.lan."),
        AnswerCase("60.1.168.192.in-addr.arpa.", .ptr, "answer 60.1.168.192.in-addr.arpa. 300 PTR tablet-old.lan."),
        AnswerCase("70.1.168.192.in-addr.arpa.", .ptr, "answer 70.1.168.192.in-addr.arpa. 300 PTR nas.lan."),
        AnswerCase("1.1.168.192.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("168.192.in-addr.arpa."))"),
        AnswerCase("1.0.0.10.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("10.in-addr.arpa."))"),
        AnswerCase("1.0.20.172.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("20.172.in-addr.arpa."))"),
        AnswerCase("1.0.64.100.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("64.100.in-addr.arpa."))"),
        AnswerCase("1.0.254.169.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("254.169.in-addr.arpa."))"),
        AnswerCase("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa.", .ptr,
                   "nxdomain \(Office.negative("8.e.f.ip6.arpa."))"),
        AnswerCase("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", .ptr,
                   "nxdomain \(Office.negative("d.f.ip6.arpa."))"),
        // Loopback (RFC 6761 sec. 6.3).
        AnswerCase("1.0.0.127.in-addr.arpa.", .ptr, "answer 1.0.0.127.in-addr.arpa. 300 PTR localhost."),
        AnswerCase("2.0.0.127.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("127.in-addr.arpa."))"),
        AnswerCase("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", .ptr,
                   "answer 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. 300 PTR localhost."),
        // A public address makes the reverse zone of its /24 (IPv4) or /64 (IPv6), and only that.
        AnswerCase("4.4.8.8.in-addr.arpa.", .ptr, "answer 4.4.8.8.in-addr.arpa. 300 PTR resolver.lan."),
        AnswerCase("5.4.8.8.in-addr.arpa.", .ptr, "nxdomain \(Office.negative("4.8.8.in-addr.arpa."))"),
        AnswerCase("4.8.8.in-addr.arpa.", .soa, "answer \(Office.soa("4.8.8.in-addr.arpa."))"),
        AnswerCase("8.8.8.8.in-addr.arpa.", .ptr, "refused"),
        AnswerCase("8.8.in-addr.arpa.", .ns, "refused"),
        AnswerCase("51.198.in-addr.arpa.", .soa, "refused"),
        AnswerCase("in-addr.arpa.", .soa, "refused"),
        AnswerCase(Office.publicV6Reverse, .ptr, "answer \(Office.publicV6Reverse) 300 PTR resolver6.lan."),
        AnswerCase("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + Office.publicV6Zone, .ptr,
                   "nxdomain \(Office.negative(Office.publicV6Zone))"),
        AnswerCase("4.4.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa.", .ptr, "refused"),
    ]

    static let special: [AnswerCase] = [
        AnswerCase("localhost.", .a, "answer localhost. 300 A 127.0.0.1"),
        AnswerCase("localhost.", .aaaa, "answer localhost. 300 AAAA ::1"),
        AnswerCase("localhost.", .mx, "nodata \(Office.negative("localhost."))"),
        AnswerCase("localhost.", .soa, "answer \(Office.soa("localhost."))"),
        AnswerCase("localhost.", .ns, "answer localhost. 300 NS localhost."),
        AnswerCase("foo.localhost.", .a, "answer foo.localhost. 300 A 127.0.0.1"),
        AnswerCase("Foo.LocalHost.", .aaaa, "answer Foo.LocalHost. 300 AAAA ::1"),
        AnswerCase("foo.localhost.", .mx, "nodata \(Office.negative("localhost."))"),
        AnswerCase("foo.localhost.", .soa, "nodata \(Office.negative("localhost."))"),
        AnswerCase("a.b.localhost.", .any, "answer a.b.localhost. 300 A 127.0.0.1"),
        AnswerCase("anything.invalid.", .a, "nxdomain \(Office.negative("invalid."))"),
        AnswerCase("example.test.", .aaaa, "nxdomain \(Office.negative("test."))"),
        AnswerCase("duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion.", .a,
                   "nxdomain \(Office.negative("onion."))"),
        AnswerCase("router.home.arpa.", .a, "nxdomain \(Office.negative("home.arpa."))"),
        AnswerCase("test.", .soa, "answer \(Office.soa("test."))"),
        AnswerCase("invalid.", .a, "nodata \(Office.negative("invalid."))"),
        // Not ours: the forwarder's business.
        AnswerCase("www.example.com.", .a, "refused"),
        AnswerCase("example.com.", .soa, "refused"),
        AnswerCase(".", .ns, "refused"),
        AnswerCase("printer.lan.example.", .a, "refused"),
    ]

    func check(_ c: AnswerCase, in snapshot: ZoneSnapshot = Office.snapshot) throws {
        let question = Question(name: try DomainName(c.name), type: c.type)
        #expect(render(snapshot.answer(question)) == c.expected, "\(c.name) \(c.type)")
    }

    @Test(arguments: forward) func forwardZone(_ c: AnswerCase) throws { try check(c) }
    @Test(arguments: apex) func zoneApex(_ c: AnswerCase) throws { try check(c) }
    @Test(arguments: singleLabel) func singleLabelNames(_ c: AnswerCase) throws { try check(c) }
    @Test(arguments: any) func anyGetsOneRRset(_ c: AnswerCase) throws { try check(c) }
    @Test(arguments: reverse) func reverseZones(_ c: AnswerCase) throws { try check(c) }
    @Test(arguments: special) func specialUseNames(_ c: AnswerCase) throws { try check(c) }

    /// `1.0.0.127.in-addr.arpa.` exists (loopback PTR), so the names on the way to it are empty
    /// non-terminals: NODATA, not NXDOMAIN (RFC 8020: NXDOMAIN means nothing exists below).
    @Test(arguments: ["0.0.127.in-addr.arpa.", "0.127.in-addr.arpa."])
    func loopbackPTRAncestorsAreEmptyNonTerminals(_ name: String) throws {
        // Regression test (was a bug): ZoneSnapshot.init adds the loopback PTR nodes without markAncestors, so these
        // ancestors answer NXDOMAIN although 1.0.0.127.in-addr.arpa. exists below them.
        try check(AnswerCase(name, .ptr, "nodata \(Office.negative("127.in-addr.arpa."))"))
    }

    @Test func ownerKeepsTheExactBytesOfTheQuestion() throws {
        let question = Question(name: DomainName("LaPtOp-AnNa.LAN."), type: .a)
        guard case .answer(let records, _) = Office.snapshot.answer(question) else {
            Issue.record("expected an answer")
            return
        }
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.name.wire == question.name.wire)
        #expect(record.recordClass == .in)
        #expect(record.data == .a(IPv4Address(198, 51, 100, 21)))
    }

    @Test func soaCarriesTheStoreSerialAndTheConfiguredTimers() throws {
        let answer = Office.snapshot.answer(Question(name: "lan.", type: .soa))
        guard case .answer(let records, let additional) = answer, records.count == 1,
              case .soa(let soa) = records[0].data else {
            Issue.record("expected one SOA, got \(render(answer))")
            return
        }
        #expect(additional.isEmpty)
        #expect(soa.serial == Office.serial)
        #expect(soa.mname == "ns.lan.")
        #expect(soa.rname == "hostmaster.lan.")
        #expect(soa.refresh == 3600)
        #expect(soa.retry == 600)
        #expect(soa.expire == 604_800)
        #expect(soa.minimum == 30)
        #expect(records[0].ttl == 300)
        #expect(Office.snapshot.serial == Office.serial)
        #expect(Office.snapshot.generation == 7)
    }

    @Test(arguments: [UInt32(0), 1, 0x8000_0000, 0xFFFF_FFFF])
    func everyZoneSOAUsesTheStateSerial(_ serial: UInt32) throws {
        let snapshot = ZoneSnapshot(config: Office.config, hosts: Office.hosts,
                                    state: ZoneState(serial: serial, generation: 1))
        for name in ["lan.", "missing.lan.", "1.1.168.192.in-addr.arpa.", "5.4.8.8.in-addr.arpa.", "x.test.", "localhost."] {
            let answer = snapshot.answer(Question(name: try DomainName(name), type: .soa))
            let soa: ResourceRecord?
            switch answer {
            case .answer(let records, _): soa = records.first
            case .noData(let record): soa = record
            case .nxDomain(let record): soa = record
            case .notAuthoritative, .delegation, .serverFailure: soa = nil
            }
            guard case .soa(let data)? = soa?.data else {
                Issue.record("\(name): no SOA in \(render(answer))")
                continue
            }
            #expect(data.serial == serial, "\(name)")
        }
    }

    @Test func negativeTTLIsTheSmallerOfSOATTLAndMinimum() throws {
        // Host TTL below the negative TTL: the SOA's own TTL caps it (RFC 2308 sec. 5).
        let config = ZoneConfig(origin: "lan.", hostTTL: 20, negativeTTL: 3600)
        let snapshot = ZoneSnapshot(config: config, hosts: Office.hosts, state: Office.state)
        let noData = snapshot.answer(Question(name: "printer.lan.", type: .aaaa))
        guard case .noData(let soa) = noData, case .soa(let data) = soa.data else {
            Issue.record("expected NODATA, got \(render(noData))")
            return
        }
        #expect(soa.ttl == 20)
        #expect(data.minimum == 3600)
        #expect(soa.name == "lan.")

        let nx = snapshot.answer(Question(name: "missing.lan.", type: .a))
        guard case .nxDomain(let nxSOA?) = nx else {
            Issue.record("expected NXDOMAIN with a SOA, got \(render(nx))")
            return
        }
        #expect(nxSOA.ttl == 20)

        // And the other way round, as in the office zone.
        guard case .noData(let officeSOA) = Office.snapshot.answer(Question(name: "printer.lan.", type: .aaaa)) else {
            Issue.record("expected NODATA")
            return
        }
        #expect(officeSOA.ttl == 30)
    }

    @Test func snapshotMetadata() {
        let snapshot = Office.snapshot
        #expect(snapshot.hostCount == Office.hosts.count)
        #expect(snapshot.skipped == ["bad..name"])
        #expect(snapshot.config == Office.config)
        let apexes = Set(snapshot.zoneApexes.map(\.description))
        for apex in ["lan.", "localhost.", "invalid.", "test.", "onion.", "home.arpa.", "168.192.in-addr.arpa.",
                     "100.51.198.in-addr.arpa.", "4.8.8.in-addr.arpa.", Office.publicV6Zone] {
            #expect(apexes.contains(apex), "\(apex)")
        }
        #expect(!apexes.contains("8.8.in-addr.arpa."))
        #expect(snapshot.zoneApexes == snapshot.zoneApexes.sorted())
    }
}

@Suite("ZoneSnapshot: configurations")
struct ZoneSnapshotConfigTests {
    static let state = ZoneState(serial: 42, generation: 1)

    func answer(_ snapshot: ZoneSnapshot, _ name: String, _ type: RecordType) throws -> String {
        render(snapshot.answer(Question(name: try DomainName(name), type: type)))
    }

    @Test func homeArpaAsOriginIsTheLANZoneNotAnEmptyOne() throws {
        let config = ZoneConfig(origin: "home.arpa.", serverAddresses: ips("192.168.1.1"), hostTTL: 60, negativeTTL: 60)
        #expect(config.serverName == "ns.home.arpa.")
        let hosts = [HostRecord(name: "printer", addresses: ips("192.168.1.20"), source: .static)]
        let snapshot = ZoneSnapshot(config: config, hosts: hosts, state: Self.state)
        let soa = "home.arpa. 60 SOA ns.home.arpa. hostmaster.home.arpa. 42 3600 600 604800 60"
        #expect(try answer(snapshot, "printer.home.arpa.", .a) == "answer printer.home.arpa. 60 A 192.168.1.20")
        #expect(try answer(snapshot, "Printer.Home.Arpa.", .a) == "answer Printer.Home.Arpa. 60 A 192.168.1.20")
        #expect(try answer(snapshot, "printer.", .a) == "answer printer. 60 A 192.168.1.20")
        #expect(try answer(snapshot, "home.arpa.", .soa) == "answer \(soa)")
        #expect(try answer(snapshot, "home.arpa.", .ns)
                == "answer home.arpa. 60 NS ns.home.arpa. ++ ns.home.arpa. 60 A 192.168.1.1")
        #expect(try answer(snapshot, "missing.home.arpa.", .a) == "nxdomain \(soa)")
        #expect(try answer(snapshot, "20.1.168.192.in-addr.arpa.", .ptr)
                == "answer 20.1.168.192.in-addr.arpa. 60 PTR printer.home.arpa.")
        // The other special-use zones stay empty.
        #expect(try answer(snapshot, "x.test.", .a)
                == "nxdomain test. 60 SOA ns.home.arpa. hostmaster.home.arpa. 42 3600 600 604800 60")
        // `lan.` is nobody's zone now.
        #expect(try answer(snapshot, "printer.lan.", .a) == "refused")
        #expect(snapshot.zoneApexes.filter { $0 == "home.arpa." }.count == 1)
    }

    @Test func withoutServerAddressesTheNSHasNoGlue() throws {
        let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: [], state: Self.state)
        #expect(try answer(snapshot, "lan.", .ns) == "answer lan. 60 NS ns.lan.")
        #expect(try answer(snapshot, "ns.lan.", .a)
                == "nxdomain lan. 60 SOA ns.lan. hostmaster.lan. 42 3600 600 604800 60")
        #expect(snapshot.hostCount == 0)
        #expect(snapshot.skipped.isEmpty)
    }

    @Test func aHostNamedLikeTheServerProvidesTheGlue() throws {
        let config = ZoneConfig(serverAddresses: ips("198.51.100.1"))
        let hosts = [HostRecord(name: "NS", addresses: ips("198.51.100.53"), source: .static)]
        let snapshot = ZoneSnapshot(config: config, hosts: hosts, state: Self.state)
        #expect(try answer(snapshot, "lan.", .ns) == "answer lan. 60 NS ns.lan. ++ ns.lan. 60 A 198.51.100.53")
        #expect(try answer(snapshot, "ns.lan.", .a) == "answer ns.lan. 60 A 198.51.100.53")
        // The host publishes its PTR as any other static host does.
        #expect(try answer(snapshot, "53.100.51.198.in-addr.arpa.", .ptr)
                == "answer 53.100.51.198.in-addr.arpa. 60 PTR NS.lan.")
    }

    @Test func customServerNameAndTimers() throws {
        let config = ZoneConfig(origin: "office.example.", serverName: "dns.office.example.",
                                serverAddresses: ips("10.0.0.53"), hostTTL: 120, refresh: 1000, retry: 100,
                                expire: 10000, negativeTTL: 15)
        #expect(config.responsibleName == "hostmaster.office.example.")
        let snapshot = ZoneSnapshot(config: config, hosts: [], state: Self.state)
        #expect(try answer(snapshot, "office.example.", .soa)
                == "answer office.example. 120 SOA dns.office.example. hostmaster.office.example. 42 1000 100 10000 15")
        #expect(try answer(snapshot, "office.example.", .ns)
                == "answer office.example. 120 NS dns.office.example. ++ dns.office.example. 120 A 10.0.0.53")
        #expect(try answer(snapshot, "dns.office.example.", .a) == "answer dns.office.example. 120 A 10.0.0.53")
        #expect(try answer(snapshot, "www.example.", .a) == "refused")
    }

    @Test func apexHostAndAnyAtTheApex() throws {
        let hosts = [HostRecord(name: "@", addresses: ips("198.51.100.2"), source: .static)]
        let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: hosts, state: Self.state)
        #expect(try answer(snapshot, "lan.", .a) == "answer lan. 60 A 198.51.100.2")
        #expect(try answer(snapshot, "lan.", .any) == "answer lan. 60 A 198.51.100.2")
        #expect(try answer(snapshot, "lan.", .soa)
                == "answer lan. 60 SOA ns.lan. hostmaster.lan. 42 3600 600 604800 60")
        #expect(try answer(snapshot, "2.100.51.198.in-addr.arpa.", .ptr)
                == "answer 2.100.51.198.in-addr.arpa. 60 PTR lan.")
    }

    /// Among hosts that publish a PTR for the same address: administrators' names first, then the
    /// one seen first, then by name.
    static let ptrCases: [([(String, HostSource, Double)], String)] = [
        // (hosts as name/source/firstSeen, expected PTR target)
        ([("dhcp-early", .dhcp, 1), ("static-late", .static, 500)], "static-late.lan."),
        ([("dhcp-early", .dhcp, 1), ("config-late", .config, 500)], "config-late.lan."),
        ([("second", .dhcp, 20), ("first", .dhcp, 10)], "first.lan."),
        ([("Bravo", .static, 5), ("alpha", .static, 5)], "alpha.lan."),
        ([("static-a", .static, 9), ("config-b", .config, 3)], "config-b.lan."),
    ]

    @Test(arguments: ptrCases)
    func ptrOwnerOrder(_ candidates: [(String, HostSource, Double)], _ expected: String) throws {
        let hosts = candidates.map { HostRecord(name: $0.0, addresses: ips("192.168.7.7"), source: $0.1, firstSeen: $0.2) }
        for order in [hosts, Array(hosts.reversed())] {
            let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: order, state: Self.state)
            #expect(try answer(snapshot, "7.7.168.192.in-addr.arpa.", .ptr)
                    == "answer 7.7.168.192.in-addr.arpa. 60 PTR \(expected)")
        }
    }

    @Test func anAddressOnlyAliasesHoldHasNoPTR() throws {
        let hosts = [HostRecord(name: "laser", addresses: ips("192.168.7.8"), source: .static, publishesPTR: false)]
        let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: hosts, state: Self.state)
        #expect(try answer(snapshot, "laser.lan.", .a) == "answer laser.lan. 60 A 192.168.7.8")
        #expect(try answer(snapshot, "8.7.168.192.in-addr.arpa.", .ptr)
                == "nxdomain 168.192.in-addr.arpa. 60 SOA ns.lan. hostmaster.lan. 42 3600 600 604800 60")
    }

    @Test func aHostClaimingLoopbackOverridesTheLocalhostPTR() throws {
        let hosts = [HostRecord(name: "loop", addresses: ips("127.0.0.1"), source: .static)]
        let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: hosts, state: Self.state)
        #expect(try answer(snapshot, "1.0.0.127.in-addr.arpa.", .ptr) == "answer 1.0.0.127.in-addr.arpa. 60 PTR loop.lan.")
        #expect(try answer(snapshot, "localhost.", .a) == "answer localhost. 60 A 127.0.0.1")
    }

    @Test func twoPublicAddressesInOneSlash24ShareOneDerivedZone() throws {
        let hosts = [
            HostRecord(name: "a", addresses: ips("8.8.4.4"), source: .static),
            HostRecord(name: "b", addresses: ips("8.8.4.8"), source: .static),
            HostRecord(name: "c", addresses: ips("2001:4860:4860::1", "2001:4860:4860::2"), source: .static),
        ]
        let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: hosts, state: Self.state)
        #expect(try answer(snapshot, "4.4.8.8.in-addr.arpa.", .ptr) == "answer 4.4.8.8.in-addr.arpa. 60 PTR a.lan.")
        #expect(try answer(snapshot, "8.4.8.8.in-addr.arpa.", .ptr) == "answer 8.4.8.8.in-addr.arpa. 60 PTR b.lan.")
        let apexes = snapshot.zoneApexes.map(\.description)
        #expect(apexes.filter { $0.hasSuffix("8.8.in-addr.arpa.") } == ["4.8.8.in-addr.arpa."])
        #expect(apexes.filter { $0.hasSuffix(Office.publicV6Zone) } == [Office.publicV6Zone])
        #expect(try answer(snapshot, "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + Office.publicV6Zone, .ptr)
                == "answer 2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.\(Office.publicV6Zone) 60 PTR c.lan.")
        // The nibbles between the /64 apex and the address are empty non-terminals.
        #expect(try answer(snapshot, "0.0.0.0." + Office.publicV6Zone, .ptr)
                == "nodata \(Office.publicV6Zone) 60 SOA ns.lan. hostmaster.lan. 42 3600 600 604800 60")
    }
}
