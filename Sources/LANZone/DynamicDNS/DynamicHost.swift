import DNSWire

/// A customer's host and the addresses its router last sent. A host starts with none.
public struct DynamicHost: Sendable, Hashable {
    /// Lower-cased.
    public var fqdn: DomainName
    /// The hosted zone it lies in.
    public var zone: DomainName
    public var account: String
    /// Whether `*.fqdn` answers with the host's addresses too.
    public var wildcard: Bool
    /// Sorted, no duplicates.
    public var addresses: [IPAddress]
    public var created: Double
    /// The last accepted update (changed or not); nil before the first.
    public var updated: Double?

    public init(fqdn: DomainName, zone: DomainName, account: String, wildcard: Bool = false,
                addresses: [IPAddress] = [], created: Double, updated: Double? = nil) {
        self.fqdn = fqdn
        self.zone = zone
        self.account = account
        self.wildcard = wildcard
        self.addresses = addresses
        self.created = created
        self.updated = updated
    }
}
