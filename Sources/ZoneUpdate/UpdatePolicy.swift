import DNSWire

/// What one TSIG key may change (as BIND's update-policy grants): names in one zone (the whole
/// zone, exact names, or names at and below a name) and record types.
public struct UpdatePolicy: Sendable, Hashable {
    public enum Names: Sendable, Hashable, CustomStringConvertible {
        /// Any name in the zone.
        case zone
        /// Exactly this name.
        case name(DomainName)
        /// This name and every name below it.
        case subtree(DomainName)

        func matches(_ owner: DomainName) -> Bool {
            switch self {
            case .zone: true
            case .name(let name): owner == name
            case .subtree(let name): owner.isSubdomain(of: name)
            }
        }

        public var description: String {
            switch self {
            case .zone: "zone"
            case .name(let name): "name \(name)"
            case .subtree(let name): "subtree \(name)"
            }
        }
    }

    public var zone: DomainName
    public var names: [Names]
    /// Empty = every type that can be added to a hosted zone.
    public var types: Set<RecordType>

    public init(zone: DomainName, names: [Names] = [.zone], types: Set<RecordType> = []) {
        self.zone = zone
        self.names = names
        self.types = types
    }

    /// Whether the key may change `type` records at `name`. The apex's SOA and NS are never the
    /// key's (the config owns them); an ANY deletion needs a key for every type.
    public func allows(_ name: DomainName, _ type: RecordType) -> Bool {
        guard name.isSubdomain(of: zone), names.contains(where: { $0.matches(name) }) else { return false }
        if type == .any { return types.isEmpty }
        if type == .soa || (type == .ns && name == zone) { return false }
        return types.isEmpty || types.contains(type)
    }
}
