import DNSWire

/// An upstream resolver: `ADDR[:PORT]` over UDP (TCP for truncated answers), or
/// `tls://ADDR[:853]#server-name` for DNS over TLS (RFC 7858).
public struct Upstream: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int
    /// The name the TLS certificate must carry; nil for plain DNS.
    public var tlsName: String?

    public init(address: IPAddress, port: Int = 53, tlsName: String? = nil) {
        self.address = address
        self.port = port
        self.tlsName = tlsName
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        var rest = Substring(text)
        var tls = false
        if rest.hasPrefix("tls://") {
            tls = true
            rest = rest.dropFirst(6)
        }
        var name: String?
        if let hash = rest.firstIndex(of: "#") {
            name = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
            guard tls, !(name ?? "").isEmpty else {
                throw ParseError(description: "\"\(text)\": a #server-name goes only with tls://")
            }
        }
        let parsed: (address: IPAddress, port: Int)
        do {
            parsed = try AddressAndPort.parse(rest, defaultPort: tls ? 853 : 53)
        } catch {
            throw ParseError(description: "\"\(text)\": \(error.description)")
        }
        guard parsed.port > 0 else { throw ParseError(description: "\"\(text)\": port 0 is not a port to send to") }
        let address = parsed.address, port = parsed.port
        let host = address.description
        if tls && name == nil { name = host }
        self.init(address: address, port: port, tlsName: tls ? name : nil)
    }

    public var description: String {
        let hostPort: String
        switch address {
        case .v4: hostPort = "\(address):\(port)"
        case .v6: hostPort = "[\(address)]:\(port)"
        }
        if let tlsName { return "tls://\(hostPort)#\(tlsName)" }
        return hostPort
    }
}
