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
    /// The account's hosts the request concerns (see `DynDNSBackend.credential`), with what
    /// they hold now.
    public var hosts: [DynDNSHost]
    /// The rate state stored under the token's key (`AbuseLimiter.tokenKey`), nil when none is:
    /// read with the credential, in the same trip to the store.
    public var tokenState: RateState?

    public init(
        tokenID: String, account: String, status: AccountStatus = .active, allowedHosts: [DomainName] = [],
        allowedSources: [AddressPrefix] = [], minimumInterval: Double = 0, hosts: [DynDNSHost], tokenState: RateState? = nil
    ) {
        self.tokenState = tokenState
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
