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
