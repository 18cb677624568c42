/// What lannamed knows of one upstream: a smoothed round-trip time (RFC 6298 style) that sets
/// how long to wait before asking the next upstream too, and an up/down state. A value type:
/// callers pass the time in.
public struct UpstreamHealth: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case up
        /// Marked down after `failureThreshold` failures in a row; probed in the background.
        case down(since: Double)
    }

    public private(set) var state: State = .up
    /// Smoothed RTT and its variation, in seconds.
    public private(set) var srtt: Double?
    public private(set) var rttvar: Double = 0
    public private(set) var consecutiveFailures = 0
    public private(set) var answers = 0
    public private(set) var failures = 0
    public private(set) var lastAnswer: Double?

    public var failureThreshold = 3
    /// Bounds of the hedging deadline.
    public var minimumDeadline = 0.05
    public var maximumDeadline = 1.0

    public init() {}

    public var isUp: Bool { state == .up }

    /// How long to wait for this upstream before asking the next one as well.
    public var deadline: Double {
        guard let srtt else { return 0.25 }
        return min(max(srtt + 4 * rttvar, minimumDeadline), maximumDeadline)
    }

    public mutating func recordAnswer(rtt: Double, at now: Double) {
        answers += 1
        consecutiveFailures = 0
        lastAnswer = now
        state = .up
        if let previous = srtt {
            rttvar = 0.75 * rttvar + 0.25 * abs(previous - rtt)
            srtt = 0.875 * previous + 0.125 * rtt
        } else {
            srtt = rtt
            rttvar = rtt / 2
        }
    }

    /// A timeout, a refused connection, SERVFAIL or REFUSED.
    public mutating func recordFailure(at now: Double) {
        failures += 1
        consecutiveFailures += 1
        if consecutiveFailures >= failureThreshold, case .up = state {
            state = .down(since: now)
        }
    }
}
