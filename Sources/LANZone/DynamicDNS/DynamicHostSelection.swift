import DNSWire

/// Which hosts of its account a credential lookup reads. An account may hold 100,000 hosts; an
/// update request concerns a few of them.
public enum DynamicHostSelection: Sendable, Hashable {
    /// Every host of the account (RFC 2136 keys, which may name any of them).
    case all
    /// Only these, those of them the account has (the names an update request gives).
    case named([DomainName])
    /// Enough of the hosts the token may update to tell whether it has exactly one (a request
    /// that names no host updates the token's only host): a scoped token's own hosts, else at
    /// most two of the account's.
    case firstTwo
}
