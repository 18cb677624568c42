import DNSWire

/// What an administrator may add to a hosted zone by hand: the record types a public zone of
/// this kind needs, and no record that makes the zone invalid (RFC 1034 sec. 3.6.2: a CNAME is
/// alone at its name and never at the apex).
public enum HostedRecordRules {
    public static let types: Set<RecordType> = [.a, .aaaa, .ns, .cname, .mx, .txt, .srv, .caa, .ptr]

    /// Why `record` cannot join `existing` (the records already at its name), or nil.
    public static func problem(adding record: ResourceRecord, existing: [ResourceRecord], apex: DomainName) -> String? {
        guard record.name.isSubdomain(of: apex) else { return "\(record.name) is outside the zone \(apex)" }
        guard types.contains(record.type) else {
            return "\(record.type) records cannot be added (\(types.map(\.description).sorted().joined(separator: ", ")))"
        }
        let others = existing.filter { $0.name == record.name && $0.data != record.data }
        if record.type == .cname {
            if record.name == apex { return "a CNAME cannot be at the zone's apex (it holds the SOA and NS)" }
            if let other = others.first { return "\(record.name) already has \(other.type) data; a CNAME must be alone at its name" }
        } else if others.contains(where: { $0.type == .cname }) {
            return "\(record.name) is a CNAME; other data cannot be at the same name"
        }
        if record.type == .ns, record.name == apex {
            return "the apex NS records come from the zone's config (ns = [...])"
        }
        return nil
    }
}
