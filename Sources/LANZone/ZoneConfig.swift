import DNSWire

/// What the zone needs to know that is not host data: its name, the server's own name and
/// addresses (for the apex NS), and the timers of its SOA.
public struct ZoneConfig: Sendable, Hashable {
    /// The zone apex, `lan.` by default (`home.arpa.` per RFC 8375 is a good alternative).
    public var origin: DomainName
    /// The server's own name in the zone, `ns.<origin>` by default.
    public var serverName: DomainName
    /// Addresses published for `serverName` (glue for the apex NS).
    public var serverAddresses: [IPAddress]
    /// TTL of host records.
    public var hostTTL: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// SOA MINIMUM: the negative-caching TTL (RFC 2308).
    public var negativeTTL: UInt32

    public init(origin: DomainName = "lan.", serverName: DomainName? = nil, serverAddresses: [IPAddress] = [],
                hostTTL: UInt32 = 60, refresh: UInt32 = 3600, retry: UInt32 = 600, expire: UInt32 = 604_800,
                negativeTTL: UInt32 = 60) {
        self.origin = origin
        self.serverName = serverName ?? (try? origin.prepending(Array("ns".utf8))) ?? origin
        self.serverAddresses = serverAddresses
        self.hostTTL = hostTTL
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.negativeTTL = negativeTTL
    }

    /// `hostmaster.<origin>` as the SOA RNAME.
    public var responsibleName: DomainName {
        (try? origin.prepending(Array("hostmaster".utf8))) ?? origin
    }
}
