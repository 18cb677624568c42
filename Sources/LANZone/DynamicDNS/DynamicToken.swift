import DNSWire

/// An update credential as listings show it: never its secret.
public struct DynamicToken: Sendable, Hashable {
    /// Public id (8 hex digits), shown in listings and used to revoke.
    public var id: String
    public var account: String
    /// Hosts it may update; empty = every host of the account.
    public var hosts: [DomainName]
    /// Source addresses it may be used from; empty = any.
    public var subnets: [AddressPrefix]
    public var expires: Double?
    public var created: Double
    public var revoked: Double?
    public var lastUsed: Double?
    /// For RFC 2136 tokens: the TSIG key's name and algorithm (`hmac-sha256`).
    public var tsigName: DomainName?
    public var tsigAlgorithm: String?

    public init(id: String, account: String, hosts: [DomainName] = [], subnets: [AddressPrefix] = [],
                expires: Double? = nil, created: Double, revoked: Double? = nil, lastUsed: Double? = nil,
                tsigName: DomainName? = nil, tsigAlgorithm: String? = nil) {
        self.id = id
        self.account = account
        self.hosts = hosts
        self.subnets = subnets
        self.expires = expires
        self.created = created
        self.revoked = revoked
        self.lastUsed = lastUsed
        self.tsigName = tsigName
        self.tsigAlgorithm = tsigAlgorithm
    }

    /// Usable at `now`: not revoked, not expired.
    public func isUsable(at now: Double) -> Bool { revoked == nil && (expires.map { $0 > now } ?? true) }
}
