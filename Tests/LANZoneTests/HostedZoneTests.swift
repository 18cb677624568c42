import DNSWire
import Foundation
import Testing
@testable import LANZone

@Suite("Hosted zones: built from config, stored records and names; answered and transferred")
struct HostedZoneTests {
    let apex: DomainName = "dyn.example.net."

    var config: HostedZoneConfig {
        HostedZoneConfig(apex: apex, nameServers: ["ns1.dyn.example.net.", "ns2.example.org."],
                         nameServerAddresses: ["ns1.dyn.example.net.": ips("203.0.113.53", "2001:db8::53")],
                         records: [ResourceRecord(name: apex, ttl: 3600, data: .mx(preference: 10, exchange: "mail.example.org."))])
    }

    func snapshot(serial: UInt32 = 100, generation: Int64 = 1, records: [ResourceRecord] = []) -> ZoneSnapshot {
        let hosted = HostedZones.build([config], serial: serial, records: [apex: records])
        return ZoneSnapshot(config: ZoneConfig(), hosts: [], state: ZoneState(serial: serial, generation: generation), hosted: hosted)
    }

    func ask(_ snapshot: ZoneSnapshot, _ name: DomainName, _ type: RecordType) -> String {
        render(snapshot.answer(Question(name: name, type: type)))
    }

    @Test func answersTheZonesOwnRecords() {
        let zone = snapshot(records: config.dynamicRecords(name: "shop.dyn.example.net.", addresses: ips("198.51.100.7"), wildcard: true))
        #expect(ask(zone, apex, .soa)
            == "answer dyn.example.net. 3600 SOA ns1.dyn.example.net. hostmaster.dyn.example.net. 100 3600 600 1209600 60")
        #expect(ask(zone, apex, .ns).hasPrefix("answer dyn.example.net. 3600 NS ns1.dyn.example.net. | dyn.example.net. 3600 NS ns2.example.org. ++ ns1.dyn.example.net. 3600 A 203.0.113.53"))
        #expect(ask(zone, "shop.dyn.example.net.", .a) == "answer shop.dyn.example.net. 60 A 198.51.100.7")
        #expect(ask(zone, "www.shop.dyn.example.net.", .a) == "answer www.shop.dyn.example.net. 60 A 198.51.100.7")
        #expect(ask(zone, "shop.dyn.example.net.", .aaaa).hasPrefix("nodata dyn.example.net. 60 SOA"))
        #expect(ask(zone, "gone.dyn.example.net.", .a).hasPrefix("nxdomain dyn.example.net. 60 SOA"))
        #expect(ask(zone, apex, .mx) == "answer dyn.example.net. 3600 MX \(RecordData.mx(preference: 10, exchange: "mail.example.org."))")
        // The LAN zone is still there beside it.
        #expect(ask(zone, "lan.", .soa).hasPrefix("answer lan."))
    }

    @Test func aRecordOutsideTheZoneIsLeftOutWithAReason() {
        let hosted = HostedZones.build([config], serial: 1, records: [apex: [
            ResourceRecord(name: "elsewhere.example.org.", ttl: 60, data: .a(IPv4Address(192, 0, 2, 1))),
            ResourceRecord(name: "ok.dyn.example.net.", ttl: 60, data: .a(IPv4Address(192, 0, 2, 2))),
        ]])
        #expect(hosted.skipped.count == 1)
        #expect(hosted.skipped.first?.contains("elsewhere.example.org") == true)
        #expect(hosted.zones[apex]?.answer(Question(name: "ok.dyn.example.net.", type: .a)) != nil)
    }

    @Test func isOfferedForTransferWithItsOwnSerialAndJournal() throws {
        let before = snapshot(serial: 100)
        #expect(before.transferApexes.contains(apex))
        #expect(before.hasData(apex))
        var versions = ZoneVersions()
        let first = versions.start(before, stored: [])
        #expect(first.changed.contains(apex))
        let served = first.snapshot
        #expect(served.serial(of: apex) == 100)
        #expect(served.transferRecords(of: apex)?.first?.type == .soa)

        // A customer's address changes: only the hosted zone moves, and the journal says how.
        let after = snapshot(serial: 101, generation: 2,
                             records: config.dynamicRecords(name: "shop.dyn.example.net.", addresses: ips("198.51.100.8"), wildcard: false))
        let step = versions.advance(from: served, to: after)
        #expect(step.changed == [apex])
        let entry = try #require(step.entries.first)
        #expect(entry.from == 100 && entry.to == 101)
        #expect(entry.change.added.map(render) == ["shop.dyn.example.net. 60 A 198.51.100.8"])
        #expect(entry.change.removed.isEmpty)
        #expect(step.snapshot.serial(of: apex) == 101)
        #expect(step.snapshot.soa(of: apex).map(render)?.contains(" 101 ") == true)
        // The serial is in the answers too, and the digest follows the change.
        #expect(ask(step.snapshot, apex, .soa).contains(" 101 3600"))
        #expect(ZoneDigest.adjust(try #require(served.digest(of: apex)), by: entry.change) == step.snapshot.digest(of: apex))
    }

    @Test func aHostedZoneInsideTheLANZoneTurnsOffTheDirectPath() {
        let inside = HostedZoneConfig(apex: "pub.lan.", nameServers: ["ns.example.org."])
        let zone = ZoneSnapshot(config: ZoneConfig(), hosts: [HostRecord(name: "pub", addresses: ips("198.51.100.1"), source: .static)],
                                state: ZoneState(serial: 1, generation: 1),
                                hosted: HostedZones.build([inside], serial: 1, records: [:]))
        #expect(zone.directAnswer(lowercasedWire: DomainName("pub.lan.").lowercasedWire, type: 1) == nil)
        #expect(ask(zone, "pub.lan.", .a).hasPrefix("nodata pub.lan."))
    }

    @Test func storedRecordsSurviveAndChangeTheGeneration() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        let before = try store.state().generation
        let txt = ResourceRecord(name: apex, ttl: 300, data: .txt([Array("hello".utf8)]))
        #expect(try store.addZoneRecord(txt, apex: apex))
        #expect(try store.addZoneRecord(txt, apex: apex) == false)
        #expect(try store.state().generation == before + 1)
        var longer = txt
        longer.ttl = 900
        #expect(try store.addZoneRecord(longer, apex: apex) == false)
        #expect(try store.zoneRecords()[apex] == [longer])
        #expect(throws: ZoneError.self) {
            try store.addZoneRecord(ResourceRecord(name: "x.example.org.", ttl: 1, data: .a(IPv4Address(192, 0, 2, 1))), apex: apex)
        }
        #expect(try store.removeZoneRecords(apex: apex, name: apex, type: .mx) == 0)
        #expect(try store.removeZoneRecords(apex: apex, name: apex) == 1)
        #expect(try store.zoneRecords().isEmpty)
    }

    @Test func importedRecordsComeInOneTransaction() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        let kept = ResourceRecord(name: "h1.dyn.example.net.", ttl: 60, data: .a(IPv4Address(192, 0, 2, 1)))
        try store.addZoneRecord(kept, apex: apex)
        let before = try store.state().generation
        var retimed = kept
        retimed.ttl = 300
        let records = [retimed] + (2...1000).map { ResourceRecord(name: try! DomainName("h\($0).dyn.example.net."), ttl: 60,
                                                                  data: .a(IPv4Address(192, 0, 2, UInt8($0 % 256)))) }
        let result = try store.importZoneRecords(records + [records[5]], apex: apex)
        #expect(result.added == 999)
        #expect(result.existing == 2)
        #expect(try store.state().generation == before + 1)
        let stored = try store.zoneRecords()[apex] ?? []
        #expect(stored.count == 1000)
        #expect(stored.first == retimed)
        // Nothing changes: no new generation.
        #expect(try store.importZoneRecords(records, apex: apex) == (added: 0, existing: 1000))
        #expect(try store.state().generation == before + 1)
        // One record outside the zone: none of the list is stored.
        let outside = ResourceRecord(name: "x.example.org.", ttl: 1, data: .a(IPv4Address(192, 0, 2, 1)))
        let fresh = ResourceRecord(name: "new.dyn.example.net.", ttl: 1, data: .a(IPv4Address(192, 0, 2, 9)))
        #expect(throws: ZoneError.self) { try store.importZoneRecords([fresh, outside], apex: apex) }
        #expect(try store.zoneRecords()[apex]?.count == 1000)
    }

    @Test(arguments: [
        ("www CNAME shop", ["www A 192.0.2.1"], "a CNAME must be alone"),
        ("www A 192.0.2.1", ["www CNAME shop"], "is a CNAME"),
        ("@ CNAME shop", [], "apex"),
        ("@ NS ns9.example.org.", [], "come from the zone's config"),
        ("@ HINFO a b", [], "cannot be"),
    ])
    func refusesRecordsThatBreakTheZone(line: String, existing: [String], words: String) throws {
        func parse(_ text: String) throws -> ResourceRecord {
            if text.contains("HINFO") { return ResourceRecord(name: apex, ttl: 1, data: .unknown(.hinfo, [1, 0x61, 1, 0x62])) }
            return try RecordText.parse(text, origin: apex, defaultTTL: 60)
        }
        let problem = HostedRecordRules.problem(adding: try parse(line), existing: try existing.map(parse), apex: apex)
        #expect(problem?.contains(words) == true, "\(problem ?? "nil")")
    }
}

@Suite("Hosted zones patched in place of a rebuild")
struct HostedZonePatchTests {
    let apex: DomainName = "dyn.example.net."
    var config: HostedZoneConfig { HostedZoneConfig(apex: apex, nameServers: ["ns1.example.org."]) }

    func build(_ hosts: [(DomainName, [IPAddress])]) -> TransferredZone {
        let records = hosts.flatMap { config.dynamicRecords(name: $0.0, addresses: $0.1, wildcard: false) }
        return HostedZones.build([config], serial: 7, records: [apex: records]).zones[apex]!
    }

    @Test func aPatchEqualsTheFullBuildAndKnowsItsChange() throws {
        let before = build([("a.dyn.example.net.", ips("198.51.100.1")), ("b.dyn.example.net.", ips("198.51.100.2", "2001:db8::2"))])
        let change = ZoneChange(
            removed: before.rrset("b.dyn.example.net.", .a) + before.rrset("b.dyn.example.net.", .aaaa),
            added: config.dynamicRecords(name: "b.dyn.example.net.", addresses: ips("198.51.100.3"), wildcard: false))
        let patched = try #require(before.patched(change))
        let rebuilt = build([("a.dyn.example.net.", ips("198.51.100.1")), ("b.dyn.example.net.", ips("198.51.100.3"))])
        #expect(patched.records == rebuilt.records)
        #expect(patched.recordCount == rebuilt.recordCount)
        for name: DomainName in ["a.dyn.example.net.", "b.dyn.example.net.", "c.dyn.example.net.", apex] {
            for type: RecordType in [.a, .aaaa, .any, .soa] {
                #expect(render(patched.answer(Question(name: name, type: type))) == render(rebuilt.answer(Question(name: name, type: type))))
            }
        }
        // The parent is untouched, and the snapshots' difference is the patch's own.
        #expect(before.rrset("b.dyn.example.net.", .a).map(\.data) == [.a(IPv4Address(198, 51, 100, 2))])
        let old = ZoneSnapshot(config: ZoneConfig(), hosts: [], state: ZoneState(serial: 7, generation: 1),
                               hosted: HostedZones(zones: [before]))
        let new = old.withHosted(try #require(old.hosted?.patching(apex, with: change)), state: ZoneState(serial: 8, generation: 2))
        let difference = try #require(new.changes(since: old)[apex])
        #expect(Set(difference.removed) == Set(change.removed) && Set(difference.added) == Set(change.added))
        #expect(new.generation == 2)

        // With a serial, one copy carries the new SOA too.
        let withSerial = try #require(before.patched(change, serial: 9))
        #expect(withSerial.serial == 9)
        #expect(render(withSerial.answer(Question(name: apex, type: .soa))).contains(" 9 3600 600"))
        #expect(withSerial.records.filter { $0.type != .soa } == rebuilt.records.filter { $0.type != .soa })
        #expect(before.serial == 7)
    }

    /// Each patch copies only the names changed since the zone was built, and folds them in once
    /// they are many: a chain of patches past several folds must still equal the full build.
    @Test func aLongChainOfPatchesEqualsTheFullBuild() throws {
        let count = 300
        func name(_ index: Int) -> DomainName { try! DomainName("h\(index).dyn.example.net.") }
        func v4(_ index: Int, _ round: Int) -> IPv4Address { IPv4Address(198, 18, UInt8(round), UInt8(index % 256)) }
        func address(_ index: Int, _ round: Int) -> IPAddress { .v4(v4(index, round)) }
        var current = (0..<count).map { (name($0), [address($0, 0)]) }
        var zone = build(current)
        let first = zone
        for step in 0..<400 {
            let index = (step * 7) % count
            let next = [address(index, 1 + step / count)]
            let change = ZoneChange(removed: zone.rrset(name(index), .a),
                                    added: config.dynamicRecords(name: name(index), addresses: next, wildcard: false))
            let patched = try #require(zone.patched(change, serial: UInt32(8 + step)))
            current[index].1 = next
            zone = patched
            #expect(zone.rrset(name(index), .a).map(\.data) == [.a(v4(index, 1 + step / count))])
        }
        let rebuilt = build(current)
        #expect(zone.records.filter { $0.type != .soa } == rebuilt.records.filter { $0.type != .soa })
        #expect(zone.recordCount == rebuilt.recordCount)
        #expect(zone.serial == 407)
        for index in [0, 7, 150, 299] {
            #expect(render(zone.answer(Question(name: name(index), type: .a))) == render(rebuilt.answer(Question(name: name(index), type: .a))))
        }
        // The first version is untouched by all of it.
        #expect(first.records.filter { $0.type != .soa } == build((0..<count).map { (name($0), [address($0, 0)]) }).records.filter { $0.type != .soa })
    }

    @Test func newNamesArePatchedInWithTheNamesAboveThem() throws {
        let before = build([("a.dyn.example.net.", ips("198.51.100.1"))])
        let change = ZoneChange(added: config.dynamicRecords(name: "z.dyn.example.net.", addresses: ips("198.51.100.9"), wildcard: false)
                                    + config.dynamicRecords(name: "x.y.dyn.example.net.", addresses: ips("2001:db8::9"), wildcard: false))
        let patched = try #require(before.patched(change))
        let rebuilt = build([("a.dyn.example.net.", ips("198.51.100.1")), ("z.dyn.example.net.", ips("198.51.100.9")),
                             ("x.y.dyn.example.net.", ips("2001:db8::9"))])
        #expect(patched.records == rebuilt.records)
        #expect(patched.recordCount == rebuilt.recordCount)
        for name: DomainName in ["z.dyn.example.net.", "x.y.dyn.example.net.", "y.dyn.example.net.", "q.y.dyn.example.net.",
                                 "b.dyn.example.net."] {
            for type: RecordType in [.a, .aaaa] {
                #expect(render(patched.answer(Question(name: name, type: type))) == render(rebuilt.answer(Question(name: name, type: type))))
            }
        }
        #expect(render(patched.answer(Question(name: "y.dyn.example.net.", type: .a))).hasPrefix("nodata"))
        // Removing what a missing name never had changes nothing and adds no name.
        let none = try #require(before.patched(ZoneChange(removed: config.dynamicRecords(
            name: "n.m.dyn.example.net.", addresses: ips("198.51.100.4"), wildcard: false))))
        #expect(none.records == before.records)
        #expect(render(none.answer(Question(name: "m.dyn.example.net.", type: .a))).hasPrefix("nxdomain"))
    }

    @Test(arguments: ["outside", "wildcard", "empties", "apex"])
    func changesThatNeedAFullBuildAreRefused(kind: String) {
        let zone = build([("a.dyn.example.net.", ips("198.51.100.1"))])
        let change: ZoneChange
        switch kind {
        case "outside": change = ZoneChange(added: config.dynamicRecords(name: "z.example.net.", addresses: ips("198.51.100.9"), wildcard: false))
        case "wildcard": change = ZoneChange(added: [ResourceRecord(name: "*.a.dyn.example.net.", ttl: 60, data: .a(IPv4Address(198, 51, 100, 9)))])
        case "empties": change = ZoneChange(removed: zone.rrset("a.dyn.example.net.", .a))
        default: change = ZoneChange(added: [ResourceRecord(name: apex, ttl: 60, data: .txt([[1]]))])
        }
        #expect(zone.patched(change) == nil)
    }
}
