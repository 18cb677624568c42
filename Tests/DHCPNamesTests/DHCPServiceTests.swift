import DNSWire
import Foundation
import LANZone
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
import Timekeeping

@testable import DHCPNames
@testable import DHCPWatch
@testable import DNSServer

/// How the DHCP service turns queued lease events into published zones (`DHCPService`): a lease
/// is published at once after a quiet spell; leases arriving within the pacing gap after a
/// republish wait for the gap's end and are published together, by the tick, without a later
/// lease having to come. Time is a `ManualClock` and a testing event loop, moved by the test.
@Suite(.serialized) struct DHCPServiceTests {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    final class Fixture: @unchecked Sendable {
        let directory: URL
        let store: HostStore
        let hub: SnapshotHub
        let queue = LeaseQueue()
        let service: DHCPService
        let clock = ManualClock()
        let loop = NIOAsyncTestingEventLoop()
        let config = ZoneConfig(origin: "lan.")

        init(minimumGap: Double) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-dhcp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try HostStore(path: directory.appendingPathComponent("zone.sqlite").path)
            let (hosts, state) = try store.snapshot()
            hub = SnapshotHub(loops: [], initial: ZoneSnapshot(config: config, hosts: hosts, state: state))
            let refresher = ZoneRefresher(store: store, hub: hub, config: config, clock: clock.clock)
            var options = DHCPService.Options(protected: ["wpad"])
            options.minimumRepublishGap = minimumGap
            let publisher = DHCPService.Publisher(refresh: { try refresher.refresh() },
                                                  lastRebuild: { refresher.lastRebuild.withLockedValue { $0 } })
            service = DHCPService(store: store, publisher: publisher, queue: queue, workers: [], files: [],
                                  options: options, clock: clock.clock, loop: loop, pool: DHCPServiceTests.pool,
                                  logger: Logger(label: "test"))
        }

        func push(_ name: String, _ last: UInt8) {
            let now = clock.now
            let lease = Lease(mac: MACAddress(bytes: [2, 0x4c, 0x48, 0, 0, last])!, name: name, rawName: nil,
                              address: .v4(IPv4Address(198, 51, 100, last)), leaseEnd: now + 3600, state: .acknowledged,
                              relayed: false, noDNSUpdate: false, interface: nil, seenAt: now)
            queue.push([LeaseQueue.Item(event: .bound(lease), interface: nil)])
        }

        func answers(_ name: String) -> Bool {
            if case .answer = hub.current.answer(Question(name: try! DomainName("\(name).lan."), type: .a)) { return true }
            return false
        }

        /// Whether `holds` comes true while the consumer works on its thread (checked every 5 ms,
        /// for at most 5 s of real time; the clock does not move meanwhile).
        func eventually(_ holds: () -> Bool) async -> Bool {
            for _ in 0..<1000 {
                if holds() { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return holds()
        }

        var tickPending: Bool { service.pacer.withLockedValue { $0.tickPending } }

        /// Moves the clock and the loop's time together.
        func advance(by seconds: Double) async {
            clock.advance(by: seconds)
            await loop.advanceTime(by: .nanoseconds(Int64(seconds * 1e9)))
        }

        private var consumer: Task<Void, Never>?

        /// Runs the service's consumer, as the daemon does.
        func start() {
            let service = service
            consumer = Task { await service.consume() }
        }

        /// Ends the queue, as the daemon does when it stops, and waits for the consumer to end.
        func finish() async {
            queue.finish()
            await consumer?.value
        }

        /// Stops the consumer and removes the store.
        func stop() {
            queue.finish()
            consumer?.cancel()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func leasesWithinTheGapWaitForItsEndAndArePublishedTogether() async throws {
        let fixture = try Fixture(minimumGap: 1.0)
        fixture.start()
        defer { fixture.stop() }
        // After a quiet spell: published at once, the clock standing still.
        fixture.push("first", 10)
        #expect(await fixture.eventually { fixture.answers("first") })
        #expect(fixture.service.republishes.withLockedValue { $0 } == 1)
        let generation = try fixture.store.state().generation
        // Three more leases right after: held, and a tick asked for at the gap's end.
        fixture.push("second", 11)
        fixture.push("third", 12)
        fixture.push("fourth", 13)
        #expect(await fixture.eventually { fixture.tickPending })
        // Not before the gap is over.
        await fixture.advance(by: 0.9)
        #expect(!fixture.answers("second"))
        #expect(fixture.service.republishes.withLockedValue { $0 } == 1)
        // At its end the tick rings and one republish has them all, without another lease.
        await fixture.advance(by: 0.1)
        #expect(await fixture.eventually { fixture.answers("second") })
        #expect(fixture.answers("third") && fixture.answers("fourth"))
        #expect(fixture.service.republishes.withLockedValue { $0 } == 2)
        // Written together, in one transaction, right before that republish.
        #expect(try fixture.store.state().generation == generation + 1)
    }

    @Test func heldLeasesAreWrittenWhenTheServiceStops() async throws {
        let fixture = try Fixture(minimumGap: 60)
        fixture.start()
        defer { fixture.stop() }
        fixture.push("early", 30)
        #expect(await fixture.eventually { fixture.answers("early") })
        // Within the gap: held for the tick a minute away; then the service stops.
        fixture.push("late", 31)
        #expect(await fixture.eventually { fixture.tickPending })
        #expect(try !fixture.store.snapshot().hosts.contains { $0.name == "late" })
        await fixture.finish()
        #expect(try fixture.store.snapshot().hosts.contains { $0.name == "late" })
    }

    @Test func withoutAGapEachQuietLeaseIsPublishedAtOnce() async throws {
        let fixture = try Fixture(minimumGap: 0)
        fixture.start()
        defer { fixture.stop() }
        for (index, name) in ["alpha", "beta", "gamma"].enumerated() {
            fixture.push(name, UInt8(20 + index))
            #expect(await fixture.eventually { fixture.answers(name) }, "\(name)")
            await fixture.advance(by: 5)
        }
        #expect(fixture.service.republishes.withLockedValue { $0 } >= 1)
    }
}
