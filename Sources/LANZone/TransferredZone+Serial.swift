import DNSWire

extension TransferredZone {
    /// The same zone under another SOA serial (a hosted zone's serial is set per zone after it is
    /// built). The other names are shared, not rebuilt.
    func withSerial(_ serial: UInt32) -> TransferredZone {
        var data = soaData
        data.serial = serial
        var newSOA = soa
        newSOA.data = .soa(data)
        var negative = negativeSOA
        negative.data = .soa(data)
        var nodes = self.nodes
        if var apexNode = nodes[apex] {
            var rrsets: [[ResourceRecord]] = []
            apexNode.forEachRRset { rrsets.append($0.first?.type == .soa ? [newSOA] : $0) }
            apexNode.rrsets = rrsets.count == 1 ? .one(rrsets[0]) : .many(rrsets)
            nodes.set(apex, to: apexNode)
        }
        return TransferredZone(apex: apex, soa: newSOA, soaData: data, negativeSOA: negative, recordCount: recordCount,
                               apexLabelCount: apexLabelCount, nodes: nodes, referrals: referrals, apexGlue: apexGlue,
                               lineage: lineage)
    }

    /// Every record but the SOA, in no particular order (for digests and differences).
    func forEachDataRecord(_ body: (ResourceRecord) -> Void) {
        for (_, node) in nodes {
            let isApex = node.flags.contains(.apex)
            node.forEachRRset { rrset in
                if isApex, rrset.first?.type == .soa { return }
                rrset.forEach(body)
            }
        }
    }
}

extension TransferredZone {
    /// The records of `type` at `name` (empty when none).
    public func rrset(_ name: DomainName, _ type: RecordType) -> [ResourceRecord] {
        nodes[name]?[type] ?? []
    }

    /// Every record at `name` (empty for a missing name or an empty non-terminal).
    public func records(at name: DomainName) -> [ResourceRecord] {
        nodes[name]?.all ?? []
    }
}
