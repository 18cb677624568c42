import DNSWire

// Building a `TransferredZone`: records grouped by owner are turned into nodes, the empty
// non-terminals, zone cuts and wildcards are found, and referrals are prepared, all once, so that
// answering is lookups only.

extension TransferredZone {
    /// Builds the zone from records grouped by owner (each record's name shares its key's
    /// storage) and checks that the apex holds exactly one SOA.
    ///
    /// `owners` holds no empty lists. `mapValues` keeps its hash table, so no name is hashed again
    /// here; room left in it takes the empty non-terminals without a rehash.
    convenience init(apex: DomainName, owners: [DomainName: [ResourceRecord]]) throws(ZoneError) {
        var recordCount = 0
        var nodes = owners.mapValues { records in
            let rrsets = Self.rrsets(from: records)
            rrsets.forEach { recordCount += $0.count }
            return Node(rrsets: rrsets, flags: [])
        }

        guard let apexNode = nodes[apex], let soas = apexNode[.soa] else {
            throw ZoneError.invalidZone(apex.description, "no SOA record at the apex")
        }
        guard soas.count == 1, let soa = soas.first else {
            throw ZoneError.invalidZone(apex.description, "\(soas.count) different SOA records at the apex (a zone has one)")
        }
        guard case .soa(let soaData) = soa.data else {
            throw ZoneError.invalidZone(apex.description, "the SOA record's data cannot be read")
        }
        nodes[apex]?.flags.insert(.apex)

        let apexLabelCount = apex.labelCount
        var cutNames: Set<DomainName> = []
        var wildcardParents: [DomainName] = []
        for (name, records) in owners {
            var count = name.labelCount
            if count > apexLabelCount, records.contains(where: { $0.type == .ns }) { cutNames.insert(name) }
            if name.wire.count > 2, name.wire[0] == 1, name.wire[1] == UInt8(ascii: "*"), count > apexLabelCount {
                wildcardParents.append(name.parent)
            }
            // Empty non-terminals: every missing name between an owner and the apex
            // (RFC 4592 sec. 2.2.2). Stops at the first name that exists, whose own turn (or the
            // owner that made it) covers the rest.
            var current = name
            while count > apexLabelCount + 1 {
                current = current.parent
                count -= 1
                if nodes[current] != nil { break }
                nodes[current] = Node(rrsets: .none, flags: [])
            }
        }
        for parent in wildcardParents { nodes[parent]?.flags.insert(.wildcardChild) }

        // Zone cuts, and the names below them (occluded: glue or junk, never answered as ours).
        var referrals: [DomainName: Referral] = [:]
        if !cutNames.isEmpty {
            for name in Array(nodes.keys) {
                var count = name.labelCount
                var current = name
                var occluded = false
                while count > apexLabelCount + 1 {
                    current = current.parent
                    count -= 1
                    if cutNames.contains(current) {
                        occluded = true
                        break
                    }
                }
                if occluded {
                    nodes[name]?.flags.insert(.occluded)
                } else if cutNames.contains(name) {
                    nodes[name]?.flags.insert(.cut)
                }
            }
            for name in cutNames where nodes[name]?.flags.contains(.cut) == true {
                guard let ns = nodes[name]?[.ns] else { continue }
                referrals[name] = Referral(ns: ns, glue: Self.addresses(of: ns, apex: apex, in: nodes))
            }
        }

        var negativeSOA = soa
        negativeSOA.ttl = min(soa.ttl, soaData.minimum)

        self.init(apex: apex, soa: soa, soaData: soaData, negativeSOA: negativeSOA, recordCount: recordCount,
                  apexLabelCount: apexLabelCount, nodes: NodeTable(nodes), referrals: referrals,
                  apexGlue: Self.addresses(of: apexNode[.ns] ?? [], apex: apex, in: nodes))
    }

    // MARK: - Record intake

    /// The rules every record of a transfer follows (see `init(records:)`).
    static func check(_ record: ResourceRecord, apex: DomainName) throws(ZoneError) {
        guard record.recordClass == .in else {
            throw ZoneError.invalidZone(apex.description,
                                        "\(record.name) \(record.type) is of class \(record.recordClass), only IN is served")
        }
        guard !record.type.isMetaType else {
            throw ZoneError.invalidZone(apex.description,
                                        "\(record.name) has a record of type \(record.type), which is not zone data")
        }
        guard record.name.isSubdomain(of: apex) else {
            throw ZoneError.outsideZone(record.name.description, apex.description)
        }
        if record.type == .soa, record.name != apex {
            throw ZoneError.invalidZone(apex.description, "an SOA record at \(record.name), below the apex")
        }
    }

    /// Adds `record` to its owner's list, making its name share the storage of the key already
    /// there: a name is stored once however many records it owns.
    static func insert(_ record: ResourceRecord, into owners: inout [DomainName: [ResourceRecord]]) {
        if let index = owners.index(forKey: record.name) {
            var shared = record
            shared.name = owners.keys[index]
            owners.values[index].append(shared)
        } else {
            owners[record.name] = [record]
        }
    }

    /// Removes the records equal to `record` in type, class and RDATA (any TTL). Nothing to
    /// remove is fine (see `applying(_:)`).
    static func remove(_ record: ResourceRecord, from owners: inout [DomainName: [ResourceRecord]]) {
        guard let index = owners.index(forKey: record.name) else { return }
        owners.values[index].removeAll {
            $0.type == record.type && $0.recordClass == record.recordClass && $0.data == record.data
        }
        if owners.values[index].isEmpty { owners.remove(at: index) }
    }

    /// Groups one owner's records into RRsets by type, each in canonical RDATA order without
    /// duplicates. A lone record is kept in the array it came in.
    static func rrsets(from records: [ResourceRecord]) -> RRsets {
        if records.count == 1 { return .one(records) }
        var sorted = records
        if !sorted.isEmpty {
            // Stable by type: the first of two duplicates stays first and keeps its TTL.
            let keyed = sorted.enumerated().sorted {
                ($0.element.type.rawValue, $0.offset) < ($1.element.type.rawValue, $1.offset)
            }
            sorted = keyed.map(\.element)
        }
        var out: [[ResourceRecord]] = []
        var start = 0
        while start < sorted.count {
            let type = sorted[start].type
            var end = start + 1
            while end < sorted.count, sorted[end].type == type { end += 1 }
            out.append(canonicalRRset(sorted[start..<end]))
            start = end
        }
        switch out.count {
        case 0: return .none
        case 1: return .one(out[0])
        default: return .many(out)
        }
    }

    /// One RRset in canonical order (RFC 4034 sec. 6.3), duplicates dropped (the first kept).
    static func canonicalRRset(_ records: ArraySlice<ResourceRecord>) -> [ResourceRecord] {
        guard records.count > 1 else { return Array(records) }
        let keyed = records.enumerated()
            .map { (key: canonicalRDATA($0.element.data), offset: $0.offset, record: $0.element) }
            .sorted { $0.key == $1.key ? $0.offset < $1.offset : $0.key.lexicographicallyPrecedes($1.key) }
        var out: [ResourceRecord] = []
        out.reserveCapacity(keyed.count)
        var previous: [UInt8]?
        for entry in keyed {
            if entry.key == previous, let last = out.last, last.data == entry.record.data { continue }
            out.append(entry.record)
            previous = entry.key
        }
        return out
    }

    /// RDATA in canonical form (RFC 4034 sec. 6.2): uncompressed, names in lower case for the
    /// types that carry names; the byte order of this form is the canonical order.
    static func canonicalRDATA(_ data: RecordData) -> [UInt8] {
        var writer = DNSWriter(capacity: 32, compression: false)
        let canonical: RecordData
        switch data {
        case .ns(let name): canonical = .ns(name.lowercased)
        case .cname(let name): canonical = .cname(name.lowercased)
        case .ptr(let name): canonical = .ptr(name.lowercased)
        case .mx(let preference, let exchange): canonical = .mx(preference: preference, exchange: exchange.lowercased)
        case .srv(let priority, let weight, let port, let target):
            canonical = .srv(priority: priority, weight: weight, port: port, target: target.lowercased)
        case .soa(var soa):
            soa.mname = soa.mname.lowercased
            soa.rname = soa.rname.lowercased
            canonical = .soa(soa)
        default: canonical = data
        }
        canonical.serialize(into: &writer)
        return writer.bytes
    }

    /// A byte string whose order is the canonical name order (RFC 4034 sec. 6.1): the labels
    /// from the right, lower-cased, each ending in 00 00, with a zero byte inside a label written
    /// 00 01 so that a label sorts before any longer label it begins.
    static func canonicalKey(_ name: DomainName) -> [UInt8] {
        let wire = name.wire
        var starts: [Int] = []
        var index = 0
        while index < wire.count, wire[index] != 0 {
            starts.append(index)
            index += Int(wire[index]) + 1
        }
        var key: [UInt8] = []
        key.reserveCapacity(wire.count + 2 * starts.count)
        for start in starts.reversed() {
            let length = Int(wire[start])
            for byte in wire[(start + 1)..<min(start + 1 + length, wire.count)] {
                if byte == 0 {
                    key.append(0)
                    key.append(1)
                } else {
                    key.append((byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte)
                }
            }
            key.append(0)
            key.append(0)
        }
        return key
    }

    /// The A and AAAA records of the name servers in `ns` that lie in this zone (in-domain glue
    /// below a cut, and sibling glue elsewhere in the zone, as Knot, NSD and BIND give it; RFC
    /// 9471). Addresses at wildcards are never glue.
    static func addresses(of ns: [ResourceRecord], apex: DomainName, in nodes: [DomainName: Node]) -> [ResourceRecord] {
        var out: [ResourceRecord] = []
        var seen: [DomainName] = []
        for record in ns {
            guard case .ns(let target) = record.data, target.isSubdomain(of: apex), !seen.contains(target),
                  let node = nodes[target] else { continue }
            seen.append(target)
            out += node[.a] ?? []
            out += node[.aaaa] ?? []
        }
        return out
    }
}
