import DNSWire
import Foundation
import LANZone
import Logging
import NIOPosix
import Testing

@testable import DHCPWatch
@testable import DNSServer
@testable import DHCPNames

/// How the DHCP service turns queued lease events into published zones (DHCP/DHCPService.swift):
/// a lease is published at once after a quiet spell; leases arriving within the pacing gap after
/// a republish wait for the gap's end and are published together, by a timer, without a later
/// lease having to come.
@Suite(.serialized) struct DHCPServiceTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
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
        let config = ZoneConfig(origin: "lan.")

        init(minimumGap: Double) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-dhcp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try HostStore(path: directory.appendingPathComponent("zone.sqlite").path)
            let (hosts, state) = try store.snapshot()
            hub = SnapshotHub(loops: [], initial: ZoneSnapshot(config: config, hosts: hosts, state: state))
            let refresher = ZoneRefresher(store: store, hub: hub, config: config)
            var options = DHCPService.Options(protected: ["wpad"])
            options.minimumRepublishGap = minimumGap
            let publisher = DHCPService.Publisher(refresh: { try refresher.refresh() },
                                                  lastRebuild: { refresher.lastRebuild.withLockedValue { $0 } })
            service = DHCPService(store: store, publisher: publisher, queue: queue, workers: [], files: [],
                                  options: options, clock: .system, loop: DHCPServiceTests.group.next(), pool: DHCPServiceTests.pool,
                                  logger: Logger(label: "test"))
        }

        func push(_ name: String, _ last: UInt8) {
            let now = Date().timeIntervalSince1970
            let lease = Lease(mac: MACAddress(bytes: [2, 0x4c, 0x48, 0, 0, last])!, name: name, rawName: nil,
                              address: .v4(IPv4Address(198, 51, 100, last)), leaseEnd: now + 3600, state: .acknowledged,
                              relayed: false, noDNSUpdate: false, interface: nil, seenAt: now)
            queue.push([LeaseQueue.Item(event: .bound(lease), interface: nil)])
        }

        func answers(_ name: String) -> Bool {
            if case .answer = hub.current.answer(Question(name: try! DomainName("\(name).lan."), type: .a)) { return true }
            return false
        }

        /// Seconds until `name` answers (polled every 5 ms for at most `limit` seconds), or nil.
        func waitFor(_ name: String, limit: Double = 5) async -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < limit {
                if answers(name) { return Date().timeIntervalSince(start) }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return nil
        }

        private var consumer: Task<Void, Never>?

        /// Runs the service's consumer, as the daemon does.
        func start() {
            let service = service
            consumer = Task { await service.consume() }
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
        // After a quiet spell: published at once (well within the gap).
        fixture.push("first", 10)
        let first = await fixture.waitFor("first")
        #expect(first != nil)
        #expect(fixture.service.republishes.withLockedValue { $0 } == 1)
        // Three more leases right after: they wait for the gap's end, then one republish has them all.
        fixture.push("second", 11)
        fixture.push("third", 12)
        fixture.push("fourth", 13)
        let second = await fixture.waitFor("second")
        #expect(second != nil)
        #expect(fixture.answers("third") && fixture.answers("fourth"))
        #expect(fixture.service.republishes.withLockedValue { $0 } == 2)
        // Not before the gap was over (a lower bound, which a slow machine cannot break).
        if let second { #expect(second >= 0.9, "\(second)") }
    }

    @Test func withoutAGapEachQuietLeaseIsPublishedAtOnce() async throws {
        let fixture = try Fixture(minimumGap: 0)
        fixture.start()
        defer { fixture.stop() }
        for (index, name) in ["alpha", "beta", "gamma"].enumerated() {
            fixture.push(name, UInt8(20 + index))
            #expect(await fixture.waitFor(name) != nil, "\(name)")
        }
        #expect(fixture.service.republishes.withLockedValue { $0 } >= 1)
    }
}
