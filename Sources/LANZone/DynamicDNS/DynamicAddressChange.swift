import DNSWire

/// One host's new addresses in an update: they replace all of the host's addresses. Merging
/// with the family a request does not mention is the update server's choice, made before.
public struct DynamicAddressChange: Sendable, Hashable {
    public var host: DomainName
    public var addresses: [IPAddress]

    public init(host: DomainName, addresses: [IPAddress]) {
        self.host = host
        self.addresses = addresses
    }
}
