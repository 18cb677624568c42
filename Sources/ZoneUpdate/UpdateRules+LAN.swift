import DNSWire
import LANZone

extension UpdateRules {
    /// An UPDATE's changes to the LAN zone as what each name touched holds afterwards: its
    /// addresses (when A or AAAA changed) and its DHCID records (when they changed). Names are
    /// relative to the zone, as the store keeps them (`@` for the apex).
    public static func hostUpdates(_ changes: Changes, zone: some UpdatableZone) -> [HostUpdate] {
        var names: [DomainName] = []
        for record in changes.removed + changes.added where !names.contains(record.name) { names.append(record.name) }
        return names.map { name in
            let touched = Set((changes.removed + changes.added).filter { $0.name == name }.map(\.type))
            let after = zone.records(at: name).filter { !changes.removed.contains($0) } + changes.added.filter { $0.name == name }
            var update = HostUpdate(name: relative(name, in: zone.apex))
            if touched.contains(.a) || touched.contains(.aaaa) {
                var addresses: [IPAddress] = []
                for record in after {
                    switch record.data {
                    case .a(let v4): addresses.append(.v4(v4))
                    case .aaaa(let v6): addresses.append(.v6(v6))
                    default: break
                    }
                }
                update.addresses = addresses
            }
            if touched.contains(.dhcid) {
                update.dhcid = after.compactMap { record in
                    if case .unknown(let type, let bytes) = record.data, type == .dhcid { return bytes }
                    return nil
                }
            }
            return update
        }
    }

    /// `name` relative to `apex` in presentation form, `@` for the apex itself.
    static func relative(_ name: DomainName, in apex: DomainName) -> String {
        let labels = name.labels(relativeTo: apex) ?? []
        return labels.isEmpty ? "@" : labels.map(DomainName.escape).joined(separator: ".")
    }
}
