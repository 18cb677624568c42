/// A rate-limit counter, small enough to keep in SQLite so a restart does not reset it.
public struct RateState: Sendable, Hashable, Codable {
    /// Start of the current counting window (seconds, the caller's clock).
    public var windowStart: Double
    /// Events counted in that window.
    public var count: Int
    /// Until when everything under this key is refused; 0 = not blocked.
    public var blockedUntil: Double

    public init(windowStart: Double, count: Int, blockedUntil: Double = 0) {
        self.windowStart = windowStart
        self.count = count
        self.blockedUntil = blockedUntil
    }
}
