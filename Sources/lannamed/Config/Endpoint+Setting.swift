import DNSWire
import Foundation

/// Endpoints as the command line and the config file write them, with errors that name the option.
extension Endpoint {
    /// `ADDR:PORT`, `[IPv6]:PORT` or a bare address (port 53), surrounding spaces ignored.
    init(setting text: String, defaultPort: Int = 53) throws(ConfigError) {
        do {
            try self.init(parsing: text.trimmingCharacters(in: .whitespaces), defaultPort: defaultPort)
        } catch {
            throw ConfigError.invalidValue("\"\(text)\" \(error.description)")
        }
    }

    /// An address to send to (a secondary, a primary): as `init(setting:)`, but port 0 is refused.
    init(destination text: String) throws(ConfigError) {
        try self.init(setting: text)
        guard port != 0 else { throw ConfigError.invalidValue("\"\(text)\": port 0 is not a port to send to") }
    }

    /// Parses a list, naming the option in the error; `destinations` refuses port 0 as well.
    static func parse(_ texts: [String], what: String, destinations: Bool = false) throws(ConfigError) -> [Endpoint] {
        var out: [Endpoint] = []
        for text in texts {
            do {
                out.append(destinations ? try Endpoint(destination: text) : try Endpoint(setting: text))
            } catch {
                throw ConfigError(message: "\(what): \(error.message)")
            }
        }
        return out
    }
}
