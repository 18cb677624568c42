import DNSWire

/// What the caller found for a request's secret: the token, its account and the account's hosts.
public struct DynDNSCredential: Sendable, Hashable {
    public enum AccountStatus: Sendable, Hashable {
        case active
        case suspended
        case expired
    }

    /// The token's stable id (the rate-limit key `token:ID`), never the secret.
    public var tokenID: String
    public var account: String
    public var status: AccountStatus
    /// Hosts this token may update; empty = every host of the account.
    public var allowedHosts: [DomainName]
    /// Source subnets this token may be used from; empty = anywhere.
    public var allowedSources: [AddressPrefix]
    /// The account plan's shortest time between two changes of one host, in seconds.
    public var minimumInterval: Double
    /// Every host of the account, with what it holds now.
    public var hosts: [DynDNSHost]

    public init(
        tokenID: String, account: String, status: AccountStatus = .active, allowedHosts: [DomainName] = [],
        allowedSources: [AddressPrefix] = [], minimumInterval: Double = 0, hosts: [DynDNSHost]
    ) {
        self.tokenID = tokenID
        self.account = account
        self.status = status
        self.allowedHosts = allowedHosts
        self.allowedSources = allowedSources
        self.minimumInterval = minimumInterval
        self.hosts = hosts
    }

    /// The hosts this token may update.
    public var updatableHosts: [DynDNSHost] {
        allowedHosts.isEmpty ? hosts : hosts.filter { allowedHosts.contains($0.name) }
    }
}

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
