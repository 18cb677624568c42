import DNSWire
import DHCPNames
import LANZone
@testable import DHCPWatch

/// Names the daemon never gives to a device (lannamed's defaults).
let protectedNames: Set<String> = ["wpad", "isatap", "localhost", "ns"]

/// Lease events as store changes, through the daemon's own mapping (`LeaseMapping`).
func deviceChanges(_ events: [LeaseEvent], interface: String? = nil, requestedLifetime: Double = 3600,
                   collapse: Bool = true) -> [DeviceChange] {
    LeaseMapping.changes(for: events.map { LeaseQueue.Item(event: $0, interface: interface) },
                         requestedLifetime: requestedLifetime, collapse: collapse).changes
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
