/// When to republish the zone while DHCP changes stream in, as a value: fed what was stored and
/// the time, it says what to do. After a quiet spell a change is published at once; while more
/// events are already queued (a replay, a storm) at most every 100 ms; otherwise no closer than
/// the gap after the last republish (twice the last rebuild, within the bounds), a tick ringing
/// for the one put off so that no lease waits for the next one.
public struct RepublishPacer: Sendable, Equatable {
    public enum Action: Equatable, Sendable {
        /// Nothing to publish, or the next batch will.
        case none
        /// Rebuild and publish now: `events` stored since the last one, the newest seen at `newest`.
        case publish(events: Int, newest: Double)
        /// Ring the consumer after `delay` seconds (an empty batch), then decide again.
        case tick(after: Double)
    }

    public var minimumGap: Double
    public var maximumGap: Double
    /// When the zone was last republished from DHCP.
    public private(set) var last = 0.0
    /// Stored changes not yet published: how many events, and when the newest was seen.
    public private(set) var unpublished = 0
    public private(set) var newest = 0.0
    /// A tick is already on its way.
    public private(set) var tickPending = false

    public init(minimumGap: Double = 0, maximumGap: Double = 0.05) {
        self.minimumGap = minimumGap
        self.maximumGap = maximumGap
    }

    /// The shortest gap between two republishes while leases stream in: twice the last rebuild
    /// (so rebuilding takes at most a third of a core), within the bounds.
    public func gap(lastRebuild: Double) -> Double {
        max(minimumGap, min(maximumGap, 2 * lastRebuild))
    }

    /// `events` changes were stored, the newest seen at `newest`.
    public mutating func stored(events: Int, newest: Double) {
        unpublished += events
        self.newest = max(self.newest, newest)
    }

    /// The tick asked for earlier rang.
    public mutating func tickRang() {
        tickPending = false
    }

    /// What to do at `now`, with `queued` events still waiting and the last rebuild's duration.
    public mutating func decide(now: Double, queued: Int, lastRebuild: Double) -> Action {
        guard unpublished > 0 else { return .none }
        if queued > 0 && now - last < 0.1 { return .none }
        let gap = gap(lastRebuild: lastRebuild)
        if now - last < gap {
            guard !tickPending else { return .none }
            tickPending = true
            return .tick(after: max(0.001, last + gap - now))
        }
        defer {
            last = now
            unpublished = 0
            newest = 0
        }
        return .publish(events: unpublished, newest: newest)
    }
}
