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
        do {
            (address, port) = try AddressAndPort.parse(text.trimmingCharacters(in: .whitespaces), defaultPort: defaultPort)
        } catch {
            throw ConfigError.invalidValue("\"\(text)\" \(error.description)")
        }
    }


    /// An address to send to (a secondary, a primary): as `init(parsing:)`, but port 0 is refused.
    init(destination text: String) throws(ConfigError) {
        try self.init(parsing: text)
        guard port != 0 else { throw ConfigError.invalidValue("\"\(text)\": port 0 is not a port to send to") }
    }

    /// Parses a list of addresses to send to, naming the option in the error.
    static func parseDestinations(_ texts: [String], what: String) throws(ConfigError) -> [Endpoint] {
        var out: [Endpoint] = []
        for text in texts {
            do { out.append(try Endpoint(destination: text)) } catch { throw ConfigError(message: "\(what): \(error.message)") }
        }
        return out
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
