import DNSWire

/// One host of an account as it is now.
public struct DynDNSHost: Sendable, Hashable {
    public var name: DomainName
    public var ipv4: [IPv4Address]
    public var ipv6: [IPv6Address]
    /// When its addresses last changed (seconds, the caller's clock), nil if never.
    public var lastUpdate: Double?

    public init(name: DomainName, ipv4: [IPv4Address] = [], ipv6: [IPv6Address] = [], lastUpdate: Double? = nil) {
        self.name = name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.lastUpdate = lastUpdate
    }
}
