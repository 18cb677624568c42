import DNSWire

/// What an account may have: how many hosts, how often its routers may update, in which zones.
public struct DynamicPlan: Sendable, Hashable {
    public var name: String
    public var maxHosts: Int
    /// The shortest time between two updates of one host that is accepted, in seconds.
    public var minInterval: Double
    /// The zones offered; empty = every hosted zone.
    public var zones: [DomainName]

    public init(name: String, maxHosts: Int, minInterval: Double = 60, zones: [DomainName] = []) {
        self.name = name
        self.maxHosts = maxHosts
        self.minInterval = minInterval
        self.zones = zones
    }
}
