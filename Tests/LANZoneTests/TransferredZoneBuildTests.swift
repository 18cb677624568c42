import DNSWire
import Testing
@testable import LANZone

/// A transfer that must be refused, and the error it gives.
struct BadTransfer: Sendable, CustomTestStringConvertible {
    let label: String
    let records: [ResourceRecord]
    let error: ZoneError

    init(_ label: String, _ records: [ResourceRecord], _ error: ZoneError) {
        self.label = label
        self.records = records
        self.error = error
    }

    var testDescription: String { label }
}

@Suite("TransferredZone from an AXFR")
struct TransferredZoneBuildTests {
    static let soa = TZ.rr("example. 3600 SOA ns1.example. hostmaster.example. 7 7200 3600 1209600 300")
    static let www = TZ.rr("www.example. 300 A 192.0.2.10")

    static let bad: [BadTransfer] = [
        BadTransfer("no records", [], .invalidZone(".", "no records (a zone transfer starts with the zone's SOA)")),
        BadTransfer("no SOA at all", [www, TZ.rr("example. 3600 NS ns1.example.")],
                    .invalidZone("www.example.", "the first record is A, not the SOA that starts a zone transfer")),
        BadTransfer("SOA not first", [www, soa],
                    .invalidZone("www.example.", "the first record is A, not the SOA that starts a zone transfer")),
        BadTransfer("two SOAs", [soa, www, TZ.rr("example. 3600 SOA ns1.example. hostmaster.example. 8 7200 3600 1209600 300")],
                    .invalidZone("example.", "2 different SOA records at the apex (a zone has one)")),
        BadTransfer("SOA below the apex", [soa, TZ.rr("sub.example. 3600 SOA ns1.example. hostmaster.example. 7 1 1 1 1")],
                    .invalidZone("example.", "an SOA record at sub.example., below the apex")),
        BadTransfer("out of zone", [soa, www, TZ.rr("www.example.net. 300 A 192.0.2.1")],
                    .outsideZone("www.example.net.", "example.")),
        // Same suffix, not the same label: not in the zone.
        BadTransfer("suffix but not in zone", [soa, TZ.rr("badexample. 300 A 192.0.2.1")], .outsideZone("badexample.", "example.")),
        BadTransfer("above the apex", [soa, TZ.rr(". 300 NS a.root-servers.net.")], .outsideZone(".", "example.")),
        BadTransfer("class CH", [soa, TZ.rr("www.example. 300 CH A 192.0.2.1")],
                    .invalidZone("example.", "www.example. A is of class CH, only IN is served")),
        BadTransfer("meta type", [soa, ResourceRecord(name: "www.example.", ttl: 0, data: .unknown(.any, []))],
                    .invalidZone("example.", "www.example. has a record of type ANY, which is not zone data")),
        BadTransfer("OPT", [soa, ResourceRecord(name: "example.", ttl: 0, data: .opt([]))],
                    .invalidZone("example.", "example. has a record of type OPT, which is not zone data")),
        BadTransfer("unreadable SOA", [ResourceRecord(name: "example.", ttl: 3600, data: .unknown(.soa, [1, 2, 3]))],
                    .invalidZone("example.", "the SOA record's data cannot be read")),
    ]

    @Test("bad transfers are refused", arguments: bad)
    func refused(_ transfer: BadTransfer) {
        #expect(TZ.error { () throws(ZoneError) in try TransferredZone(records: transfer.records) } == transfer.error)
    }

    @Test func errorDescriptions() {
        #expect(ZoneError.invalidZone("example.", "no SOA record at the apex").description == "zone example.: no SOA record at the apex")
        #expect(ZoneError.serialMismatch("example.", current: 7, from: 5).description
                == "zone example.: the difference starts at serial 5, the zone is at serial 7")
    }

    @Test func recordsAreSOAFirstThenCanonicalOrder() throws {
        // The names of RFC 4034 sec. 6.1, given in another order, plus an RRset out of order.
        let zone = try TZ.zone([Self.soa] + TZ.rrs(
            "\\200.z.example. 60 TXT \"h\"",
            "www.example. 300 A 192.0.2.11",
            "z.example. 60 TXT \"f\"",
            "zABC.a.EXAMPLE. 60 TXT \"e\"",
            "*.z.example. 60 TXT \"g\"",
            "yljkjljk.a.example. 60 TXT \"c\"",
            "\\001.z.example. 60 TXT \"f1\"",
            "Z.a.example. 60 TXT \"d\"",
            "a.example. 60 TXT \"b\"",
            "www.example. 300 A 192.0.2.2",
            "www.example. 300 A 192.0.2.10",
            "example. 3600 TXT \"a\"",
            "example. 3600 NS ns1.example.",
        ))
        #expect(zone.records.map(TZ.render) == [
            TZ.render(Self.soa),
            "example. 3600 NS ns1.example.",
            "example. 3600 TXT \"a\"",
            "a.example. 60 TXT \"b\"",
            "yljkjljk.a.example. 60 TXT \"c\"",
            "Z.a.example. 60 TXT \"d\"",
            "zABC.a.EXAMPLE. 60 TXT \"e\"",
            "www.example. 300 A 192.0.2.2",
            "www.example. 300 A 192.0.2.10",
            "www.example. 300 A 192.0.2.11",
            "z.example. 60 TXT \"f\"",
            "\\001.z.example. 60 TXT \"f1\"",
            "*.z.example. 60 TXT \"g\"",
            "\\200.z.example. 60 TXT \"h\"",
        ])
        #expect(zone.recordCount == 14)
    }

    @Test func duplicatesCollapseKeepingTheFirst() throws {
        let zone = try TZ.zone([Self.soa] + TZ.rrs(
            "example. 3600 NS ns1.example.",
            "www.example. 300 A 192.0.2.10",
            "WWW.example. 900 A 192.0.2.10",
            "example. 60 NS NS1.Example.",
            "example. 3600 NS ns2.example.",
        ) + [Self.soa])  // An AXFR ends with the SOA again.
        #expect(zone.records == [Self.soa] + TZ.rrs(
            "example. 3600 NS ns1.example.", "example. 3600 NS ns2.example.", "www.example. 300 A 192.0.2.10"))
        #expect(zone.recordCount == 4)
        // Same SOA data with another TTL is the same record too.
        var late = Self.soa
        late.ttl = 1
        #expect(try TZ.zone([Self.soa, Self.www, late]).soa.ttl == 3600)
    }

    @Test func theZoneDoesNotDependOnTheTransferOrder() throws {
        let lines = Example.lines.map(TZ.rr)
        let reversed = try TZ.zone([lines[0]] + lines.dropFirst().reversed())
        #expect(reversed.records == Example.zone.records)
        #expect(Example.zone.records.count == Example.zone.recordCount)
        #expect(Set(Example.zone.records) == Set(lines))
    }

    @Test func ownerNamesAreStoredOnce() throws {
        // Records of one name share its storage, whatever copy of the name they came with.
        let zone = try TZ.zone([Self.soa] + TZ.rrs("www.example. 300 A 192.0.2.10", "www.example. 300 AAAA 2001:db8::10"))
        guard let node = zone.nodes["www.example."] else {
            Issue.record("no node")
            return
        }
        let owners = node.all.map { $0.name.wire.withUnsafeBufferPointer { $0.baseAddress } }
        #expect(owners.count == 2 && owners[0] == owners[1])
    }

    @Test func canonicalKeysSortLikeDomainNameOrder() throws {
        var generator = SplitMix(seed: 42)
        let alphabet: [UInt8] = [0, 1, 0x2A, 0x2D, 0x41, 0x5A, 0x61, 0x62, 0x7A, 0x80, 0xFF]
        var names: [DomainName] = []
        for _ in 0..<300 {
            let labels = (0..<Int(generator.next() % 4 + 1)).map { _ in
                (0..<Int(generator.next() % 3 + 1)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            }
            names.append(try DomainName(labels: labels))
        }
        for a in names.prefix(100) {
            for b in names {
                let byKey = TransferredZone.canonicalKey(a).lexicographicallyPrecedes(TransferredZone.canonicalKey(b))
                #expect(byKey == (a < b), "\(a) vs \(b)")
            }
        }
    }
}

/// A small deterministic generator, so that random tests fail the same way twice.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
