import DNSWire
import Foundation
import LANZone
import Testing
import Timekeeping
@testable import DNSServer

@Suite("Zone refresher: patched from the change log, rebuilt when it must")
struct ZoneRefresherTests {
    @Test func aChangeIsPatchedInAndEqualsTheFullBuild() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-refresher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HostStore(path: directory.appendingPathComponent("zone.sqlite").path)
        let config = ZoneConfig(origin: "lan.")
        try store.upsert(all: (1...20).map { HostRecord(name: "h\($0)", addresses: [IPAddress("198.51.100.\($0)")!], source: .static) })
        let hub = SnapshotHub(loops: [], initial: try ZoneRefresher.build(store: store, config: config))
        let clock = ManualClock()
        let refresher = ZoneRefresher(store: store, hub: hub, config: config, clock: clock.clock)

        // The first refresh after start builds (the start snapshot's position is not known).
        try store.upsert(HostRecord(name: "printer", addresses: [IPAddress("198.51.100.50")!], source: .static))
        try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 0, rebuilt: 1))

        try store.upsert(HostRecord(name: "nas", addresses: [IPAddress("198.51.100.51")!, IPAddress("2001:db8::51")!], source: .static))
        try store.remove(named: "h3")
        let served = try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 1, rebuilt: 1))
        let full = try ZoneRefresher.build(store: store, config: config)
        #expect(served.serial == full.serial && served.hostCount == full.hostCount)
        for apex in full.zoneApexes {
            #expect(Set(served.transferRecords(of: apex) ?? []) == Set(full.transferRecords(of: apex) ?? []), "\(apex)")
        }
        #expect(hub.current.generation == served.generation)

        // Nothing changed: nothing published.
        try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 1, rebuilt: 1))
        // A change bigger than reading every host (a replayed capture): rebuilt, and the log
        // stops for the burst, so the next change is rebuilt too.
        try store.upsert(all: (1...300).map { HostRecord(name: "x\($0)", addresses: [IPAddress("203.0.113.\($0 % 250 + 1)")!], source: .static) })
        try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 1, rebuilt: 2))
        try store.remove(named: "x1")
        try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 1, rebuilt: 3))
        // A quiet second later, a build starts the log again, and changes are patched.
        clock.advance(by: 1.5)
        try store.remove(named: "x2")
        try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 1, rebuilt: 4))
        try store.remove(named: "x3")
        let last = try refresher.refresh()
        #expect(refresher.publishes.withLockedValue { $0 } == (patched: 2, rebuilt: 4))
        let rebuilt = try ZoneRefresher.build(store: store, config: config)
        for apex in rebuilt.zoneApexes {
            #expect(Set(last.transferRecords(of: apex) ?? []) == Set(rebuilt.transferRecords(of: apex) ?? []), "\(apex)")
        }
    }
}
