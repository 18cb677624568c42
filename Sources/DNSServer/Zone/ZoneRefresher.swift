import DNSWire
import Foundation
import LANZone
import NIOConcurrencyHelpers
import Timekeeping
import ZoneTransfer

/// glibc's malloc_trim(3), which the Glibc module does not export.
@_silgen_name("malloc_trim")
func glibcMallocTrim(_ pad: Int) -> Int32

/// Rebuilds the snapshot from the store and publishes it; one rebuild at a time.
public final class ZoneRefresher: Sendable {
    let store: HostStore
    let hub: SnapshotHub
    let config: ZoneConfig
    /// The public zones served besides the LAN zone.
    let hosted: [HostedZoneConfig]
    /// Per-zone serials and the IXFR journal, when zone transfers are offered.
    let journal: TransferJournal?
    private let lock = NIOLock()
    /// When the heap was last trimmed after a rebuild, and whether a trim is scheduled.
    private let trimming = NIOLockedValueBox((last: 0.0, scheduled: false))
    /// When the served snapshot goes stale without a write (a dynamic DNS account expires then).
    private let staleAt: NIOLockedValueBox<Double>
    /// How long the last rebuild took, in seconds (for pacing republishes).
    public let lastRebuild = NIOLockedValueBox(0.0)
    /// The store generation this refresher last published and the change-log position its hosts
    /// come from (the next refresh patches the snapshot from there), and how far the log has
    /// been pruned. The hub may wrap what it is given (secondary zones), so the generation, not
    /// the object, tells that the served hosts are the ones published.
    private let position = NIOLockedValueBox<(generation: Int64, at: Int64)?>(nil)
    private let pruned = NIOLockedValueBox<Int64>(0)
    /// Whether the store notes changes now, and when the last full build was: a burst too big
    /// to patch (a replayed capture) stops the log, and a full build after a quiet second
    /// starts it again.
    private let logging = NIOLockedValueBox((on: false, lastBuild: -Double.infinity))
    /// Snapshots published by a patch and by a full build (for tests and status).
    public let publishes = NIOLockedValueBox((patched: 0, rebuilt: 0))

    /// Times rebuilds (for the DHCP pacing) and heap trims.
    let clock: ServerClock

    public init(store: HostStore, hub: SnapshotHub, config: ZoneConfig, hosted: [HostedZoneConfig] = [],
                journal: TransferJournal? = nil, clock: ServerClock = .system) {
        self.hosted = hosted
        // The served snapshot (built at start) goes stale when the next account expires.
        let next = hosted.isEmpty ? nil : (try? store.nextDynamicExpiry(after: clock.now())) ?? nil
        staleAt = NIOLockedValueBox(next ?? .infinity)
        self.clock = clock
        self.store = store
        self.hub = hub
        self.config = config
        self.journal = journal
        // The LAN zone alone is patched from the change log (hosted zones are built with it).
        if hosted.isEmpty, (try? store.startChangeLog()) != nil { logging.withLockedValue { $0.on = true } }
    }

    /// Reads the store and builds a snapshot from it.
    public static func build(store: HostStore, config: ZoneConfig, hosted: [HostedZoneConfig] = [],
                             clock: ServerClock = .system) throws(ZoneError) -> ZoneSnapshot {
        let snapshot = try read(store: store, config: config, hosted: hosted, now: clock.now()).snapshot
        // The host rows read to build it are gone now: hand their memory back to the system.
        _ = glibcMallocTrim(0)
        return snapshot
    }

    /// The snapshot, and with `withPosition` the change-log position of the hosts it was built
    /// from (0 without: nothing is asked of the writing connection).
    private static func read(store: HostStore, config: ZoneConfig, hosted: [HostedZoneConfig], now: Double,
                             withPosition: Bool = false) throws(ZoneError) -> (snapshot: ZoneSnapshot, position: Int64) {
        let hosts: [HostRecord], state: ZoneState
        var position: Int64 = 0
        if withPosition {
            (hosts, state, position) = try store.snapshotWithPosition()
        } else {
            (hosts, state) = try store.snapshot(ordered: false)
        }
        guard !hosted.isEmpty else { return (ZoneSnapshot(config: config, hosts: hosts, state: state), position) }
        let zones = HostedZones.build(hosted, serial: state.serial,
                                      records: try store.hostedRecords(for: hosted, now: now))
        return (ZoneSnapshot(config: config, hosts: hosts, state: state, hosted: zones), position)
    }

    /// Rebuilds if the store moved past what is served; returns the snapshot now served.
    @discardableResult
    public func refresh(force: Bool = false) throws(ZoneError) -> ZoneSnapshot {
        lock.lock()
        defer { lock.unlock() }
        let served = hub.current
        let started = clock.now()
        if !force {
            // The change log, when it covers the served snapshot, also says that nothing changed.
            if let patched = try patch(served: served, started: started) { return patched }
            let state = try store.state()
            if state.generation == served.generation && started < staleAt.withLockedValue({ $0 }) { return served }
        }
        return try rebuild(served: served, started: started)
    }

    /// The served snapshot patched with the hosts that changed since it was built (the store's
    /// change log), published (the served one itself when nothing changed); nil when it has to
    /// be rebuilt instead: hosted zones are served, its hosts are not the ones this refresher
    /// published, the change is large, or it needs the full build.
    private func patch(served: ZoneSnapshot, started: Double) throws(ZoneError) -> ZoneSnapshot? {
        guard hosted.isEmpty, let from = position.withLockedValue({ $0 }), from.generation == served.generation else { return nil }
        let read = try store.readLANChanges(after: from.at, generation: served.generation, limit: Self.patchLimit,
                                            before: { served.addresses(ofHost: $0) })
        if case .changes(let changes) = read, changes.state.generation == served.generation { return served }
        guard case .changes(let changes) = read, var snapshot = served.patched(changes) else {
            if case .tooMany = read, (try? store.stopChangeLog()) != nil {
                logging.withLockedValue { $0.on = false }
                position.withLockedValue { $0 = nil }
            }
            return nil
        }
        if let journal { snapshot = journal.advance(from: served, to: snapshot) }
        hub.publish(snapshot)
        publishes.withLockedValue { $0.patched += 1 }
        remember(snapshot, at: changes.position)
        lastRebuild.withLockedValue { $0 = clock.now() - started }
        return snapshot
    }

    /// The most names a patch takes: each new PTR is inserted into sorted arrays (a move of the
    /// ones after it), so past a few hundred names one build of everything is cheaper (a replay
    /// of 100,000 leases publishes thousands at a time).
    static let patchLimit = 256

    /// Notes the position `snapshot` holds, and forgets the log before it now and then.
    private func remember(_ snapshot: ZoneSnapshot, at end: Int64) {
        position.withLockedValue { $0 = (snapshot.generation, end) }
        guard end - pruned.withLockedValue({ $0 }) > 20_000 else { return }
        do {
            try store.pruneChangeLog(through: end)
            pruned.withLockedValue { $0 = end }
        } catch {
            // Kept for the next time: a log a little longer costs nothing.
        }
    }

    /// Changes to hosted zones whose effect the caller knows: `write` runs (one store
    /// transaction), then `changes` says, from the served snapshot and what `write` returned,
    /// the records of each zone that go and come; the served snapshot is patched with them,
    /// without reading the store back or building a zone again, when nothing else changed the
    /// store meanwhile (the generation moved by exactly the one `write` made). Otherwise, or when
    /// a patch needs a full build (`changes` nil, or a zone refuses the patch), the snapshot is
    /// rebuilt as `refresh` does. Either way the changes answer before this returns.
    @discardableResult
    public func publish<Written>(hostedChanges changes: (ZoneSnapshot, Written) -> [DomainName: ZoneChange]?,
                                 after write: () throws -> Written) throws -> Written {
        lock.lock()
        defer { lock.unlock() }
        let served = hub.current
        let started = clock.now()
        let before = try store.state()
        let written: Written
        do { written = try write() } catch let error as ZoneError { throw error } catch { throw ZoneError.store("\(error)") }
        let after = try store.state()
        guard after.generation != before.generation else { return written }
        if before.generation == served.generation, after.generation == before.generation + 1,
           let patches = changes(served, written), var zones = served.hosted {
            for (apex, change) in patches {
                // The serial the journal will give the zone (its next one, or the store's when
                // newer); without a journal, the store's, as a rebuild would.
                let serial = journal == nil ? after.serial
                    : served.serial(of: apex).map { ZoneVersions.serial(after: $0, candidate: after.serial) }
                guard let patched = zones.patching(apex, with: change, serial: serial) else {
                    _ = try rebuild(served: served, started: started)
                    return written
                }
                zones = patched
            }
            var snapshot = served.withHosted(zones, state: after)
            if let journal { snapshot = journal.advance(from: served, to: snapshot) }
            hub.publish(snapshot)
            position.withLockedValue { $0 = nil }
            lastRebuild.withLockedValue { $0 = clock.now() - started }
            return written
        }
        _ = try rebuild(served: served, started: started)
        return written
    }

    /// Reads the store, builds the snapshot, gives it its serials and publishes it.
    private func rebuild(served: ZoneSnapshot, started: Double) throws(ZoneError) -> ZoneSnapshot {
        let restart = logging.withLockedValue { state -> Bool in
            defer { state.lastBuild = started }
            return hosted.isEmpty && !state.on && started - state.lastBuild >= 1
        }
        if restart, (try? store.startChangeLog()) != nil { logging.withLockedValue { $0.on = true } }
        let noting = logging.withLockedValue { $0.on }
        var (snapshot, at) = try Self.read(store: store, config: config, hosted: hosted, now: started, withPosition: noting)
        if !hosted.isEmpty {
            let next = (try? store.nextDynamicExpiry(after: started)) ?? nil
            staleAt.withLockedValue { $0 = next ?? .infinity }
        }
        if let journal { snapshot = journal.advance(from: served, to: snapshot) }
        hub.publish(snapshot)
        publishes.withLockedValue { $0.rebuilt += 1 }
        if noting { remember(snapshot, at: at) }
        let now = clock.now()
        lastRebuild.withLockedValue { $0 = now - started }
        trimHeap(now: now)
        return snapshot
    }

    /// Hands the rows' memory back to the system, at most every 10 s: trimming walks the heap,
    /// and during a burst of rebuilds the next one would fault the same pages in again. A trim
    /// put off is done once the 10 s are over, so memory returns after the burst too.
    private func trimHeap(now: Double) {
        let wait = trimming.withLockedValue { state -> Double? in
            let since = now - state.last
            if since >= 10 {
                state.last = now
                return 0
            }
            if state.scheduled { return nil }
            state.scheduled = true
            return 10 - since
        }
        guard let wait else { return }
        if wait == 0 {
            _ = glibcMallocTrim(0)
            return
        }
        let trimming = trimming, clock = clock
        DispatchQueue.global().asyncAfter(deadline: .now() + wait) {
            trimming.withLockedValue { $0 = (last: clock.now(), scheduled: false) }
            _ = glibcMallocTrim(0)
        }
    }
}
