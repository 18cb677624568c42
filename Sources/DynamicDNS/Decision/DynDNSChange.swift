import DNSWire

/// A host's complete new address sets (both families, sorted), for a host that changes.
public struct DynDNSChange: Sendable, Hashable {
    public var name: DomainName
    public var ipv4: [IPv4Address]
    public var ipv6: [IPv6Address]

    public init(name: DomainName, ipv4: [IPv4Address], ipv6: [IPv6Address]) {
        self.name = name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}
