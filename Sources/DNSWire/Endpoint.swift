/// An address and a port to listen on or to send to: `0.0.0.0:53`, `[::]:53`, `127.0.0.1:5353`.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int

    public init(address: IPAddress, port: Int) {
        self.address = address
        self.port = port
    }

    /// `ADDR:PORT`, `[IPv6]:PORT` or a bare address (`defaultPort`), as `AddressAndPort` reads it.
    public init(parsing text: some StringProtocol, defaultPort: Int = 53) throws(AddressAndPort.Problem) {
        (address, port) = try AddressAndPort.parse(text, defaultPort: defaultPort)
    }

    public var description: String {
        switch address {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }

    /// `0.0.0.0` or `::`: every address of the machine.
    public var isWildcard: Bool { address.bytes.allSatisfy { $0 == 0 } }
}
