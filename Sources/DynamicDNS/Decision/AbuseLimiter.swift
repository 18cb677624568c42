import DNSWire

/// The rules that keep a token or a source from hammering the service, as pure functions of a
/// `RateState` and `now`. Keys: `token:ID` for a token, `src:ADDR/32` or `src:PREFIX/64` for a source.
///
/// - Failures: every `badauth` caused by an unknown secret counts against the source (an IPv4
///   address, or the /64 of an IPv6 one) in a fixed window of `failureWindow` seconds; the
///   `failureLimit`-th failure blocks the source for `failureBlock` seconds, during which its
///   requests get `abuse` without their secret being looked up.
/// - Requests: every authenticated request counts against its token in a fixed window of
///   `requestWindow`; more than `requestLimit` blocks the token.
/// - Changes: changing a host less than the plan's minimum interval after its last change blocks
///   the token (nothing changes).
/// - A token block lasts `max(minimum interval, minimumBlock)` seconds; while blocked, every
///   request with that token gets `abuse`.
public struct AbuseLimiter: Sendable, Hashable {
    public var failureLimit: Int
    public var failureWindow: Double
    public var failureBlock: Double
    public var requestLimit: Int
    public var requestWindow: Double
    public var minimumBlock: Double

    public init(
        failureLimit: Int = 5, failureWindow: Double = 300, failureBlock: Double = 900,
        requestLimit: Int = 30, requestWindow: Double = 60, minimumBlock: Double = 60
    ) {
        self.failureLimit = failureLimit
        self.failureWindow = failureWindow
        self.failureBlock = failureBlock
        self.requestLimit = requestLimit
        self.requestWindow = requestWindow
        self.minimumBlock = minimumBlock
    }

    public static func tokenKey(_ tokenID: String) -> String { "token:" + tokenID }

    /// One key per IPv4 address and per IPv6 /64 (one subscriber's network).
    public static func sourceKey(_ address: IPAddress) -> String {
        switch ClientAddress.normalised(address) {
        case .v4(let v4): "src:\(v4)/32"
        case .v6(let v6): "src:\(IPv6Address(high: v6.high, low: 0))/64"
        }
    }

    /// Seconds left of a block, nil if `state` does not block at `now`.
    public func blockRemaining(_ state: RateState?, now: Double) -> Int? {
        guard let state, state.blockedUntil > now else { return nil }
        return Int((state.blockedUntil - now).rounded(.up))
    }

    /// The state after one more failed authentication from a source.
    public func recordingFailure(_ state: RateState?, now: Double) -> RateState {
        var next = counted(state, now: now, window: failureWindow)
        if next.count >= failureLimit {
            next.blockedUntil = max(next.blockedUntil, now + failureBlock)
        }
        return next
    }

    /// The state after one more request with a token; `blocked` when it went over the limit.
    public func recordingRequest(_ state: RateState?, now: Double, minimumInterval: Double) -> (state: RateState, blocked: Bool) {
        var next = counted(state, now: now, window: requestWindow)
        guard next.count > requestLimit else { return (next, false) }
        next = blocking(next, now: now, minimumInterval: minimumInterval)
        return (next, true)
    }

    /// The state blocked for `max(minimumInterval, minimumBlock)` from `now`.
    public func blocking(_ state: RateState?, now: Double, minimumInterval: Double) -> RateState {
        var next = state ?? RateState(windowStart: now, count: 0)
        next.blockedUntil = max(next.blockedUntil, now + max(minimumInterval, minimumBlock))
        return next
    }

    /// True once a state neither blocks nor counts anything at `now`: the caller may forget it.
    public func isExpired(_ state: RateState, now: Double) -> Bool {
        state.blockedUntil <= now && now - state.windowStart >= max(failureWindow, requestWindow)
    }

    private func counted(_ state: RateState?, now: Double, window: Double) -> RateState {
        guard var next = state, now >= next.windowStart, now - next.windowStart < window else {
            return RateState(windowStart: now, count: 1, blockedUntil: state?.blockedUntil ?? 0)
        }
        next.count += 1
        return next
    }
}
