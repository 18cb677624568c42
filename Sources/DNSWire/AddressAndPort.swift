/// Text of the form `ADDR`, `ADDR:PORT`, `IPv6`, `[IPv6]` or `[IPv6]:PORT`, as listen addresses
/// and upstreams are written. Bare IPv6 takes the default port (its colons are the address's).
public enum AddressAndPort {
    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        case unclosedBracket
        case badPort
        case badAddress(String)
        case portOutOfRange(Int)

        public var description: String {
            switch self {
            case .unclosedBracket: "has an opening [ without a closing ]"
            case .badPort: "has a port that is not a number"
            case .badAddress(let host): "is not ADDRESS[:PORT] with an IPv4 or [IPv6] address (\"\(host)\" is not one)"
            case .portOutOfRange(let port): "port \(port) is not between 0 and 65535"
            }
        }
    }

    public static func parse(_ text: some StringProtocol, defaultPort: Int) throws(Problem) -> (address: IPAddress, port: Int) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .unclosedBracket }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else { throw .badPort }
                port = value
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { throw .badPort }
            host = host[..<colon]
            port = value
        }
        guard let address = IPAddress(host) else { throw .badAddress(String(host)) }
        guard (0...65535).contains(port) else { throw .portOutOfRange(port) }
        return (address, port)
    }
}
