import DNSWire
import LANZone

/// A reverse zone of the LAN zone as an UPDATE sees it: the PTRs the snapshot derives from the
/// hosts' addresses. DHCP servers send their PTR changes here after the forward ones; they are
/// checked (prerequisites, form) and answered, never stored: the PTR always follows the A/AAAA.
public struct ReverseZoneView: UpdatableZone {
    public let apex: DomainName
    let snapshot: ZoneSnapshot

    public init(apex: DomainName, snapshot: ZoneSnapshot) {
        self.apex = apex
        self.snapshot = snapshot
    }

    public var addableTypes: Set<RecordType> { [.ptr, .dhcid] }

    public func records(at name: DomainName) -> [ResourceRecord] {
        guard name.isSubdomain(of: apex),
              case .answer(let found, _) = snapshot.answer(Question(name: name, type: .ptr)) else { return [] }
        return found.filter { $0.type == .ptr && $0.name == name }
    }

    /// Whether `zone` is a reverse zone (at or below `in-addr.arpa.` or `ip6.arpa.`).
    public static func isReverse(_ zone: DomainName) -> Bool {
        zone.isSubdomain(of: "in-addr.arpa.") || zone.isSubdomain(of: "ip6.arpa.")
    }
}
