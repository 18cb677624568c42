import DNSWire

/// The hosted zones as the query path sees them: each zone built whole (`TransferredZone`, any
/// record type, wildcards, CNAME chains, delegations) from its config, the records added at the
/// command line or by UPDATE, and the customers' names.
public final class HostedZones: Sendable {
    public let zones: [DomainName: TransferredZone]
    let depths: [Int]
    /// Records left out of a zone, each with why (reported once per build).
    public let skipped: [String]

    public init(zones: [TransferredZone], skipped: [String] = []) {
        self.zones = Dictionary(zones.map { ($0.apex, $0) }, uniquingKeysWith: { $1 })
        depths = Array(Set(zones.map(\.apex.labelCount))).sorted(by: >)
        self.skipped = skipped
    }

    /// Builds every zone of `configs` at `serial`. `records` are the stored and dynamic records
    /// by zone apex. A record that does not fit its zone (outside it, an SOA, a meta type) is
    /// left out and named in `skipped`; the zone is served without it.
    public static func build(_ configs: [HostedZoneConfig], serial: UInt32,
                             records: [DomainName: [ResourceRecord]]) -> HostedZones {
        var zones: [TransferredZone] = []
        var skipped: [String] = []
        for config in configs {
            var owners: [DomainName: [ResourceRecord]] = [:]
            let base = config.baseRecords(serial: serial)
            let extra = records[config.apex] ?? []
            owners.reserveCapacity(base.count + extra.count)
            for (index, record) in (base + extra).enumerated() {
                if index > 0, record.type == .soa {
                    skipped.append("\(config.apex): an SOA record besides the zone's own is left out")
                    continue
                }
                do throws(ZoneError) {
                    try TransferredZone.check(record, apex: config.apex)
                } catch {
                    skipped.append("\(config.apex): \(RecordText.format(record)) is left out: \(error)")
                    continue
                }
                TransferredZone.insert(record, into: &owners)
            }
            do {
                zones.append(try TransferredZone(apex: config.apex, owners: owners))
            } catch {
                skipped.append("\(config.apex): \(error)")
            }
        }
        return HostedZones(zones: zones, skipped: skipped)
    }

    public var apexes: [DomainName] { zones.keys.sorted() }

    /// The deepest hosted zone that holds `name`.
    func enclosing(_ name: DomainName) -> TransferredZone? {
        DeepestApex.lookup(name, in: zones, depths: depths)
    }

    /// A copy whose zones carry these SOA serials.
    func withSerials(_ serials: [DomainName: UInt32]) -> HostedZones {
        var changed = false
        var out: [TransferredZone] = []
        for zone in zones.values {
            if let serial = serials[zone.apex], serial != zone.serial {
                out.append(zone.withSerial(serial))
                changed = true
            } else {
                out.append(zone)
            }
        }
        return changed ? HostedZones(zones: out, skipped: skipped) : self
    }
}

extension HostedZones {
    /// These zones with one of them patched (`TransferredZone.patched`); nil when the patch
    /// needs a full build.
    public func patching(_ apex: DomainName, with change: ZoneChange, serial: UInt32? = nil) -> HostedZones? {
        guard let zone = zones[apex], let patched = zone.patched(change, serial: serial) else { return nil }
        var all = Array(zones.values.filter { $0.apex != apex })
        all.append(patched)
        return HostedZones(zones: all, skipped: skipped)
    }
}

extension ZoneSnapshot {
    /// This snapshot with hosted zones replaced and the store state they belong to: an update
    /// applied without rebuilding what did not change.
    public func withHosted(_ hosted: HostedZones, state: ZoneState) -> ZoneSnapshot {
        ZoneSnapshot(self, zones: zones, secondaries: secondaries, hosted: hosted, state: state)
    }
}
