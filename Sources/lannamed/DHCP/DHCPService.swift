import DNSServer
import DHCPWatch
import DNSWire
import Foundation
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
final class DHCPService: Service {
    struct Options: Sendable {
        var requestedLifetime: Double = 3600
        var extendAfterProbe: Double = 300
        var expiryInterval: Double = 5
        var protected: Set<String>
        /// Bounds of the gap between two republishes while leases stream in (see `republishGap`).
        var minimumRepublishGap: Double = 0
        var maximumRepublishGap: Double = 0.05
    }

    let store: HostStore
    let refresher: ZoneRefresher
    let queue: LeaseQueue
    let workers: [CaptureWorker]
    let files: [String]
    let options: Options
    let logger: Logger

    init(store: HostStore, refresher: ZoneRefresher, queue: LeaseQueue, workers: [CaptureWorker], files: [String],
         options: Options, logger: Logger) {
        self.store = store
        self.refresher = refresher
        self.queue = queue
        self.workers = workers
        self.files = files
        self.options = options
        self.logger = logger
    }

    /// Opens every interface now, so that a wrong name or a missing permission stops the start.
    static func openWorkers(interfaces: [String], queue: LeaseQueue, logger: Logger) throws(PcapCapture.Failure) -> [CaptureWorker] {
        var workers: [CaptureWorker] = []
        for interface in interfaces {
            workers.append(try CaptureWorker(interface: interface, queue: queue, logger: logger))
        }
        return workers
    }

    func run() async throws {
        for worker in workers { worker.start() }
        let files = files
        let queue = queue
        let logger = logger
        // Reading a capture file blocks: it runs on NIO's blocking-I/O pool, never on the
        // cooperative threads that answer forwarded queries.
        let replays = Task {
            for path in files {
                do {
                    let summary = try await NIOThreadPool.singleton.runIfActive {
                        try CaptureReplay.replay(path: path, into: queue, now: Date().timeIntervalSince1970)
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
            await gracefulShutdown2()
            for worker in workers { worker.stop() }
            queue.finish()
            group.cancelAll()
        }
        _ = await replays.value
    }

    private func gracefulShutdown2() async {
        try? await gracefulShutdown()
    }

    // MARK: - Registrations

    func consume() async {
        for await batch in queue.batches() {
            // An empty batch is a tick: a republish put off by the pacing below may be due.
            // SQLite and the snapshot build block: on NIO's blocking pool.
            _ = try? await NIOThreadPool.singleton.runIfActive { self.apply(batch) }
        }
    }

    func changes(for items: [LeaseQueue.Item]) -> [DeviceChange] {
        var changes: [DeviceChange] = []
        for item in items {
            switch item.event {
            case .bound(let lease):
                if lease.noDNSUpdate {
                    logger.debug("client asked for no DNS update", metadata: ["mac": "\(lease.mac)"])
                    continue
                }
                if lease.name == nil, let raw = lease.rawName {
                    logger.notice("DHCP hostname sanitises to nothing; only an earlier name of this device is kept",
                                  metadata: ["mac": "\(lease.mac)", "hostname": "\(String(decoding: raw, as: UTF8.self))"])
                }
                let end = lease.leaseEnd
                    ?? (lease.state == .requested ? lease.seenAt + options.requestedLifetime : lease.seenAt + 315_360_000)
                changes.append(.register(DeviceRegistration(
                    name: lease.name, mac: lease.mac.description, address: lease.address, leaseEnd: end,
                    state: lease.state.rawValue, relayed: lease.relayed, interface: item.interface, seenAt: lease.seenAt)))
            case .released(let mac, let address, let at):
                changes.append(.release(mac: mac.description, address: address, at: at))
            case .cancelled(let mac, let address, let at):
                changes.append(.cancel(mac: mac.description, address: address, at: at))
            }
        }
        // A REQUEST and its ACK in one batch: one write.
        return DeviceChange.collapsingRepeats(changes)
    }

    /// Republishing state, touched only by the consumer (one batch at a time) and the timer that
    /// rings for a put-off republish.
    struct Publishing {
        /// When the zone was last republished from DHCP.
        var last = 0.0
        /// Stored changes not yet published: how many events, and when the newest was seen.
        var unpublished = 0
        var newest = 0.0
        /// A tick is already scheduled.
        var tickScheduled = false
    }

    private let publishing = NIOLockedValueBox(Publishing())
    /// How many times the zone was republished from DHCP.
    let republishes = NIOLockedValueBox(0)

    /// The shortest gap between two republishes while leases stream in: twice the last rebuild
    /// (so rebuilding takes at most a third of a core), at most 50 ms.
    var republishGap: Double {
        max(options.minimumRepublishGap,
            min(options.maximumRepublishGap, 2 * refresher.lastRebuild.withLockedValue { $0 }))
    }

    func apply(_ items: [LeaseQueue.Item]) {
        do {
            if !items.isEmpty {
                let outcomes = try store.apply(changes(for: items), protected: options.protected)
                log(outcomes)
                let newest = items.map { item -> Double in
                    switch item.event {
                    case .bound(let lease): lease.seenAt
                    case .released(_, _, let at), .cancelled(_, _, let at): at
                    }
                }.max() ?? 0
                publishing.withLockedValue {
                    $0.unpublished += items.count
                    $0.newest = max($0.newest, newest)
                }
            }
            let state = publishing.withLockedValue { $0 }
            guard state.unpublished > 0 else { return }
            let now = Date().timeIntervalSince1970
            // While more events are already queued (a replay, a storm), republish at most every
            // 100 ms: the next batch will.
            if queue.pending > 0 && now - state.last < 0.1 { return }
            // Too soon after the last rebuild: publish when the gap is over. A lone batch after
            // a quiet spell is published at once.
            let gap = republishGap
            if now - state.last < gap {
                scheduleTick(after: state.last + gap - now)
                return
            }
            publishing.withLockedValue {
                $0.last = now
                $0.unpublished = 0
                $0.newest = 0
            }
            let snapshot = try refresher.refresh()
            republishes.withLockedValue { $0 += 1 }
            let latency = Date().timeIntervalSince1970 - state.newest
            logger.debug("zone updated from DHCP", metadata: [
                "events": "\(state.unpublished)", "serial": "\(snapshot.serial)",
                "capture_to_answer_ms": "\(Int(latency * 1000))",
            ])
        } catch {
            logger.error("cannot store DHCP registrations", metadata: ["error": "\(error)", "events": "\(items.count)"])
        }
    }

    /// Rings the consumer (an empty batch) after `delay` seconds, once.
    private func scheduleTick(after delay: Double) {
        let first = publishing.withLockedValue { state -> Bool in
            defer { state.tickScheduled = true }
            return !state.tickScheduled
        }
        guard first else { return }
        let queue = queue, publishing = publishing
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0.001, delay)) {
            publishing.withLockedValue { $0.tickScheduled = false }
            queue.tick()
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

    // MARK: - Expiry

    func expireLoop() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int(options.expiryInterval * 1000)))
            } catch {
                return
            }
            await expire(now: Date().timeIntervalSince1970)
        }
    }

    /// Drops leases past their end unless the device still answers ARP on its interface.
    func expire(now: Double) async {
        let expired: [ExpiredLease]
        let store = store
        do { expired = try await NIOThreadPool.singleton.runIfActive { try store.expired(before: now) } } catch {
            logger.error("cannot read leases", metadata: ["error": "\(error)"])
            return
        }
        guard !expired.isEmpty else { return }
        var changes: [DeviceChange] = []
        for lease in expired {
            if !lease.relayed, let interface = lease.interface, case .v4(let v4) = lease.address {
                // The probe waits up to a second for a reply: off the cooperative threads.
                let result = (try? await NIOThreadPool.singleton.runIfActive { ARPProbe.probe(v4, on: interface) })
                    ?? .unavailable("the probe could not run")
                if result == .alive {
                    do {
                        let until = now + options.extendAfterProbe
                        try await NIOThreadPool.singleton.runIfActive {
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
        let refresher = refresher, protected = options.protected, ended = changes
        do {
            try await NIOThreadPool.singleton.runIfActive {
                _ = try store.apply(ended, protected: protected)
                try refresher.refresh()
            }
        } catch {
            logger.error("cannot drop ended leases", metadata: ["error": "\(error)"])
        }
    }
}
