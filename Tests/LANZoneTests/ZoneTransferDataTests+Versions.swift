import DNSWire
import Testing
@testable import LANZone

extension ZoneTransferDataTests {
    /// Per-zone serials across starts and rebuilds (`ZoneVersions`).
    @Suite("Transfer data: zone versions")
    struct Versions {
        /// Only the LAN zone changes: an alias has no PTR.
        static let aliasAdded = Home.hosts + [HostRecord(name: "ipp", addresses: ips("192.168.1.20"), source: .static,
                                                         firstSeen: 50, publishesPTR: false)]
        static let aliasRecord = ResourceRecord(name: "ipp.lan.", ttl: 300, data: .a(IPv4Address(192, 168, 1, 20)))

        /// The stored versions of `snapshot`'s zones, all at `serial` (as a previous run left them).
        static func stored(_ snapshot: ZoneSnapshot, serial: UInt32, overrides: [DomainName: UInt32] = [:]) -> [ZoneVersion] {
            snapshot.transferApexes.map { apex in
                ZoneVersion(apex: apex, serial: overrides[apex] ?? serial, digest: snapshot.digest(of: apex)!)
            }
        }

        func serials(_ snapshot: ZoneSnapshot) -> [DomainName: UInt32] {
            Dictionary(uniqueKeysWithValues: snapshot.transferApexes.map { ($0, snapshot.serial(of: $0)!) })
        }

        @Test func firstStartMakesEveryZoneNewAtTheStoreSerial() throws {
            let snapshot = Home.snapshot()
            var versions = ZoneVersions()
            let step = versions.start(snapshot, stored: [])
            let apexes = snapshot.transferApexes
            #expect(step.updated == Self.stored(snapshot, serial: Home.serial))
            #expect(step.resets == apexes)
            #expect(step.changed == apexes)
            #expect(step.entries.isEmpty)
            #expect(serials(step.snapshot) == Dictionary(uniqueKeysWithValues: apexes.map { ($0, Home.serial) }))
            #expect(versions.versions.count == apexes.count)
            #expect(versions.versions[Home.lan] == ZoneVersion(apex: Home.lan, serial: Home.serial,
                                                                digest: snapshot.digest(of: Home.lan)!))
        }

        @Test func restartWithTheSameContentKeepsTheStoredSerials() throws {
            let old = Home.snapshot()
            let stored = Self.stored(old, serial: 90, overrides: [Home.lan: 95, Home.v4: 0xFFFF_FFF0])
            // The store's serial moved on meanwhile (a change undone, say): the content decides.
            let snapshot = Home.snapshot(Home.hosts.reversed(), serial: 200)
            var versions = ZoneVersions()
            let step = versions.start(snapshot, stored: stored)
            #expect(step.updated.isEmpty)
            #expect(step.resets.isEmpty)
            #expect(step.changed.isEmpty)
            #expect(step.entries.isEmpty)
            let published = serials(step.snapshot)
            #expect(published[Home.lan] == 95)
            #expect(published[Home.v4] == 0xFFFF_FFF0)
            #expect(published[Home.ula] == 90)
            #expect(published.values.filter { $0 == 90 }.count == snapshot.transferApexes.count - 2)
        }

        @Test func restartWithChangedContentGivesTheZoneANewerSerialAndDropsItsJournal() throws {
            let stored = Self.stored(Home.snapshot(), serial: 90)
            let snapshot = Home.snapshot(Self.aliasAdded, serial: 200)
            var versions = ZoneVersions()
            let step = versions.start(snapshot, stored: stored)
            let version = ZoneVersion(apex: Home.lan, serial: 200, digest: snapshot.digest(of: Home.lan)!)
            #expect(step.updated == [version])
            #expect(step.resets == [Home.lan])
            #expect(step.changed == [Home.lan])
            #expect(step.entries.isEmpty)
            #expect(step.snapshot.serial(of: Home.lan) == 200)
            #expect(step.snapshot.serial(of: Home.v4) == 90)
            #expect(versions.versions[Home.lan] == version)
        }

        @Test(arguments: [
            // The store serial is older than the zone's (a database made anew): the zone's + 1.
            (UInt32(50), UInt32(91)),
            (UInt32(90), UInt32(91)),
            (UInt32(91), UInt32(91)),
            // RFC 1982: 2^31 - 1 ahead is newer, 2^31 ahead is not.
            (UInt32(90 + 0x7FFF_FFFF), UInt32(90 + 0x7FFF_FFFF)),
            (UInt32(90 + 0x8000_0000), UInt32(91)),
        ])
        func restartedZoneSerialNeverGoesBackwards(storeSerial: UInt32, expected: UInt32) throws {
            let stored = Self.stored(Home.snapshot(), serial: 90)
            var versions = ZoneVersions()
            let step = versions.start(Home.snapshot(Self.aliasAdded, serial: storeSerial), stored: stored)
            #expect(step.updated.map(\.serial) == [expected])
            #expect(step.snapshot.serial(of: Home.lan) == expected)
        }

        @Test func zonesStoredButGoneAreLeftAlone() throws {
            // The /24 of cdn was stored; it has no host now, so it is no zone and gets no step.
            let stored = Self.stored(Home.snapshot(), serial: 90)
            let snapshot = Home.snapshot(Home.replacing("cdn", with: nil), serial: 200)
            var versions = ZoneVersions()
            let step = versions.start(snapshot, stored: stored)
            #expect(step.updated.map(\.apex) == [Home.lan])
            #expect(!step.resets.contains(Home.cdn))
            #expect(versions.versions[Home.cdn]?.serial == 90)
        }

        @Test func advanceMovesOnlyTheChangedZoneAndJournalsTheChange() throws {
            var versions = ZoneVersions()
            let published = versions.start(Home.snapshot(), stored: []).snapshot
            let next = Home.snapshot(Self.aliasAdded, serial: 200)
            let step = versions.advance(from: published, to: next)
            let version = ZoneVersion(apex: Home.lan, serial: 200, digest: next.digest(of: Home.lan)!)
            #expect(step.updated == [version])
            #expect(step.entries == [JournalEntry(apex: Home.lan, from: Home.serial, to: 200,
                                                  change: ZoneChange(removed: [], added: [Self.aliasRecord]))])
            #expect(step.resets.isEmpty)
            #expect(step.changed == [Home.lan])
            var expected = serials(published)
            expected[Home.lan] = 200
            #expect(serials(step.snapshot) == expected)
            #expect(versions.versions[Home.lan] == version)
        }

        @Test func advanceWithoutChangesKeepsEverySerial() throws {
            var versions = ZoneVersions()
            let published = versions.start(Home.snapshot(), stored: Self.stored(Home.snapshot(), serial: 70)).snapshot
            let step = versions.advance(from: published, to: Home.snapshot(Home.hosts.reversed(), serial: 200))
            #expect(step.updated.isEmpty && step.entries.isEmpty && step.resets.isEmpty && step.changed.isEmpty)
            #expect(serials(step.snapshot) == serials(published))
            #expect(Set(serials(step.snapshot).values) == [70])
        }

        @Test func advanceOfAChangeInTwoZones() throws {
            var versions = ZoneVersions()
            let published = versions.start(Home.snapshot(), stored: []).snapshot
            let next = Home.snapshot(Home.with("laptop") { $0.addresses.append(ip("192.168.1.22")) }, serial: 200)
            let step = versions.advance(from: published, to: next)
            let a = ResourceRecord(name: "laptop.lan.", ttl: 300, data: .a(IPv4Address(192, 168, 1, 22)))
            let ptr = ResourceRecord(name: "22.1.168.192.in-addr.arpa.", ttl: 300, data: .ptr("laptop.lan."))
            #expect(Set(step.entries) == [
                JournalEntry(apex: Home.lan, from: Home.serial, to: 200, change: ZoneChange(added: [a])),
                JournalEntry(apex: Home.v4, from: Home.serial, to: 200, change: ZoneChange(added: [ptr])),
            ])
            #expect(Set(step.changed) == [Home.lan, Home.v4])
            #expect(step.resets.isEmpty)
            #expect(step.snapshot.serial(of: Home.ula) == Home.serial)
            for apex in [Home.lan, Home.v4] {
                #expect(versions.versions[apex]?.digest == next.digest(of: apex), "\(apex)")
            }
        }

        @Test func aZoneThatAppearsGetsAFreshVersionAndAReset() throws {
            var versions = ZoneVersions()
            let published = versions.start(Home.snapshot(), stored: []).snapshot
            let next = Home.snapshot(Home.hosts + [HostRecord(name: "web", addresses: ips("203.0.114.5"), source: .static)],
                                     serial: 200)
            let step = versions.advance(from: published, to: next)
            let zone: DomainName = "114.0.203.in-addr.arpa."
            #expect(step.resets == [zone])
            #expect(Set(step.changed) == [zone, Home.lan])
            #expect(step.entries.map(\.apex) == [Home.lan])
            #expect(Set(step.updated) == [
                ZoneVersion(apex: zone, serial: 200, digest: next.digest(of: zone)!),
                ZoneVersion(apex: Home.lan, serial: 200, digest: next.digest(of: Home.lan)!),
            ])
            #expect(step.snapshot.serial(of: zone) == 200)
        }

        @Test func aZoneThatComesBackWithItsOldContentKeepsItsSerial() throws {
            var versions = ZoneVersions()
            let first = versions.start(Home.snapshot(), stored: []).snapshot
            let gone = versions.advance(from: first, to: Home.snapshot(Home.replacing("cdn", with: nil), serial: 200)).snapshot
            let back = versions.advance(from: gone, to: Home.snapshot(serial: 300))
            // Same digest as the version it had: the secondaries' copies are still right.
            #expect(back.snapshot.serial(of: Home.cdn) == Home.serial)
            #expect(!back.resets.contains(Home.cdn))
            #expect(back.snapshot.serial(of: Home.lan) == 300)
        }

        @Test(arguments: [
            // (the zone's serial, the store's serial now, the zone's next serial)
            (UInt32(500), UInt32(300), UInt32(501)),
            (UInt32(500), UInt32(500), UInt32(501)),
            (UInt32(500), UInt32(600), UInt32(600)),
            // Across the wrap (RFC 1982): 3 is newer than 0xFFFF_FFFF.
            (UInt32(0xFFFF_FFFF), UInt32(3), UInt32(3)),
            (UInt32(0xFFFF_FFFF), UInt32(0xFFFF_FFFF), UInt32(0)),
            (UInt32(0xFFFF_FFFF), UInt32(0x8000_0000), UInt32(0)),
        ])
        func advancedSerialNeverGoesBackwards(zoneSerial: UInt32, storeSerial: UInt32, expected: UInt32) throws {
            var versions = ZoneVersions()
            let stored = Self.stored(Home.snapshot(), serial: zoneSerial)
            let published = versions.start(Home.snapshot(serial: storeSerial), stored: stored).snapshot
            #expect(published.serial(of: Home.lan) == zoneSerial)
            let step = versions.advance(from: published, to: Home.snapshot(Self.aliasAdded, serial: storeSerial))
            #expect(step.snapshot.serial(of: Home.lan) == expected)
            #expect(step.entries == [JournalEntry(apex: Home.lan, from: zoneSerial, to: expected,
                                                  change: ZoneChange(added: [Self.aliasRecord]))])
            #expect(step.snapshot.serial(of: Home.v4) == zoneSerial)
        }

        @Test(arguments: [
            (UInt32?.none, UInt32(7), UInt32(7)),
            (UInt32(5), UInt32(6), UInt32(6)),
            (UInt32(5), UInt32(5), UInt32(6)),
            (UInt32(5), UInt32(4), UInt32(6)),
            (UInt32(0xFFFF_FFFF), UInt32(0), UInt32(0)),
            (UInt32(0xFFFF_FFFF), UInt32(3), UInt32(3)),
            (UInt32(0xFFFF_FFFF), UInt32(0xFFFF_FFFF), UInt32(0)),
            (UInt32(0xFFFF_FFF0), UInt32(0x7FFF_FFEF), UInt32(0x7FFF_FFEF)),
            (UInt32(0xFFFF_FFF0), UInt32(0x7FFF_FFF0), UInt32(0xFFFF_FFF1)),
            (UInt32(10), UInt32(0x8000_0009), UInt32(0x8000_0009)),
            (UInt32(10), UInt32(0x8000_000A), UInt32(11)),
        ])
        func serialAfter(current: UInt32?, candidate: UInt32, expected: UInt32) {
            #expect(ZoneVersions.serial(after: current, candidate: candidate) == expected)
        }

        @Test func advanceFromASnapshotOfUnknownHistoryResetsAChangedZone() throws {
            // The published snapshot's serial is not the one the versions hold (another process
            // published it): no journal entry can be trusted, so the zone starts anew.
            var versions = ZoneVersions()
            _ = versions.start(Home.snapshot(), stored: [])
            let foreign = Home.snapshot().withSerials([Home.lan: 42])
            let next = Home.snapshot(Self.aliasAdded, serial: 200)
            let step = versions.advance(from: foreign, to: next)
            #expect(step.entries.isEmpty)
            #expect(step.resets == [Home.lan])
            #expect(step.updated == [ZoneVersion(apex: Home.lan, serial: 200, digest: next.digest(of: Home.lan)!)])
            #expect(step.snapshot.serial(of: Home.lan) == 200)
        }

        @Test func aChainOfAdvancesReplaysToTheLastSnapshot() throws {
            // Every entry's change, applied to the zone it starts from, gives the next version's
            // content: the digests chain from the first version to the last.
            var versions = ZoneVersions()
            var published = versions.start(Home.snapshot(), stored: []).snapshot
            var digest = published.digest(of: Home.lan)!
            var serial = published.serial(of: Home.lan)!
            let steps: [[HostRecord]] = [
                Self.aliasAdded,
                Home.replacing("laptop", with: nil, in: Self.aliasAdded),
                Home.replacing("printer", with: HostRecord(name: "printer", addresses: ips("192.168.1.25"), source: .static),
                               in: Self.aliasAdded),
                Home.hosts,
            ]
            for (index, hosts) in steps.enumerated() {
                let step = versions.advance(from: published, to: Home.snapshot(hosts, serial: UInt32(200 + index)))
                let entry = try #require(step.entries.first { $0.apex == Home.lan })
                #expect(entry.from == serial)
                #expect(entry.to == UInt32(200 + index))
                digest = ZoneDigest.adjust(digest, by: entry.change)
                serial = entry.to
                published = step.snapshot
                #expect(published.digest(of: Home.lan) == digest)
            }
            #expect(digest == Home.snapshot().digest(of: Home.lan))
        }
    }
}
