import DNSWire
import LANZone
@testable import DHCPWatch

/// Names the daemon never gives to a device (lannamed's defaults).
let protectedNames: Set<String> = ["wpad", "isatap", "localhost", "ns"]

/// Lease events as store changes, the way `DHCPService.changes(for:)` (Sources/lannamed/DHCP)
/// converts them: a lease asking for no DNS update is skipped; a lease without an end lives
/// `requestedLifetime` when only requested, ten years when acknowledged (infinite); a registration
/// repeated by the next one is folded into it (`collapse`).
func deviceChanges(_ events: [LeaseEvent], interface: String? = nil, requestedLifetime: Double = 3600,
                   collapse: Bool = true) -> [DeviceChange] {
    var changes: [DeviceChange] = []
    for event in events {
        switch event {
        case .bound(let lease):
            if lease.noDNSUpdate { continue }
            let end = lease.leaseEnd
                ?? (lease.state == .requested ? lease.seenAt + requestedLifetime : lease.seenAt + 315_360_000)
            changes.append(.register(DeviceRegistration(
                name: lease.name, mac: lease.mac.description, address: lease.address, leaseEnd: end,
                state: lease.state.rawValue, relayed: lease.relayed, interface: interface, seenAt: lease.seenAt)))
        case .released(let mac, let address, let at):
            changes.append(.release(mac: mac.description, address: address, at: at))
        case .cancelled(let mac, let address, let at):
            changes.append(.cancel(mac: mac.description, address: address, at: at))
        }
    }
    return collapse ? DeviceChange.collapsingRepeats(changes) : changes
}

/// Replays a capture into `store` one decoded packet at a time (as a live capture would), or all
/// at once (as a replayed file does). Returns every outcome.
@discardableResult
func replay(_ file: Captures.File, into store: HostStore, oneBatch: Bool = false,
            collapse: Bool = true) throws -> [DeviceChangeOutcome] {
    let replay = Replay(file)
    if oneBatch {
        return try store.apply(deviceChanges(replay.events, collapse: collapse), protected: protectedNames)
    }
    var outcomes: [DeviceChangeOutcome] = []
    for events in replay.eventsPerPacket where !events.isEmpty {
        outcomes += try store.apply(deviceChanges(events), protected: protectedNames)
    }
    return outcomes
}

/// The record data of an answer, or nil when it is not an answer.
func answerData(_ answer: ZoneAnswer) -> [RecordData]? {
    if case .answer(let records, _) = answer { return records.map(\.data) }
    return nil
}

func isNXDomain(_ answer: ZoneAnswer) -> Bool {
    if case .nxDomain = answer { return true }
    return false
}
