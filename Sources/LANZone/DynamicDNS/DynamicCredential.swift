import DNSWire

/// What the update server needs to decide a request, found by its token: the account's state,
/// the plan's pace, the token's scope and every host of the account as it is now.
public struct DynamicCredential: Sendable, Hashable {
    public var token: DynamicToken
    public var account: DynamicAccount
    /// The plan's shortest time between two updates of a host, in seconds.
    public var minInterval: Double
    /// Every host of the account (within the token's scope or not), with addresses and last update.
    public var hosts: [DynamicHost]
    /// For RFC 2136 tokens, the key to verify the request's TSIG with.
    public var tsig: DynamicTSIGKey?
    /// Whether the account is expired at the time the credential was read.
    public var accountExpired: Bool

    public init(token: DynamicToken, account: DynamicAccount, minInterval: Double, hosts: [DynamicHost],
                tsig: DynamicTSIGKey? = nil, accountExpired: Bool) {
        self.token = token
        self.account = account
        self.minInterval = minInterval
        self.hosts = hosts
        self.tsig = tsig
        self.accountExpired = accountExpired
    }

    /// The account's host `name` when the token may update it, else nil.
    public func host(_ name: DomainName) -> DynamicHost? {
        guard token.hosts.isEmpty || token.hosts.contains(name) else { return nil }
        return hosts.first { $0.fqdn == name }
    }

    /// Whether a request from `source` may use the token.
    public func permits(source: IPAddress) -> Bool {
        token.subnets.isEmpty || token.subnets.contains { $0.contains(source) }
    }
}
