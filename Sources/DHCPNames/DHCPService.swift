import CoreMetrics
import DHCPWatch
import DNSWire
import Foundation
import NIOCore
import Timekeeping
import LANZone
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// Turns DHCP traffic into zone registrations: the capture workers and replays fill the queue;
/// this service writes each burst to the store in one transaction and publishes the new zone at
/// once. It also ends leases: a lease past its end is probed with ARP on the interface it was
/// seen on, kept if the device answers, dropped if not (replayed and relayed leases are never
/// probed: they are dropped at their end).
public final class DHCPService: Service {
    public struct Options: Sendable {
        public var requestedLifetime: Double = 3600
        public var extendAfterProbe: Double = 300
        public var expiryInterval: Double = 5
        public var protected: Set<String>
        /// Bounds of the gap between two republishes while leases stream in (`RepublishPacer`).
        /// A patched snapshot takes well under a millisecond, but each still copies the name
        /// table: at most every 10 ms during a storm (a lone lease after a quiet spell goes at once).
        public var minimumRepublishGap: Double = 0.01
        public var maximumRepublishGap: Double = 0.05

        public init(requestedLifetime: Double = 3600, protected: Set<String>) {
            self.requestedLifetime = requestedLifetime
            self.protected = protected
        }
    }

    /// How the zone is republished after a change: a rebuild from the store, and how long the
    /// last rebuild took (for pacing).
    public struct Publisher: Sendable {
        let refresh: @Sendable () throws -> ZoneSnapshot
        let lastRebuild: @Sendable () -> Double

        public init(refresh: @escaping @Sendable () throws -> ZoneSnapshot, lastRebuild: @escaping @Sendable () -> Double) {
            self.refresh = refresh
            self.lastRebuild = lastRebuild
        }
    }

    let store: HostStore
    let publisher: Publisher
    let queue: LeaseQueue
    let workers: [CaptureWorker]
    let files: [String]
    let options: Options
    let clock: ServerClock
    /// Where the put-off republish's tick is timed.
    let loop: any EventLoop
    /// Where SQLite, snapshot builds, ARP probes and capture files run: never on the cooperative
    /// threads that answer forwarded queries.
    let pool: NIOThreadPool
    let logger: Logger

    public init(store: HostStore, publisher: Publisher, queue: LeaseQueue, workers: [CaptureWorker], files: [String],
                options: Options, clock: ServerClock, loop: any EventLoop, pool: NIOThreadPool, logger: Logger) {
        self.store = store
        self.publisher = publisher
        self.queue = queue
        self.workers = workers
        self.files = files
        self.options = options
        self.clock = clock
        self.loop = loop
        self.pool = pool
        self.logger = logger
        pacer = NIOLockedValueBox(RepublishPacer(minimumGap: options.minimumRepublishGap,
                                                 maximumGap: options.maximumRepublishGap))
    }

    /// What each live capture has seen so far: frames, lease events read from them, and frames
    /// that were not readable DHCP.
    public var captureCounts: [(interface: String, frames: Int, events: Int, malformed: Int)] {
        workers.map { worker in
            let counts = worker.counters.withLockedValue { $0 }
            return (worker.interface, counts.frames, counts.events, counts.malformed)
        }
    }

    /// Opens every interface now, so that a wrong name or a missing permission stops the start.
    public static func openWorkers(interfaces: [String], queue: LeaseQueue, logger: Logger) throws(PcapCapture.Failure) -> [CaptureWorker] {
        var workers: [CaptureWorker] = []
        for interface in interfaces {
            workers.append(try CaptureWorker(interface: interface, queue: queue, logger: logger))
        }
        return workers
    }

    public func run() async throws {
        for worker in workers { worker.start() }
        let files = files
        let queue = queue
        let logger = logger
        let pool = pool, clock = clock
        let replays = Task {
            for path in files {
                do {
                    let summary = try await pool.runIfActive {
                        try CaptureReplay.replay(path: path, into: queue, now: clock.now())
                    }
                    logger.info("replayed capture", metadata: [
                        "file": "\(path)", "frames": "\(summary.frames)", "dhcp": "\(summary.messages)",
                        "skipped": "\(summary.malformed)", "events": "\(summary.events)",
                        "shifted": "\(Int(summary.shift)) s",
                    ])
                } catch {
                    logger.error("cannot replay capture", metadata: ["file": "\(path)", "error": "\(error)"])
                }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consume() }
            group.addTask { await self.expireLoop() }
            try? await gracefulShutdown()
            for worker in workers { worker.stop() }
            queue.finish()
            group.cancelAll()
        }
        _ = await replays.value
    }

    // MARK: - Registrations

    func consume() async {
        for await batch in queue.batches() {
            // An empty batch is a tick: a republish put off by the pacing may be due.
            guard let step = take(batch) else { continue }
            _ = try? await pool.runIfActive { self.run(step) }
        }
        // Stopping: what is held still goes to the store.
        do { try await pool.runIfActive { try self.writeHeld() } } catch {
            do { try writeHeld() } catch { logger.error("cannot store DHCP registrations", metadata: ["error": "\(error)"]) }
        }
    }

    /// Republishing state, touched by the consumer (one batch at a time) and the tick.
    let pacer: NIOLockedValueBox<RepublishPacer>
    /// How many times the zone was republished from DHCP.
    let republishes = NIOLockedValueBox(0)

    /// Events taken from the queue and not yet written. They go to the store together, in one
    /// transaction, right before the republish that serves them: a storm makes one write per
    /// republish rather than one per packet, and a lease is answered no later than before.
    let held = NIOLockedValueBox<[LeaseQueue.Item]>([])
    /// More than this many held events are written without waiting for the republish (a
    /// replayed capture's chunk), so that memory stays bounded.
    static let maximumHeld = 4096
    /// Held events are written one batch at a time, in the order they came.
    let writing = NIOLock()

    /// What the pool does after a batch was taken: write what is held, or write it and republish.
    enum Step: Equatable {
        case write
        case publish(events: Int, newest: Double)
    }

    /// Holds `items` and decides, without blocking, what follows: nothing yet (a tick is asked
    /// for when a republish is put off), or a step for the pool. Most packets of a storm end
    /// here, so they cost no thread hop.
    func take(_ items: [LeaseQueue.Item]) -> Step? {
        if !items.isEmpty {
            held.withLockedValue { $0 += items }
            let newest = LeaseMapping.newest(items)
            pacer.withLockedValue { $0.stored(events: items.count, newest: newest) }
        }
        let now = clock.now(), queued = queue.pending, lastRebuild = publisher.lastRebuild()
        switch pacer.withLockedValue({ $0.decide(now: now, queued: queued, lastRebuild: lastRebuild) }) {
        case .none:
            return held.withLockedValue({ $0.count }) >= Self.maximumHeld ? .write : nil
        case .tick(let delay):
            let queue = queue, pacer = pacer
            loop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) {
                pacer.withLockedValue { $0.tickRang() }
                queue.tick()
            }
            return nil
        case .publish(let events, let newest):
            return .publish(events: events, newest: newest)
        }
    }

    /// Does `step` (on the pool: SQLite and the snapshot block).
    func run(_ step: Step) {
        do {
            try writeHeld()
            guard case .publish(let events, let newest) = step else { return }
            // Counted first: the new zone answers as soon as it is published.
            republishes.withLockedValue { $0 += 1 }
            let snapshot = try publisher.refresh()
            logger.debug("zone updated from DHCP", metadata: [
                "events": "\(events)", "serial": "\(snapshot.serial)",
                "capture_to_answer_ms": "\(Int((clock.now() - newest) * 1000))",
            ])
        } catch {
            logger.error("cannot store DHCP registrations", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the held events to the store in one transaction.
    func writeHeld() throws(ZoneError) {
        writing.lock()
        defer { writing.unlock() }
        let items = held.withLockedValue { held in defer { held = [] }; return held }
        guard !items.isEmpty else { return }
        let (changes, notes) = LeaseMapping.changes(for: items, requestedLifetime: options.requestedLifetime)
        log(notes)
        log(try store.apply(changes, protected: options.protected))
    }

    func log(_ notes: [LeaseMapping.Note]) {
        for note in notes {
            switch note {
            case .noDNSUpdate(let mac):
                logger.debug("client asked for no DNS update", metadata: ["mac": "\(mac)"])
            case .unusableName(let mac, let raw):
                logger.notice("DHCP hostname sanitises to nothing; only an earlier name of this device is kept",
                              metadata: ["mac": "\(mac)", "hostname": "\(String(decoding: raw, as: UTF8.self))"])
            }
        }
    }

    func log(_ outcomes: [DeviceChangeOutcome]) {
        // A big burst (a replayed capture, a storm) gets one summary line for its ordinary
        // registrations; conflicts are always logged one by one.
        let quiet = outcomes.count > 64
        if quiet {
            let registered = outcomes.filter {
                if case .registration(_, .registered) = $0 { return true } else { return false }
            }.count
            logger.info("dhcp: registered \(registered) names in a burst of \(outcomes.count) events")
        }
        for outcome in outcomes {
            Counter(label: "lannamed_dhcp_registrations_total", dimensions: [("outcome", Self.outcomeName(outcome))]).increment()
            switch outcome {
            case .registration(let registration, let result):
                let meta: Logger.Metadata = ["mac": "\(registration.mac)", "address": "\(registration.address)",
                                             "state": "\(registration.state)"]
                switch result {
                case .registered(let name):
                    if quiet { logger.debug("dhcp: registered \(name)", metadata: meta) } else {
                        logger.info("dhcp: registered \(name)", metadata: meta)
                    }
                case .renewed(let name): logger.debug("dhcp: renewed \(name)", metadata: meta)
                case .renamed(let from, let to): logger.info("dhcp: \(from) renamed itself \(to)", metadata: meta)
                case .displaced(let name, let previous, let now):
                    logger.notice("dhcp: \(name) moves to the newest device; the previous holder \(previous) is now \(now)",
                                  metadata: meta)
                case .refused(let name, let reason, let registeredAs):
                    logger.notice("dhcp: refused \(name) (\(reason)); registered as \(registeredAs)", metadata: meta)
                case .unnamed:
                    logger.debug("dhcp: lease without a usable name; not registered", metadata: meta)
                case .heldByUpdate(let name):
                    logger.debug("dhcp: \(name) was registered by the DHCP server's UPDATE; the lease is its", metadata: meta)
                }
            case .removal(let change, let removed):
                guard removed else { continue }
                switch change {
                case .release(let mac, let address, _):
                    if !quiet { logger.info("dhcp: released", metadata: ["mac": "\(mac)", "address": "\(address)"]) }
                case .cancel(let mac, let address, _):
                    logger.info("dhcp: request refused or declined", metadata: ["mac": "\(mac)", "address": "\(address)"])
                case .register:
                    break
                }
            }
        }
    }

    /// An outcome's label value in metrics.
    static func outcomeName(_ outcome: DeviceChangeOutcome) -> String {
        switch outcome {
        case .registration(_, let result):
            switch result {
            case .registered: "registered"
            case .renewed: "renewed"
            case .renamed: "renamed"
            case .displaced: "displaced"
            case .refused: "refused"
            case .unnamed: "unnamed"
            case .heldByUpdate: "held_by_update"
            }
        case .removal(let change, let removed):
            switch change {
            case .release: removed ? "released" : "release_unknown"
            case .cancel: removed ? "cancelled" : "cancel_unknown"
            case .register: "register"
            }
        }
    }

    // MARK: - Expiry

    func expireLoop() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int(options.expiryInterval * 1000)))
            } catch {
                return
            }
            await expire(now: clock.now())
        }
    }

    /// Drops leases past their end unless the device still answers ARP on its interface.
    func expire(now: Double) async {
        let expired: [ExpiredLease]
        let store = store
        do { expired = try await pool.runIfActive { try store.expired(before: now) } } catch {
            logger.error("cannot read leases", metadata: ["error": "\(error)"])
            return
        }
        guard !expired.isEmpty else { return }
        var changes: [DeviceChange] = []
        for lease in expired {
            if !lease.relayed, let interface = lease.interface, case .v4(let v4) = lease.address {
                // The probe waits up to a second for a reply: off the cooperative threads.
                let result = (try? await pool.runIfActive { ARPProbe.probe(v4, on: interface) })
                    ?? .unavailable("the probe could not run")
                if result == .alive {
                    do {
                        let until = now + options.extendAfterProbe
                        try await pool.runIfActive {
                            try store.extend(mac: lease.mac, address: lease.address, until: until, seenAt: now)
                        }
                        logger.debug("lease ended but the device answers ARP; kept", metadata: [
                            "name": "\(lease.name)", "address": "\(lease.address)"])
                    } catch {
                        logger.error("cannot extend a lease", metadata: ["error": "\(error)"])
                    }
                    continue
                }
            }
            changes.append(.release(mac: lease.mac, address: lease.address, at: now))
            logger.info("dhcp: lease ended", metadata: ["name": "\(lease.name)", "address": "\(lease.address)", "mac": "\(lease.mac)"])
        }
        let publisher = publisher, protected = options.protected, ended = changes
        do {
            try await pool.runIfActive {
                _ = try store.apply(ended, protected: protected)
                _ = try publisher.refresh()
            }
        } catch {
            logger.error("cannot drop ended leases", metadata: ["error": "\(error)"])
        }
    }
}
