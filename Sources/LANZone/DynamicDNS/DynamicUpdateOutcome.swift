import DNSWire

/// What an update did, host by host: `good` hosts changed an address, `nochg` hosts had them.
public struct DynamicUpdateOutcome: Sendable, Hashable {
    public var changed: [DomainName]
    public var unchanged: [DomainName]

    public init(changed: [DomainName] = [], unchanged: [DomainName] = []) {
        self.changed = changed
        self.unchanged = unchanged
    }
}
