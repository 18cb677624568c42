import DNSWire

/// Turns a name as an administrator typed it into the zone-relative form the store keeps.
///
/// `printer`, `printer.lan`, `printer.lan.` and `Printer.LAN` (in zone `lan.`) all mean the host
/// `printer` (case is kept as typed). A name with a final dot, or one whose last labels are the
/// zone's, is taken as absolute and must lie in the zone; any other name is relative to it.
public enum StaticName {
    public static func relative(_ text: String, in origin: DomainName) throws(ZoneError) -> String {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw ZoneError.invalidName(text, "the name is empty") }
        if trimmed == "@" { return "@" }
        let absolute: DomainName
        do {
            let asIs = try DomainName(parsing: trimmed.hasSuffix(".") ? trimmed : trimmed + ".", origin: .root)
            if trimmed.hasSuffix(".") || asIs.isSubdomain(of: origin) {
                absolute = asIs
            } else {
                absolute = try DomainName(parsing: trimmed, origin: origin)
            }
        } catch let error as DNSWireError {
            throw ZoneError.invalidName(text, error.reason)
        } catch {
            throw ZoneError.invalidName(text, "\(error)")
        }
        guard let labels = absolute.labels(relativeTo: origin) else {
            throw ZoneError.outsideZone(text, origin.description)
        }
        if labels.isEmpty { return "@" }
        return labels.map(DomainName.escape).joined(separator: ".")
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

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
