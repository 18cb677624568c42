import DNSWire

extension TransferredZone {
    /// The zone with `change` applied, sharing everything else: what a dynamic update of a
    /// host's addresses needs, without rebuilding the zone. A name may be new (with the empty
    /// non-terminals above it); nil when the change needs the full build: a name that would
    /// become empty (whether it stays as an empty non-terminal depends on names below it), the
    /// apex, an SOA, NS, CNAME or DS record, a wildcard, a name at or below a zone cut, or the
    /// target of an NS record (its glue is prepared at build time). The caller then rebuilds.
    ///
    /// The result remembers this zone and the change, so the difference between the two (for
    /// the IXFR journal) costs nothing.
    ///
    /// With `serial`, the copy carries that SOA serial too (the one the journal will give it), so
    /// the name table is copied once, not again for the serial.
    public func patched(_ change: ZoneChange, serial: UInt32? = nil) -> TransferredZone? {
        var nodes = self.nodes
        var touched: [DomainName: [ResourceRecord]] = [:]
        var recordCount = self.recordCount
        let addedNames = Set(change.added.map(\.name))
        for record in change.removed + change.added where touched[record.name] == nil {
            guard record.type != .soa, record.type != .ns, record.type != .cname, record.type != .ds,
                  record.name != apex, record.name.labelCount > apexLabelCount, record.name.isSubdomain(of: apex),
                  !(record.name.wire.count > 2 && record.name.wire[0] == 1 && record.name.wire[1] == UInt8(ascii: "*")),
                  !isNameServerTarget(record.name)
            else { return nil }
            if let node = nodes[record.name] {
                guard node.flags.isDisjoint(with: [.cut, .occluded, .apex]) else { return nil }
                touched[record.name] = node.all
            } else {
                // A new name needs its parents; removing from a missing name changes nothing.
                if addedNames.contains(record.name) {
                    guard addParents(of: record.name, to: &nodes) else { return nil }
                }
                touched[record.name] = []
            }
        }
        // What really changes: the zone's own records that go, and records it did not have.
        var effective = ZoneChange()
        for record in change.removed {
            let kept = touched[record.name]!.filter { !($0.type == record.type && $0.data == record.data) }
            effective.removed += touched[record.name]!.filter { $0.type == record.type && $0.data == record.data }
            recordCount -= touched[record.name]!.count - kept.count
            touched[record.name] = kept
        }
        for record in change.added {
            var shared = record
            shared.name = nodes.storedName(record.name) ?? record.name
            if !touched[record.name]!.contains(where: { $0.type == record.type && $0.data == record.data }) {
                touched[record.name]!.append(shared)
                effective.added.append(shared)
                recordCount += 1
            }
        }
        for (name, records) in touched {
            let existing = nodes[name]
            guard !records.isEmpty else {
                // A name that had records and loses them all: the build decides what remains.
                if existing?.isEmpty == false { return nil }
                continue
            }
            nodes.set(name, to: Node(rrsets: Self.rrsets(from: records), flags: existing?.flags ?? []))
        }
        var soa = self.soa, soaData = self.soaData, negativeSOA = self.negativeSOA
        if let serial, serial != soaData.serial, var apexNode = nodes[apex] {
            soaData.serial = serial
            soa.data = .soa(soaData)
            negativeSOA.data = .soa(soaData)
            var rrsets: [[ResourceRecord]] = []
            apexNode.forEachRRset { rrsets.append($0.first?.type == .soa ? [soa] : $0) }
            apexNode.rrsets = rrsets.count == 1 ? .one(rrsets[0]) : .many(rrsets)
            nodes.set(apex, to: apexNode)
        }
        nodes.foldIfLarge()
        return TransferredZone(apex: apex, soa: soa, soaData: soaData, negativeSOA: negativeSOA, recordCount: recordCount,
                               apexLabelCount: apexLabelCount, nodes: nodes, referrals: referrals, apexGlue: apexGlue,
                               lineage: Lineage(parent: ObjectIdentifier(self), change: effective))
    }

    /// Adds the empty non-terminals between a new name and the closest name that exists; false
    /// when that name is a zone cut or below one (the new name would not be this zone's data).
    private func addParents(of name: DomainName, to nodes: inout NodeTable<Node>) -> Bool {
        var current = name
        var count = name.labelCount
        var missing: [DomainName] = []
        while count > apexLabelCount + 1 {
            current = current.parent
            count -= 1
            if let node = nodes[current] {
                guard node.flags.isDisjoint(with: [.cut, .occluded]) else { return false }
                break
            }
            missing.append(current)
        }
        for parent in missing { nodes.set(parent, to: Node(rrsets: .none, flags: [])) }
        return true
    }

    /// Whether an NS record of the zone (at the apex or a cut) names `name`: its addresses are
    /// glue, prepared when the zone is built.
    private func isNameServerTarget(_ name: DomainName) -> Bool {
        if apexGlue.contains(where: { $0.name == name }) { return true }
        for record in nodes[apex]?[.ns] ?? [] {
            if case .ns(let target) = record.data, target == name { return true }
        }
        for referral in referrals.values {
            for record in referral.ns {
                if case .ns(let target) = record.data, target == name { return true }
            }
        }
        return false
    }
}

/// Where a patched zone came from: the zone it was made from and what changed.
struct Lineage: Sendable {
    let parent: ObjectIdentifier
    let change: ZoneChange
}
