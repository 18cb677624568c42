import DNSWire
import LANZone

/// How `UpdateService` reads and changes the LAN zone: the DHCID records at a name, and the
/// store that takes each UPDATE's host changes.
public struct LANUpdates: Sendable {
    /// The DHCID records stored at a name of the LAN zone.
    public var dhcid: @Sendable (DomainName) -> [ResourceRecord]
    /// Whether the host of a name was learned by sniffing DHCP (`LANZoneView`).
    public var sniffed: @Sendable (DomainName) -> Bool
    /// Stores the names' new addresses and DHCIDs and publishes the snapshot.
    public var apply: @Sendable ([HostUpdate]) throws -> HostUpdateOutcome

    public init(dhcid: @escaping @Sendable (DomainName) -> [ResourceRecord], sniffed: @escaping @Sendable (DomainName) -> Bool,
                apply: @escaping @Sendable ([HostUpdate]) throws -> HostUpdateOutcome) {
        self.dhcid = dhcid
        self.sniffed = sniffed
        self.apply = apply
    }

    /// The LAN zone `zone` kept in `store`: `protected` names are refused (lower-cased), `now`
    /// dates the changes, `publish` runs after a change DNS answers see (the snapshot rebuild).
    public init(store: HostStore, zone: ZoneConfig, protected: Set<String>, now: @escaping @Sendable () -> Double,
                publish: @escaping @Sendable () throws -> Void) {
        self.init(
            dhcid: { name in
                guard name.isSubdomain(of: zone.origin),
                      let stored = try? store.dhcidRecords(named: UpdateRules.relative(name, in: zone.origin)) else { return [] }
                return stored.map { ResourceRecord(name: name, ttl: zone.hostTTL, data: .unknown(.dhcid, $0)) }
            },
            sniffed: { name in
                guard name.isSubdomain(of: zone.origin), name != zone.origin else { return false }
                return (try? store.host(named: UpdateRules.relative(name, in: zone.origin)))?.source == .dhcp
            },
            apply: { updates in
                let outcome = try store.applyHostUpdates(updates, protected: protected, now: now())
                if case .applied(visible: true) = outcome { try publish() }
                return outcome
            })
    }
}
