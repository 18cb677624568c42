import DNSWire

/// A TSIG key that may send UPDATEs, as stored: its secret (kept readable, since HMAC needs it;
/// the database file is the daemon's alone), its zone, and what it may change there.
public struct StoredUpdateKey: Sendable, Hashable {
    public var name: DomainName
    /// `hmac-sha256`, `hmac-sha384`, `hmac-sha512`.
    public var algorithm: String
    public var secret: [UInt8]
    public var zone: DomainName
    /// Names it may change: `zone`, `name:FQDN` or `subtree:FQDN`.
    public var grants: [String]
    /// Record types it may change; empty = any a hosted zone keeps.
    public var types: [String]
    public var created: Double

    public init(name: DomainName, algorithm: String, secret: [UInt8], zone: DomainName, grants: [String], types: [String],
                created: Double) {
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
        self.zone = zone
        self.grants = grants
        self.types = types
        self.created = created
    }
}
