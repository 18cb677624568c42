import DNSWire
import LANZone
import Logging

/// Gives each published snapshot its per-zone serials and keeps the IXFR journal in the store.
/// Used only under `ZoneRefresher`'s lock (one rebuild at a time), which is what makes the
/// unchecked Sendable sound.
public final class TransferJournal: @unchecked Sendable {
    let store: HostStore
    let limits: HostStore.JournalLimits
    let logger: Logger
    private var versions = ZoneVersions()
    /// Called with the zones whose serial moved, after the step is stored (NOTIFY goes out).
    public var onChange: (@Sendable ([DomainName], ZoneSnapshot) -> Void)?

    public init(store: HostStore, limits: HostStore.JournalLimits = .init(), logger: Logger) {
        self.store = store
        self.limits = limits
        self.logger = logger
    }

    /// The first snapshot after start: serials from the stored versions.
    public func start(_ snapshot: ZoneSnapshot) -> ZoneSnapshot {
        let stored: [ZoneVersion]
        do {
            stored = try store.zoneVersions()
        } catch {
            logger.error("cannot read the zone versions; transfers start from new serials", metadata: ["error": "\(error)"])
            stored = []
        }
        let step = versions.start(snapshot, stored: stored)
        save(step)
        return step.snapshot
    }

    /// A rebuilt snapshot after `published`.
    public func advance(from published: ZoneSnapshot, to snapshot: ZoneSnapshot) -> ZoneSnapshot {
        let step = versions.advance(from: published, to: snapshot)
        save(step)
        return step.snapshot
    }

    private func save(_ step: ZoneVersions.Step) {
        do {
            try store.recordTransferStep(updated: step.updated, entries: step.entries, resets: step.resets, limits: limits)
        } catch {
            // Served anyway: without the entries, IXFR finds no chain and sends the whole zone.
            logger.error("cannot store the zone journal; secondaries will take whole zones", metadata: ["error": "\(error)"])
        }
        if !step.changed.isEmpty {
            logger.debug("zones changed", metadata: ["zones": "\(step.changed.map(\.description).joined(separator: " "))"])
            onChange?(step.changed, step.snapshot)
        }
    }

    func journal(_ apex: DomainName, from: UInt32, to: UInt32) -> [JournalEntry]? {
        do {
            return try store.journal(for: apex, from: from, to: to)
        } catch {
            logger.warning("cannot read the zone journal; sending the whole zone", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
