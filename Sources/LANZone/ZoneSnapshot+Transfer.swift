import DNSWire

/// The snapshot seen as zones to transfer (RFC 5936): which zones are offered, their records, and
/// what changed between two snapshots (the IXFR journal's entries, RFC 1995).
///
/// The LAN zone and the reverse zones are offered; localhost and the empty special-use zones are
/// answered locally everywhere and never transferred.
extension ZoneSnapshot {
    /// The zones a secondary may transfer, in name order.
    public var transferApexes: [DomainName] {
        (zones.values.filter { Self.offers($0) }.map(\.apex) + (hosted?.apexes ?? [])).sorted()
    }

    public func isTransferable(_ apex: DomainName) -> Bool {
        if hosted?.zones[apex] != nil { return true }
        guard let zone = zones[apex] else { return false }
        return Self.offers(zone)
    }

    /// The LAN zone and the reverse zones, except the loopback ones (every server answers those
    /// itself, RFC 6761 sec. 6.3).
    static func offers(_ zone: LocalZone) -> Bool {
        zone.kind == .lan || (zone.kind == .reverse && !SpecialZones.loopbackReverse.contains(zone.apex))
    }

    /// Whether the zone holds anything besides its SOA and NS (the reverse zones of RFC 6303
    /// without a local address do not): at start, NOTIFY goes out for these only.
    public func hasData(_ apex: DomainName) -> Bool {
        if hosted?.zones[apex] != nil { return true }
        guard let zone = zones[apex], Self.offers(zone) else { return false }
        if zone.kind == .lan { return true }
        guard let prefix = ReversePrefix(apex: apex) else { return false }
        return reverse.hasAddress(under: prefix.address, bits: prefix.bits)
    }

    /// The zone's SOA record (owner = apex), if it is one of ours.
    public func soa(of apex: DomainName) -> ResourceRecord? { hosted?.zones[apex]?.soa ?? zones[apex]?.soa }

    public func serial(of apex: DomainName) -> UInt32? {
        if let zone = hosted?.zones[apex] { return zone.serial }
        guard case .soa(let soa)? = zones[apex]?.soa.data else { return nil }
        return soa.serial
    }

    /// The zone's records for AXFR: the SOA first, then the apex NS, then the data; the closing
    /// SOA is the caller's (RFC 5936 sec. 2.2).
    public func transferRecords(of apex: DomainName) -> [ResourceRecord]? {
        if let zone = hosted?.zones[apex] { return zone.records }
        guard let zone = zones[apex], Self.offers(zone) else { return nil }
        var records = [zone.soa] + zone.ns
        forEachDataRecord(in: zone) { records.append($0) }
        return records
    }

    /// Calls `body` with each record of the zone in AXFR order (SOA, apex NS, data), without
    /// collecting them: a 100,000-host zone streams without a second copy in memory.
    public func forEachTransferRecord(of apex: DomainName, _ body: (ResourceRecord) -> Void) {
        if let zone = hosted?.zones[apex] {
            body(zone.soa)
            zone.forEachDataRecord(body)
            return
        }
        guard let zone = zones[apex], Self.offers(zone) else { return }
        body(zone.soa)
        zone.ns.forEach(body)
        forEachDataRecord(in: zone, body)
    }

    /// Calls `body` with every record of the zone other than its SOA and apex NS.
    func forEachDataRecord(in zone: LocalZone, _ body: (ResourceRecord) -> Void) {
        let ttl = config.hostTTL
        switch zone.kind {
        case .lan:
            for (owner, node) in nodes where owner.isSubdomain(of: zone.apex) && !isBelowOtherZone(owner, than: zone) {
                for a in node.a { body(ResourceRecord(name: owner, ttl: ttl, data: .a(a))) }
                for aaaa in node.aaaa { body(ResourceRecord(name: owner, ttl: ttl, data: .aaaa(aaaa))) }
            }
        case .reverse:
            guard let prefix = ReversePrefix(apex: zone.apex) else { return }
            switch prefix.address {
            case .v4(let base):
                let bits = UInt32(prefix.bits)
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                let low = base.uint32 & mask, high = low | ~mask
                var index = reverse.v4.lowerBound(low)
                while index < reverse.v4.count, reverse.v4.keys[index] <= high {
                    let address = IPAddress.v4(IPv4Address(uint32: reverse.v4.keys[index]))
                    body(ResourceRecord(name: address.reverseName, ttl: ttl, data: .ptr(reverse.v4.values[index])))
                    index += 1
                }
            case .v6(let base):
                let (lh, ll, hh, hl) = ReverseIndex.range6(base, bits: prefix.bits)
                let end = IPv6Address(high: hh, low: hl)
                var index = reverse.v6.lowerBound(IPv6Address(high: lh, low: ll))
                while index < reverse.v6.count, !(end < reverse.v6.keys[index]) {
                    let address = IPAddress.v6(reverse.v6.keys[index])
                    body(ResourceRecord(name: address.reverseName, ttl: ttl, data: .ptr(reverse.v6.values[index])))
                    index += 1
                }
            }
        case .localhost, .empty:
            return
        }
    }

    /// Whether a LAN name lies in a deeper local zone (then it is that zone's, not this one's).
    private func isBelowOtherZone(_ name: DomainName, than zone: LocalZone) -> Bool {
        guard let deepest = Self.enclosingZone(of: name, in: zones, depths: zoneDepths) else { return true }
        return deepest.apex != zone.apex
    }

    /// The reverse zone a primary would put `address`'s PTR in: an RFC 6303 zone, or its /24 or
    /// /64 (a secondary uses it to find the reverse zones to copy).
    public static func reverseZone(for address: IPAddress) -> DomainName {
        reversePrefixes.first(where: { $0.contains(address) })?.apex ?? SpecialZones.derivedReverseZone(for: address)
    }

    /// The reverse zone of this snapshot that holds `address`'s PTR, if there is one.
    func reverseApex(of address: IPAddress) -> DomainName? {
        if let prefix = Self.reversePrefixes.first(where: { $0.contains(address) }) { return prefix.apex }
        let derived = SpecialZones.derivedReverseZone(for: address)
        return zones[derived] == nil ? nil : derived
    }

    // MARK: - Differences

    /// What changed in each zone between `old` and this snapshot, for zones that both have.
    /// Only data records appear (never the SOA); a zone without changes is absent.
    public func changes(since old: ZoneSnapshot) -> [DomainName: ZoneChange] {
        var changes: [DomainName: ZoneChange] = [:]
        let ttl = config.hostTTL
        func record(_ apex: DomainName?, removed: ResourceRecord? = nil, added: ResourceRecord? = nil) {
            guard let apex, isTransferable(apex), old.isTransferable(apex) else { return }
            if let removed { changes[apex, default: ZoneChange()].removed.append(removed) }
            if let added { changes[apex, default: ZoneChange()].added.append(added) }
        }
        if let lan = zones[config.origin], old.config.origin == config.origin, old.config.hostTTL == ttl {
            let apex = lan.apex
            func inZone(_ snapshot: ZoneSnapshot, _ owner: DomainName) -> Bool {
                owner.isSubdomain(of: apex)
                    && Self.enclosingZone(of: owner, in: snapshot.zones, depths: snapshot.zoneDepths)?.apex == apex
            }
            for (owner, node) in nodes {
                let before = old.nodes[owner]
                guard before?.a != node.a || before?.aaaa != node.aaaa, inZone(self, owner) else { continue }
                let oldA = inZone(old, owner) ? (before?.a ?? []) : [], oldAAAA = inZone(old, owner) ? (before?.aaaa ?? []) : []
                for a in oldA where !node.a.contains(a) { record(apex, removed: ResourceRecord(name: owner, ttl: ttl, data: .a(a))) }
                for a in node.a where !oldA.contains(a) { record(apex, added: ResourceRecord(name: owner, ttl: ttl, data: .a(a))) }
                for a in oldAAAA where !node.aaaa.contains(a) { record(apex, removed: ResourceRecord(name: owner, ttl: ttl, data: .aaaa(a))) }
                for a in node.aaaa where !oldAAAA.contains(a) { record(apex, added: ResourceRecord(name: owner, ttl: ttl, data: .aaaa(a))) }
            }
            for (owner, node) in old.nodes where nodes[owner] == nil && inZone(old, owner) {
                for a in node.a { record(apex, removed: ResourceRecord(name: owner, ttl: ttl, data: .a(a))) }
                for a in node.aaaa { record(apex, removed: ResourceRecord(name: owner, ttl: ttl, data: .aaaa(a))) }
            }
        }
        guard old.config.hostTTL == ttl else {
            hostedChanges(since: old, into: &changes)
            return changes
        }
        func ptr(_ address: IPAddress, _ target: DomainName) -> ResourceRecord {
            ResourceRecord(name: address.reverseName, ttl: ttl, data: .ptr(target))
        }
        for (value, target) in reverse.v4 {
            let before = old.reverse.v4[value]
            guard before != target || before.map({ $0.wire != target.wire }) == true else { continue }
            let address = IPAddress.v4(IPv4Address(uint32: value))
            let apex = reverseApex(of: address)
            if let before { record(apex, removed: ptr(address, before)) }
            record(apex, added: ptr(address, target))
        }
        for (value, target) in old.reverse.v4 where reverse.v4[value] == nil {
            let address = IPAddress.v4(IPv4Address(uint32: value))
            record(old.reverseApex(of: address), removed: ptr(address, target))
        }
        for (value, target) in reverse.v6 {
            let before = old.reverse.v6[value]
            guard before != target || before.map({ $0.wire != target.wire }) == true else { continue }
            let address = IPAddress.v6(value)
            let apex = reverseApex(of: address)
            if let before { record(apex, removed: ptr(address, before)) }
            record(apex, added: ptr(address, target))
        }
        for (value, target) in old.reverse.v6 where reverse.v6[value] == nil {
            let address = IPAddress.v6(value)
            record(old.reverseApex(of: address), removed: ptr(address, target))
        }
        hostedChanges(since: old, into: &changes)
        return changes
    }

    /// An order-independent digest of a zone's content (SOA timers and NS included, serial
    /// excluded), kept with its serial so a restart knows whether the zone changed meanwhile.
    public func digest(of apex: DomainName) -> UInt64? {
        if let zone = hosted?.zones[apex] {
            var sum = ZoneDigest.header(zone.soa, ns: [])
            zone.forEachDataRecord { sum = sum &+ ZoneDigest.hash($0) }
            return sum
        }
        guard let zone = zones[apex], isTransferable(apex) else { return nil }
        var sum = ZoneDigest.header(zone.soa, ns: zone.ns)
        forEachDataRecord(in: zone) { sum = sum &+ ZoneDigest.hash($0) }
        return sum
    }

    /// A copy whose zones carry these SOA serials (zones not named keep theirs).
    public func withSerials(_ serials: [DomainName: UInt32]) -> ZoneSnapshot {
        var zones = self.zones
        for (apex, serial) in serials {
            guard let zone = zones[apex], case .soa(var soa) = zone.soa.data, soa.serial != serial else { continue }
            soa.serial = serial
            var record = zone.soa
            record.data = .soa(soa)
            zones[apex] = LocalZone(apex: zone.apex, kind: zone.kind, soa: record, ns: zone.ns)
        }
        return ZoneSnapshot(self, zones: zones, secondaries: secondaries, hosted: hosted?.withSerials(serials))
    }

    /// What changed in each hosted zone both snapshots have: the records of one but not the
    /// other (a TTL change is a removal and an addition, as IXFR carries it).
    func hostedChanges(since old: ZoneSnapshot, into changes: inout [DomainName: ZoneChange]) {
        guard let hosted, let before = old.hosted else { return }
        for (apex, zone) in hosted.zones {
            guard let oldZone = before.zones[apex], oldZone !== zone else { continue }
            // A patched zone knows its change; the serial-only copy the journal makes keeps
            // that lineage, so compare against the patch's parent by identity.
            if let lineage = zone.lineage, lineage.parent == ObjectIdentifier(oldZone) {
                if !(lineage.change.added.isEmpty && lineage.change.removed.isEmpty) { changes[apex] = lineage.change }
                continue
            }
            var oldRecords = Set<ResourceRecord>()
            oldZone.forEachDataRecord { oldRecords.insert($0) }
            var change = ZoneChange()
            zone.forEachDataRecord { record in
                if oldRecords.remove(record) == nil { change.added.append(record) }
            }
            change.removed = Array(oldRecords)
            if !(change.added.isEmpty && change.removed.isEmpty) { changes[apex] = change }
        }
    }
}

/// The records a zone lost and gained between two versions.
public struct ZoneChange: Sendable, Hashable {
    public var removed: [ResourceRecord] = []
    public var added: [ResourceRecord] = []
    public init(removed: [ResourceRecord] = [], added: [ResourceRecord] = []) {
        self.removed = removed
        self.added = added
    }
}

/// A 64-bit FNV-1a hash per record, summed: the same content gives the same digest in any order,
/// and a change's digest follows by subtracting what went and adding what came.
public enum ZoneDigest {
    public static func hash(_ record: ResourceRecord) -> UInt64 {
        var writer = DNSWriter(capacity: 64, compression: false)
        var lower = record
        lower.name = record.name.lowercased
        lower.serialize(into: &writer)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in writer.bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func header(_ soa: ResourceRecord, ns: [ResourceRecord]) -> UInt64 {
        var timers = soa
        if case .soa(var data) = soa.data {
            data.serial = 0
            timers.data = .soa(data)
        }
        return ns.reduce(hash(timers)) { $0 &+ hash($1) }
    }

    public static func adjust(_ digest: UInt64, by change: ZoneChange) -> UInt64 {
        var sum = digest
        for record in change.removed { sum = sum &- hash(record) }
        for record in change.added { sum = sum &+ hash(record) }
        return sum
    }
}
