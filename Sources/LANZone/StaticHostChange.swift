import DNSWire

/// What setting a static host did, as `hosts add`, the console and the API report it.
public struct StaticHostChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added, updated, unchanged
    }

    public var kind: Kind
    /// The host as stored (zone-relative name) and its full name.
    public var name: String
    public var fqdn: String
    public var addresses: [IPAddress]
}

extension HostStore {
    /// Adds the static host `name` (relative to `origin`, or ending in it) with `addresses`, or
    /// sets the addresses of an existing host: the one rule behind `hosts add`, the console's
    /// form and `POST /api/v1/hosts`.
    public func setStaticHost(_ name: String, addresses texts: [String], origin: DomainName,
                              now: Double? = nil) throws(ZoneError) -> StaticHostChange {
        let relative = try StaticName.relative(name, in: origin)
        var addresses: [IPAddress] = []
        for text in texts {
            guard let address = IPAddress(text.trimmingSpaces) else { throw ZoneError.invalidAddress(text) }
            if !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { throw ZoneError.noAddresses(name) }
        let existed = try host(named: relative) != nil
        let changed = try upsert(HostRecord(name: relative, addresses: addresses, source: .static), now: now)
        let fqdn = (try? DomainName(parsing: relative, origin: origin))?.description ?? relative
        return StaticHostChange(kind: !changed ? .unchanged : existed ? .updated : .added, name: relative, fqdn: fqdn,
                                addresses: addresses)
    }
}
