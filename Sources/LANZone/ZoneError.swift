/// The errors of LANZone: each says what was wrong in one sentence.
public enum ZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidName(String, String)
    case outsideZone(String, String)
    case invalidAddress(String)
    case noAddresses(String)
    case notFound(String)
    case hostsFile(line: Int, String)
    case store(String)
    /// A zone received by transfer, or a change to one, that cannot be used.
    case transfer(String)
    /// Transferred zone data that cannot be served (zone apex, or "." when none is known; why).
    case invalidZone(String, String)
    /// An IXFR difference that does not start at the serial the zone is at (zone, the zone's
    /// serial, the difference's `from`): the secondary should fall back to AXFR.
    case serialMismatch(String, current: UInt32, from: UInt32)

    public var description: String {
        switch self {
        case .invalidName(let name, let why): "\"\(name)\" is not a valid DNS name: \(why)"
        case .outsideZone(let name, let zone): "\"\(name)\" is outside the zone \(zone)"
        case .invalidAddress(let text): "\"\(text)\" is not an IPv4 or IPv6 address"
        case .noAddresses(let name): "\"\(name)\" needs at least one address"
        case .notFound(let name): "no host named \"\(name)\""
        case .hostsFile(let line, let why): "line \(line): \(why)"
        case .store(let why): "database error: \(why)"
        case .transfer(let why): "zone transfer: \(why)"
        case .invalidZone(let zone, let why): "zone \(zone): \(why)"
        case .serialMismatch(let zone, let current, let from):
            "zone \(zone): the difference starts at serial \(from), the zone is at serial \(current)"
        }
    }
}
