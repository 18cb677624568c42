/// A list of address prefixes: who may use the forwarder (lannamed is never an open resolver),
/// who may transfer the zones.
public struct AccessList: Sendable, Hashable {
    public var prefixes: [AddressPrefix]

    public init(_ prefixes: [AddressPrefix]) {
        self.prefixes = prefixes
    }

    public static let loopback = [
        AddressPrefix(address: IPAddress("127.0.0.0")!, length: 8),
        AddressPrefix(address: IPAddress("::1")!, length: 128),
    ]

    public func allows(_ address: IPAddress) -> Bool {
        prefixes.contains { $0.contains(address) }
    }
}
