import DNSWire
import Foundation
import Testing
@testable import LANZone

extension ZoneTransferDataTests {
    /// Zone versions, the IXFR journal and secondary copies in the store.
    @Suite("Transfer data: store")
    struct Store {
        let directory: TemporaryDirectory
        let store: HostStore

        init() throws {
            directory = try TemporaryDirectory()
            store = try HostStore(path: directory.databasePath)
        }

        /// The time a journal entry is stored at (kept, never read back).
        static let now: Double = 1_700_000_000

        static func a(_ owner: String, _ address: String) -> ResourceRecord {
            ResourceRecord(name: try! DomainName(owner), ttl: 300, data: .a(IPv4Address(address)!))
        }

        /// An entry from `from` to `to` that adds `h<to>.lan.` (and removes `h<from>.lan.`).
        static func entry(_ from: UInt32, _ to: UInt32, in apex: DomainName = Home.lan) -> JournalEntry {
            JournalEntry(apex: apex, from: from, to: to,
                         change: ZoneChange(removed: [a("h\(from).lan.", "192.168.1.\(from % 250)")],
                                            added: [a("h\(to).lan.", "192.168.1.\(to % 250)")]))
        }

        func record(_ entries: [JournalEntry], limits: HostStore.JournalLimits = .init()) throws {
            try store.recordTransferStep(updated: [], entries: entries, resets: [], limits: limits, now: Self.now)
        }

        @Test func versionsRoundTripAndUpdateInPlace() throws {
            #expect(try store.zoneVersions().isEmpty)
            let versions = [
                ZoneVersion(apex: Home.lan, serial: 0xFFFF_FFFF, digest: 0xFFFF_FFFF_FFFF_FFFF),
                ZoneVersion(apex: Home.v4, serial: 0, digest: 0x8000_0000_0000_0000),
                ZoneVersion(apex: Home.ula, serial: 0x8000_0000, digest: 1),
            ]
            try store.recordTransferStep(updated: versions, entries: [], resets: [], now: Self.now)
            #expect(try store.zoneVersions().sorted { $0.apex < $1.apex } == versions.sorted { $0.apex < $1.apex })

            // One row per zone, whatever the case of the name.
            let newer = ZoneVersion(apex: "LAN.", serial: 5, digest: 6)
            try store.recordTransferStep(updated: [newer], entries: [], resets: [], now: Self.now)
            let stored = try store.zoneVersions()
            #expect(stored.count == 3)
            #expect(stored.first { $0.apex == Home.lan } == ZoneVersion(apex: Home.lan, serial: 5, digest: 6))
        }

        @Test func versionsSurviveReopening() throws {
            let version = ZoneVersion(apex: Home.cdn, serial: 77, digest: 0xDEAD_BEEF_0000_0001)
            try store.recordTransferStep(updated: [version], entries: [Self.entry(76, 77, in: Home.cdn)], resets: [], now: Self.now)
            let reopened = try HostStore(path: directory.databasePath)
            #expect(try reopened.zoneVersions() == [version])
            #expect(try reopened.journal(for: Home.cdn, from: 76, to: 77) == [Self.entry(76, 77, in: Home.cdn)])
        }

        static let chains: [(from: UInt32, to: UInt32, expected: [UInt32]?)] = [
            // The serials the chain passes through, nil for no chain.
            (1, 4, [1, 2, 3, 4]),
            (2, 4, [2, 3, 4]),
            (3, 4, [3, 4]),
            (1, 2, [1, 2]),
            (2, 3, [2, 3]),
            // Nothing to send.
            (4, 4, []),
            (9, 9, []),
            // A start the journal does not hold (pruned, or never ours).
            (0, 4, nil),
            (7, 4, nil),
            // An end the journal does not reach.
            (1, 5, nil),
            (4, 5, nil),
        ]

        @Test(arguments: chains)
        func journalChains(from: UInt32, to: UInt32, expected: [UInt32]?) throws {
            try record([Self.entry(1, 2), Self.entry(2, 3)])
            try record([Self.entry(3, 4)])
            // Another zone's entries are not part of the chain.
            try record([Self.entry(2, 3, in: Home.v4), Self.entry(3, 9, in: Home.v4)])
            let chain = try store.journal(for: Home.lan, from: from, to: to)
            let expectedEntries = expected.map { serials in zip(serials, serials.dropFirst()).map { Self.entry($0, $1) } }
            #expect(chain == expectedEntries)
        }

        @Test func journalOfAnotherSpellingOfTheZone() throws {
            try record([Self.entry(1, 2)])
            let chain = try #require(try store.journal(for: "LAN.", from: 1, to: 2))
            #expect(chain.map(\.change) == [Self.entry(1, 2).change])
            #expect(try store.journalCount(for: "Lan.") == 1)
        }

        @Test func aBrokenChainIsNoChain() throws {
            // 2 -> 3 is missing: whoever holds 1 needs the whole zone.
            try record([Self.entry(1, 2), Self.entry(3, 4)])
            #expect(try store.journal(for: Home.lan, from: 1, to: 4) == nil)
            #expect(try store.journal(for: Home.lan, from: 1, to: 2) == [Self.entry(1, 2)])
            #expect(try store.journal(for: Home.lan, from: 3, to: 4) == [Self.entry(3, 4)])
        }

        @Test func chainAcrossTheSerialWrap() throws {
            try record([Self.entry(0xFFFF_FFFE, 0xFFFF_FFFF), Self.entry(0xFFFF_FFFF, 0), Self.entry(0, 1)])
            #expect(try store.journal(for: Home.lan, from: 0xFFFF_FFFE, to: 1)
                    == [Self.entry(0xFFFF_FFFE, 0xFFFF_FFFF), Self.entry(0xFFFF_FFFF, 0), Self.entry(0, 1)])
        }

        @Test func entryChangesRoundTripWithEveryRecordKind() throws {
            let change = ZoneChange(
                removed: [ResourceRecord(name: "Printer.LAN.", ttl: 300, data: .aaaa(IPv6Address("fd00::21")!))],
                added: [ResourceRecord(name: "21.1.168.192.in-addr.arpa.", ttl: 60, data: .ptr("Laptop.lan.")),
                        ResourceRecord(name: "lan.", ttl: 300, data: .mx(preference: 10, exchange: "mail.lan."))])
            let entry = JournalEntry(apex: Home.lan, from: 1, to: 2, change: change)
            try record([entry])
            let chain = try #require(try store.journal(for: Home.lan, from: 1, to: 2))
            #expect(chain == [entry])
            // Names keep their case byte for byte.
            #expect(chain.first?.change.removed.first?.name.wire == change.removed[0].name.wire)
        }

        @Test(arguments: [1, 2, 3, 5, 6])
        func pruningByEntryCountKeepsTheNewest(limit: Int) throws {
            let limits = HostStore.JournalLimits(entries: limit)
            // One step of three entries, then one each: pruning runs after every step.
            try record([Self.entry(1, 2), Self.entry(2, 3), Self.entry(3, 4)], limits: limits)
            try record([Self.entry(4, 5)], limits: limits)
            try record([Self.entry(5, 6)], limits: limits)
            let kept = min(limit, 5)
            #expect(try store.journalCount(for: Home.lan) == kept)
            let oldest = UInt32(6 - kept)
            #expect(try store.journal(for: Home.lan, from: oldest, to: 6)?.count == kept)
            if oldest > 1 {
                #expect(try store.journal(for: Home.lan, from: oldest - 1, to: 6) == nil)
            }
        }

        @Test(arguments: [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (8, 4), (100, 4)])
        func pruningByBytesKeepsTheNewestThatFit(halfEntries: Int, kept: Int) throws {
            // Every entry below encodes to the same size.
            let entries = [Self.entry(11, 12), Self.entry(12, 13), Self.entry(13, 14), Self.entry(14, 15)]
            let size = RecordCodec.encode(entries[0].change.removed).count + RecordCodec.encode(entries[0].change.added).count
            #expect(entries.allSatisfy {
                RecordCodec.encode($0.change.removed).count + RecordCodec.encode($0.change.added).count == size
            })
            try record(entries, limits: HostStore.JournalLimits(entries: 1000, bytes: halfEntries * size / 2))
            #expect(try store.journalCount(for: Home.lan) == kept)
            if kept > 0 {
                #expect(try store.journal(for: Home.lan, from: UInt32(15 - kept), to: 15)?.count == kept)
            }
        }

        @Test func pruningTouchesOnlyTheZonesOfTheStep() throws {
            let limits = HostStore.JournalLimits(entries: 1)
            try record([Self.entry(1, 2, in: Home.v4), Self.entry(2, 3, in: Home.v4)])
            try record([Self.entry(1, 2), Self.entry(2, 3)], limits: limits)
            #expect(try store.journalCount(for: Home.lan) == 1)
            #expect(try store.journalCount(for: Home.v4) == 2)
        }

        @Test func resetsDeleteTheZonesJournalBeforeTheStepsEntries() throws {
            try record([Self.entry(1, 2), Self.entry(2, 3), Self.entry(1, 2, in: Home.v4)])
            let version = ZoneVersion(apex: Home.lan, serial: 10, digest: 1)
            try store.recordTransferStep(updated: [version], entries: [Self.entry(10, 11)], resets: [Home.lan], now: Self.now)
            #expect(try store.journalCount(for: Home.lan) == 1)
            #expect(try store.journal(for: Home.lan, from: 1, to: 3) == nil)
            #expect(try store.journal(for: Home.lan, from: 10, to: 11) == [Self.entry(10, 11)])
            #expect(try store.journalCount(for: Home.v4) == 1)
            #expect(try store.zoneVersions() == [version])

            try store.recordTransferStep(updated: [], entries: [], resets: ["LAN.", "example.com."], now: Self.now)
            #expect(try store.journalCount(for: Home.lan) == 0)
            #expect(try store.journalCount(for: Home.v4) == 1)
            // A reset drops the journal, not the version.
            #expect(try store.zoneVersions() == [version])
        }

        @Test func anEmptyStepWritesNothing() throws {
            let before = try store.state()
            try store.recordTransferStep(updated: [], entries: [], resets: [], now: Self.now)
            #expect(try store.state() == before)
            #expect(try store.zoneVersions().isEmpty)
        }

        @Test func aStepFromZoneVersionsIsReadBackAsItsChain() throws {
            // What the daemon does: start, then advance, each step stored.
            var versions = ZoneVersions()
            let first = versions.start(Home.snapshot(), stored: try store.zoneVersions())
            try store.recordTransferStep(updated: first.updated, entries: first.entries, resets: first.resets, now: Self.now)
            let next = Home.snapshot(ZoneTransferDataTests.Versions.aliasAdded, serial: 200)
            let step = versions.advance(from: first.snapshot, to: next)
            try store.recordTransferStep(updated: step.updated, entries: step.entries, resets: step.resets, now: Self.now)
            #expect(try store.journal(for: Home.lan, from: Home.serial, to: 200) == step.entries)
            // A restart with the same content keeps every serial.
            var restarted = ZoneVersions()
            let again = restarted.start(next, stored: try store.zoneVersions())
            #expect(again.updated.isEmpty && again.resets.isEmpty)
            #expect(again.snapshot.serial(of: Home.lan) == 200)
            #expect(again.snapshot.serial(of: Home.v4) == Home.serial)
        }
    }

    @Suite("Transfer data: record codec")
    struct Codec {
        static let records: [ResourceRecord] = [
            ResourceRecord(name: "lan.", ttl: 300, data: .soa(SOA(mname: "ns.lan.", rname: "hostmaster.lan.", serial: 0xFFFF_FFFF,
                                                                   refresh: 3600, retry: 600, expire: 604_800, minimum: 30))),
            ResourceRecord(name: "lan.", ttl: 300, data: .ns("ns.lan.")),
            ResourceRecord(name: "Printer.LAN.", ttl: 0, data: .a(IPv4Address(192, 168, 1, 20))),
            ResourceRecord(name: "printer.lan.", ttl: 0xFFFF_FFFF, data: .aaaa(IPv6Address("fd00::21")!)),
            ResourceRecord(name: "20.1.168.192.in-addr.arpa.", ttl: 300, data: .ptr("Printer.lan.")),
            ResourceRecord(name: "lan.", ttl: 300, data: .mx(preference: 10, exchange: "mail.lan.")),
            ResourceRecord(name: "lan.", ttl: 300, data: .txt([Array("v=spf1 -all".utf8), []])),
            ResourceRecord(name: "_ipp._tcp.lan.", ttl: 300, data: .srv(priority: 0, weight: 5, port: 631, target: "printer.lan.")),
            ResourceRecord(name: "www.lan.", ttl: 300, data: .cname("printer.lan.")),
            ResourceRecord(name: "lan.", ttl: 300, data: .unknown(RecordType(99), [1, 2, 3])),
            ResourceRecord(name: "lan.", recordClass: .chaos, ttl: 300, data: .unknown(RecordType(13), [1, 0x41, 1, 0x42])),
        ]

        @Test func roundTrip() throws {
            let bytes = RecordCodec.encode(Self.records)
            let decoded = try #require(RecordCodec.decode(bytes))
            #expect(decoded == Self.records)
            #expect(decoded.map(\.name.wire) == Self.records.map(\.name.wire))
            #expect(RecordCodec.encode(decoded) == bytes)
            #expect(RecordCodec.decode(RecordCodec.encode([])) == [])
        }

        @Test func eachRecordIsEncodedOnItsOwn() throws {
            // No compression: a pointer would point outside the record it is in.
            let records = Array(Self.records[1...4])
            #expect(RecordCodec.encode(records) == records.flatMap { RecordCodec.encode([$0]) })
        }

        static let garbage: [(String, [UInt8])] = {
            let one = RecordCodec.encode([Codec.records[2]])
            return [
                ("one byte", [0xFF]),
                ("a root name and nothing else", [0x00]),
                ("a record cut short", Array(one.dropLast())),
                ("a record cut in its header", Array(one.prefix(one.count - 6))),
                ("a whole record then a stray byte", one + [0x00]),
                ("RDLENGTH past the end", Array(one.prefix(one.count - 6)) + [0x00, 0x10, 1, 2, 3, 4]),
                ("a compression pointer to itself", [0xC0, 0x00, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x00]),
                ("a label longer than the bytes", [0x3F, 0x61]),
            ]
        }()

        @Test(arguments: garbage)
        func garbageIsNil(_ what: String, _ bytes: [UInt8]) {
            #expect(RecordCodec.decode(bytes) == nil, "\(what)")
        }
    }

    /// A secondary's copies of the primary's zones.
    @Suite("Transfer data: secondary zone store")
    struct SecondaryStore {
        let directory: TemporaryDirectory
        let store: HostStore

        init() throws {
            directory = try TemporaryDirectory()
            store = try HostStore(path: directory.databasePath)
        }

        static let records = TZ.rrs(
            "lan. 3600 SOA ns1.primary.example. admin.primary.example. 77 3600 600 86400 120",
            "lan. 3600 NS ns1.primary.example.",
            "Printer.lan. 300 A 192.0.2.99",
            "lan. 300 MX 10 mail.lan.",
            "lan. 300 TYPE99 \\# 3 010203")

        @Test func saveTouchAndRemove() throws {
            #expect(try store.secondaryZones().isEmpty)
            try store.saveSecondaryZone("lan.", source: "192.0.2.1:53", serial: 77, records: Self.records, refreshed: 1000.5)
            var zones = try store.secondaryZones()
            #expect(zones.count == 1)
            #expect(zones.first?.apex == "lan.")
            #expect(zones.first?.source == "192.0.2.1:53")
            #expect(zones.first?.records == Self.records)
            #expect(zones.first?.records.map(\.name.wire) == Self.records.map(\.name.wire))
            #expect(zones.first?.refreshed == 1000.5)

            // A contact with the primary: only the time moves.
            try store.touchSecondaryZone("LAN.", refreshed: 2000)
            zones = try store.secondaryZones()
            #expect(zones.first?.refreshed == 2000)
            #expect(zones.first?.records == Self.records)

            // A new transfer replaces the copy.
            let newer = [TZ.rr("lan. 3600 SOA ns1.primary.example. admin.primary.example. 78 3600 600 86400 120")]
            try store.saveSecondaryZone("lan.", source: "[2001:db8::1]:5300", serial: 78, records: newer, refreshed: 3000)
            zones = try store.secondaryZones()
            #expect(zones.count == 1)
            #expect(zones.first?.source == "[2001:db8::1]:5300")
            #expect(zones.first?.records == newer)
            #expect(zones.first?.refreshed == 3000)

            try store.removeSecondaryZone("Lan.")
            #expect(try store.secondaryZones().isEmpty)
        }

        @Test func zonesAreKeptApartAndSurviveReopening() throws {
            let reverse = TZ.rrs(
                "168.192.in-addr.arpa. 3600 SOA ns1.primary.example. admin.primary.example. 5 3600 600 86400 120",
                "20.1.168.192.in-addr.arpa. 300 PTR printer.lan.")
            try store.saveSecondaryZone("lan.", source: "192.0.2.1:53", serial: 77, records: Self.records, refreshed: 10)
            try store.saveSecondaryZone("168.192.in-addr.arpa.", source: "192.0.2.1:53", serial: 5, records: reverse, refreshed: 20)
            // Touching or removing a zone that is not there changes nothing.
            try store.touchSecondaryZone("example.com.", refreshed: 99)
            try store.removeSecondaryZone("example.com.")
            let reopened = try HostStore(path: directory.databasePath)
            let zones = try reopened.secondaryZones().sorted { $0.apex < $1.apex }
            #expect(zones.map(\.apex) == ["168.192.in-addr.arpa.", "lan."])
            #expect(zones.map(\.records) == [reverse, Self.records])
            #expect(zones.map(\.refreshed) == [20, 10])
            // The stored records make the zone again.
            let zone = try TransferredZone(records: zones[1].records)
            #expect(zone.serial == 77)
            #expect(zone.records.count == Self.records.count)
        }
    }
}
