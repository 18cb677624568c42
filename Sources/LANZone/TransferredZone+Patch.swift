import DNSWire

extension TransferredZone {
    /// The zone with `change` applied to existing names only, sharing everything else: what a
    /// dynamic update of a host's addresses needs, without rebuilding the zone. Nil when the
    /// change needs the full build (a new name, a name that would become empty, a zone cut, a
    /// wildcard, an SOA), and the caller rebuilds.
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
        for record in change.removed + change.added {
            guard record.type != .soa, record.type != .ns, record.type != .cname, record.type != .ds,
                  record.name != apex, let node = nodes[record.name],
                  node.flags.isDisjoint(with: [.cut, .occluded, .apex]), !node.isEmpty,
                  !(record.name.wire.count > 2 && record.name.wire[0] == 1 && record.name.wire[1] == UInt8(ascii: "*"))
            else { return nil }
            if touched[record.name] == nil { touched[record.name] = node.all }
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
            guard !records.isEmpty, var node = nodes[name] else { return nil }
            node.rrsets = Self.rrsets(from: records)
            nodes.update(name, to: node)
        }
        var soa = self.soa, soaData = self.soaData, negativeSOA = self.negativeSOA
        if let serial, serial != soaData.serial, var apexNode = nodes[apex] {
            soaData.serial = serial
            soa.data = .soa(soaData)
            negativeSOA.data = .soa(soaData)
            var rrsets: [[ResourceRecord]] = []
            apexNode.forEachRRset { rrsets.append($0.first?.type == .soa ? [soa] : $0) }
            apexNode.rrsets = rrsets.count == 1 ? .one(rrsets[0]) : .many(rrsets)
            nodes.update(apex, to: apexNode)
        }
        nodes.foldIfLarge()
        return TransferredZone(apex: apex, soa: soa, soaData: soaData, negativeSOA: negativeSOA, recordCount: recordCount,
                               apexLabelCount: apexLabelCount, nodes: nodes, referrals: referrals, apexGlue: apexGlue,
                               lineage: Lineage(parent: ObjectIdentifier(self), change: effective))
    }
}

/// Where a patched zone came from: the zone it was made from and what changed.
struct Lineage: Sendable {
    let parent: ObjectIdentifier
    let change: ZoneChange
}
