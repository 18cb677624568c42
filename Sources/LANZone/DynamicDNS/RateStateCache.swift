import Synchronization

/// The rate states this process read or wrote lately, in memory, in front of the `ddns_rate`
/// table: the update server reads a client's state on every request, and only this process
/// writes them, so a copy kept up to date on every write spares a trip to the database (and to
/// the blocking pool) per request. A key known to have no state is kept too (as nil). The
/// database stays the truth a restart reads back; when the copy grows past `limit` keys it is
/// dropped and refills from the database.
final class RateStateCache: Sendable {
    /// The states, and a count of the writes, so that a read that raced a write is not kept.
    private let states = Mutex<(known: [String: DynamicRateState?], writes: Int)>(([:], 0))
    let limit: Int

    init(limit: Int = 100_000) {
        self.limit = limit
    }

    /// The states of `keys` if every one of them is known here (nil for a key known to have
    /// none), else nil and the write count to give `remember(read:)` with what the database says.
    func lookup(_ keys: [String]) -> (found: [String: DynamicRateState]?, writes: Int) {
        states.withLock { states in
            var found: [String: DynamicRateState] = [:]
            for key in keys {
                guard let known = states.known[key] else { return (nil, states.writes) }
                if let known { found[key] = known }
            }
            return (found, states.writes)
        }
    }

    /// What the database said about `keys` (their states, the others none), kept unless a write
    /// came since the lookup that missed.
    func remember(read keys: [String], _ found: [String: DynamicRateState], writes: Int) {
        states.withLock { states in
            guard states.writes == writes else { return }
            if states.known.count + keys.count > limit { states.known.removeAll(keepingCapacity: true) }
            for key in keys { states.known[key] = .some(found[key]) }
        }
    }

    /// States just committed.
    func remember(written: [DynamicRateState]) {
        states.withLock { states in
            states.writes &+= 1
            if states.known.count + written.count > limit { states.known.removeAll(keepingCapacity: true) }
            for state in written { states.known[state.key] = .some(state) }
        }
    }

    /// Forgets everything (after a write whose outcome is unknown, or one that removed states).
    func clear() {
        states.withLock { states in
            states.writes &+= 1
            states.known.removeAll()
        }
    }
}
