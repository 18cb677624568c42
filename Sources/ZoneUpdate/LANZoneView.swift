import DNSWire
import LANZone

/// The LAN zone as an UPDATE sees it: the hosts' A and AAAA records and the apex SOA and NS from
/// the snapshot, and the DHCID records (RFC 4701) the store keeps for the DHCP servers' conflict
/// resolution (RFC 4703), which the snapshot does not model. Only addresses and DHCIDs may be
/// added: the zone's other data is the server's own.
///
/// The addresses of a host learned by sniffing alone are left out: an UPDATE beats sniffing, and
/// the sniffer usually sees the lease before the DHCP server's UPDATE arrives, so its copy must
/// not make the server's "name not in use" prerequisite fail (the store then makes the two one
/// host).
public struct LANZoneView: UpdatableZone {
    public let apex: DomainName
    let snapshot: ZoneSnapshot
    let dhcid: (DomainName) -> [ResourceRecord]
    let sniffed: (DomainName) -> Bool

    /// `dhcid`: the DHCID records stored at a name of the zone; `sniffed`: whether a name's host
    /// was learned by sniffing DHCP.
    public init(snapshot: ZoneSnapshot, dhcid: @escaping (DomainName) -> [ResourceRecord],
                sniffed: @escaping (DomainName) -> Bool) {
        self.apex = snapshot.config.origin
        self.snapshot = snapshot
        self.dhcid = dhcid
        self.sniffed = sniffed
    }

    public var addableTypes: Set<RecordType> { [.a, .aaaa, .dhcid] }

    public func records(at name: DomainName) -> [ResourceRecord] {
        guard name.isSubdomain(of: apex) else { return [] }
        var types: [RecordType] = name == apex ? [.soa, .ns] : []
        if !sniffed(name) { types += [.a, .aaaa] }
        var records: [ResourceRecord] = []
        for type in types {
            if case .answer(let found, _) = snapshot.answer(Question(name: name, type: type)) {
                records += found.filter { $0.type == type && $0.name == name }
            }
        }
        return records + dhcid(name)
    }
}
