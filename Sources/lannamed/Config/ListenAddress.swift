import DNSWire

/// An `ADDR:PORT` to listen on or to send to: `0.0.0.0:53`, `[::]:53`, `127.0.0.1:5353`, or a
/// bare address (port 53).
struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    var address: IPAddress
    var port: Int

    init(address: IPAddress, port: Int) {
        self.address = address
        self.port = port
    }

    init(parsing text: String, defaultPort: Int = 53) throws(ConfigError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var host = trimmed
        var port = defaultPort
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw ConfigError.invalidValue("\"\(text)\" has an opening [ without a closing ]")
            }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else {
                    throw ConfigError.invalidValue("\"\(text)\" should be [IPv6]:PORT")
                }
                port = value
            }
        } else if trimmed.filter({ $0 == ":" }).count == 1, let colon = trimmed.firstIndex(of: ":") {
            host = String(trimmed[..<colon])
            guard let value = Int(trimmed[trimmed.index(after: colon)...]) else {
                throw ConfigError.invalidValue("\"\(text)\" has a port that is not a number")
            }
            port = value
        }
        guard let address = IPAddress(host) else {
            throw ConfigError.invalidValue("\"\(text)\" is not ADDRESS[:PORT] with an IPv4 or [IPv6] address")
        }
        guard (0...65535).contains(port) else {
            throw ConfigError.invalidValue("port \(port) in \"\(text)\" is not between 0 and 65535")
        }
        self.address = address
        self.port = port
    }

    /// Parses a list, naming the option in the error.
    static func parse(_ texts: [String], what: String) throws(ConfigError) -> [Endpoint] {
        var out: [Endpoint] = []
        for text in texts {
            do { out.append(try Endpoint(parsing: text)) } catch { throw ConfigError(message: "\(what): \(error.message)") }
        }
        return out
    }

    var description: String {
        switch address {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }

    var isWildcard: Bool { address.bytes.allSatisfy { $0 == 0 } }
}

import Foundation
