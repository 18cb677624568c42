/// A rate limiter's state for one key (an account, a host, a source address: the update server
/// chooses), stored so that a restart does not reset a client's limits.
public struct DynamicRateState: Sendable, Hashable {
    public var key: String
    public var windowStart: Double
    public var count: Int
    /// Refused until then; nil when not blocked.
    public var blockedUntil: Double?

    public init(key: String, windowStart: Double, count: Int, blockedUntil: Double? = nil) {
        self.key = key
        self.windowStart = windowStart
        self.count = count
        self.blockedUntil = blockedUntil
    }
}
