import DNSWire
import Testing
@testable import LANZone

@Suite("TransferredZone IXFR")
struct TransferredZoneIXFRTests {
    static let first: UInt32 = 2_024_010_101

    static func soa(_ serial: UInt32, minimum: UInt32 = 300) -> ResourceRecord {
        TZ.rr("example. 3600 SOA ns1.example. hostmaster.example. \(serial) 7200 3600 1209600 \(minimum)")
    }

    /// A difference as IXFR carries it: the old SOA with the deletions, the new one with the additions.
    static func diff(_ from: UInt32, _ to: UInt32, removed: [String] = [], added: [String] = []) -> ZoneDiff {
        ZoneDiff(from: from, to: to, removed: [soa(from)] + removed.map(TZ.rr), added: [soa(to)] + added.map(TZ.rr))
    }

    func answer(_ zone: TransferredZone, _ name: String, _ type: RecordType) throws -> String {
        TZ.render(zone.answer(Question(name: try DomainName(name), type: type)))
    }

    @Test func addsAndRemovesRecords() throws {
        let next = try Example.zone.applying([Self.diff(Self.first, Self.first + 1, removed: [
            "www.example. 300 A 192.0.2.11",
            "ns1.example. 3600 AAAA 2001:db8::53",
            // Not in the zone: skipped.
            "gone.example. 300 A 192.0.2.99",
            "www.example. 300 A 192.0.2.99",
        ], added: [
            "www.example. 300 A 192.0.2.12",
            "new.example. 300 A 192.0.2.70",
        ])])
        #expect(next.serial == Self.first + 1)
        #expect(next.soa == Self.soa(Self.first + 1))
        #expect(try answer(next, "www.example.", .a) == "answer www.example. 300 A 192.0.2.10 | www.example. 300 A 192.0.2.12")
        #expect(try answer(next, "new.example.", .a) == "answer new.example. 300 A 192.0.2.70")
        #expect(try answer(next, "example.", .ns) == "answer example. 3600 NS ns1.example. | example. 3600 NS ns2.elsewhere.net. "
                + "++ ns1.example. 3600 A 192.0.2.53")
        // Negative answers carry the new SOA.
        #expect(try answer(next, "nothere.example.", .a)
                == "nxdomain example. 300 SOA ns1.example. hostmaster.example. \(Self.first + 1) 7200 3600 1209600 300")
        // The result is the zone an AXFR of the new version would give.
        var lines = Example.lines.filter { $0 != "www.example. 300 A 192.0.2.11" && $0 != "ns1.example. 3600 AAAA 2001:db8::53" }
        lines[0] = TZ.render(Self.soa(Self.first + 1))
        lines += ["www.example. 300 A 192.0.2.12", "new.example. 300 A 192.0.2.70"]
        #expect(next.records == (try TZ.zone(lines.map(TZ.rr))).records)
        // The old zone is untouched.
        #expect(Example.zone.serial == Self.first)
        #expect(try answer(Example.zone, "www.example.", .a) == "answer " + Example.www)
        #expect(try answer(Example.zone, "new.example.", .a) == Example.nxdomain)
    }

    @Test func appliesAChainOfDifferencesInOrder() throws {
        let next = try Example.zone.applying([
            Self.diff(Self.first, Self.first + 1, added: ["new.example. 300 A 192.0.2.70"]),
            Self.diff(Self.first + 1, Self.first + 5, removed: ["new.example. 300 A 192.0.2.70"], added: ["new.example. 300 TXT \"v2\""]),
        ])
        #expect(next.serial == Self.first + 5)
        #expect(try answer(next, "new.example.", .a) == "nodata example. 300 SOA ns1.example. hostmaster.example. \(Self.first + 5) 7200 3600 1209600 300")
        #expect(try answer(next, "new.example.", .txt) == "answer new.example. 300 TXT \"v2\"")
    }

    @Test func aNewSOAReplacesTheOld() throws {
        // Its TTL and MINIMUM now set the negative TTL; the old SOA is gone from the records.
        var newSOA = Self.soa(Self.first + 1, minimum: 60)
        newSOA.ttl = 1800
        let next = try Example.zone.applying([ZoneDiff(from: Self.first, to: Self.first + 1, removed: [Self.soa(Self.first)], added: [newSOA])])
        #expect(next.soa == newSOA && next.soa.ttl == 1800)
        #expect(next.records.filter { $0.type == .soa } == [newSOA])
        #expect(next.records.first == newSOA)
        #expect(try answer(next, "nothere.example.", .a)
                == "nxdomain example. 60 SOA ns1.example. hostmaster.example. \(Self.first + 1) 7200 3600 1209600 60")
        #expect(try answer(next, "example.", .soa) == "answer " + TZ.render(newSOA))
        // The removed SOA need not even be the current one: it is replaced all the same.
        let other = try Example.zone.applying([ZoneDiff(from: Self.first, to: Self.first + 1, removed: [Self.soa(1)], added: [newSOA])])
        #expect(other.records == next.records)
    }

    @Test func changesTheZoneStructure() throws {
        // Undelegating sub.example.: its wildcard and glue become our data; the DS keeps the name.
        // Delegating www.example.; removing the only name under b.example. removes the non-terminals.
        let next = try Example.zone.applying([Self.diff(Self.first, Self.first + 1, removed: [
            "sub.example. 3600 NS ns1.example.", "sub.example. 3600 NS ns.other.net.", "sub.example. 3600 NS ns.sub.example.",
            "deep.a.b.example. 300 A 192.0.2.40",
        ], added: [
            "www.example. 3600 NS ns.www.example.",
            "ns.www.example. 3600 A 192.0.2.120",
        ])])
        let soa = "example. 300 SOA ns1.example. hostmaster.example. \(Self.first + 1) 7200 3600 1209600 300"
        #expect(try answer(next, "sub.example.", .a) == "nodata " + soa)
        #expect(try answer(next, "ns.sub.example.", .a) == "answer ns.sub.example. 3600 A 192.0.2.100")
        #expect(try answer(next, "anything.sub.example.", .a) == "answer anything.sub.example. 3600 A 192.0.2.99")
        // deeper.sub.example. is now a cut of its own (no glue for it in the zone).
        #expect(try answer(next, "x.deeper.sub.example.", .a) == "referral deeper.sub.example. 3600 NS ns.deeper.sub.example.")
        #expect(try answer(next, "www.example.", .a)
                == "referral www.example. 3600 NS ns.www.example. ++ ns.www.example. 3600 A 192.0.2.120")
        #expect(try answer(next, "alias.example.", .a) == "answer alias.example. 300 CNAME www.example.")
        #expect(try answer(next, "b.example.", .a) == "nxdomain " + soa)
        #expect(try answer(next, "a.b.example.", .a) == "nxdomain " + soa)
    }

    @Test func ttlChangesAndRepeatedAdditions() throws {
        // A TTL change is a deletion and an addition; adding a record already there changes nothing.
        let next = try Example.zone.applying([Self.diff(Self.first, Self.first + 1, removed: [
            "www.example. 300 A 192.0.2.10",
        ], added: [
            "www.example. 60 A 192.0.2.10",
            "mail.example. 999 A 192.0.2.25",
        ])])
        #expect(try answer(next, "www.example.", .a) == "answer www.example. 60 A 192.0.2.10 | www.example. 300 A 192.0.2.11")
        #expect(try answer(next, "mail.example.", .a) == "answer Mail.Example. 300 A 192.0.2.25")
    }

    @Test func noDifferencesIsTheSameZone() throws {
        #expect(try Example.zone.applying([]) === Example.zone)
    }

    static let badDiffs: [(String, [ZoneDiff], ZoneError)] = [
        ("wrong start", [diff(5, 6)], .serialMismatch("example.", current: first, from: 5)),
        ("broken chain", [diff(first, first + 1), diff(first + 2, first + 3)],
         .serialMismatch("example.", current: first + 1, from: first + 2)),
        ("no new SOA", [ZoneDiff(from: first, to: first + 1, removed: [soa(first)], added: [TZ.rr("new.example. 300 A 192.0.2.70")])],
         .invalidZone("example.", "the difference from serial \(first) adds no SOA record")),
        ("SOA disagrees with to", [ZoneDiff(from: first, to: first + 1, removed: [], added: [soa(first + 2)])],
         .invalidZone("example.", "the difference to serial \(first + 1) adds an SOA with serial \(first + 2)")),
        ("two new SOAs", [ZoneDiff(from: first, to: first + 1, removed: [], added: [soa(first + 1), soa(first + 2)])],
         .invalidZone("example.", "the difference from serial \(first) adds two different SOA records")),
        ("adds out of zone", [diff(first, first + 1, added: ["www.example.net. 300 A 192.0.2.1"])],
         .outsideZone("www.example.net.", "example.")),
        ("adds another class", [diff(first, first + 1, added: ["www.example. 300 CH A 192.0.2.1"])],
         .invalidZone("example.", "www.example. A is of class CH, only IN is served")),
        ("adds an SOA below the apex", [diff(first, first + 1, added: ["sub.example. 3600 SOA a.example. b.example. 1 1 1 1 1"])],
         .invalidZone("example.", "an SOA record at sub.example., below the apex")),
    ]

    @Test("bad differences are refused", arguments: badDiffs)
    func refused(_ label: String, _ diffs: [ZoneDiff], _ expected: ZoneError) {
        #expect(TZ.error { () throws(ZoneError) in try Example.zone.applying(diffs) } == expected, "\(label)")
    }
}
