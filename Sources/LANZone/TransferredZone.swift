import DNSWire

/// One IXFR difference sequence (RFC 1995 sec. 4): the records deleted from version `from` and
/// the ones added to make version `to`. `removed` may hold the old SOA and `added` must hold the
/// new one, as they come off the wire.
public struct ZoneDiff: Sendable, Hashable {
    public var from: UInt32
    public var to: UInt32
    public var removed: [ResourceRecord]
    public var added: [ResourceRecord]

    public init(from: UInt32, to: UInt32, removed: [ResourceRecord], added: [ResourceRecord]) {
        self.from = from
        self.to = to
        self.removed = removed
        self.added = added
    }
}

/// A zone received from a primary by AXFR or IXFR, answered authoritatively from memory.
///
/// Immutable: a transfer builds a new value and the server swaps it in whole, so queries read it
/// without locks (as `ZoneSnapshot`). Any record type is kept (unknown ones byte for byte), since
/// the primary may be Knot, BIND or NSD serving MX, SRV, delegations, wildcards and the like.
///
/// The data is one dictionary from owner name to the RRsets there. Records share their owner's
/// name storage with the dictionary key (one copy of each name), and each RRset is kept as the
/// array an answer returns, so the common answer (an RRset that exists) allocates nothing.
/// Empty non-terminals are entries without RRsets, so "does this name exist" is one lookup.
public final class TransferredZone: Sendable {
    public let apex: DomainName
    /// The apex SOA, as transferred.
    public let soa: ResourceRecord
    /// Number of records in the zone (duplicates collapsed), SOA included.
    public let recordCount: Int

    /// The SOA put in the authority section of negative answers: its TTL is the smaller of the
    /// SOA's own TTL and its MINIMUM field (RFC 2308 sec. 5).
    let negativeSOA: ResourceRecord
    let soaData: SOA
    let apexLabelCount: Int
    /// Every name of the zone: owners of records and the empty non-terminals between them.
    let nodes: NodeTable<Node>
    /// The zone cuts (delegations not themselves below another cut), with their referrals
    /// prepared at build time so a referral allocates nothing.
    let referrals: [DomainName: Referral]
    /// Addresses of the apex name servers found in the zone, for the additional section of an
    /// NS answer at the apex.
    let apexGlue: [ResourceRecord]
    /// Set on a zone made by `patched(_:)`: its parent and the change between them.
    let lineage: Lineage?

    /// The SOA serial: the version of the zone, as IXFR and NOTIFY speak of it.
    public var serial: UInt32 { soaData.serial }

    /// Stores what `init(apex:owners:)` worked out; nothing else calls it.
    init(apex: DomainName, soa: ResourceRecord, soaData: SOA, negativeSOA: ResourceRecord, recordCount: Int,
         apexLabelCount: Int, nodes: NodeTable<Node>, referrals: [DomainName: Referral], apexGlue: [ResourceRecord],
         lineage: Lineage? = nil) {
        self.lineage = lineage
        self.apex = apex
        self.soa = soa
        self.soaData = soaData
        self.negativeSOA = negativeSOA
        self.recordCount = recordCount
        self.apexLabelCount = apexLabelCount
        self.nodes = nodes
        self.referrals = referrals
        self.apexGlue = apexGlue
    }

    /// Builds a zone from the records of an AXFR (RFC 5936), in the order they came.
    ///
    /// - The first record must be the SOA and its owner is the apex. Other copies of that same
    ///   SOA (an AXFR ends with it again) are dropped as duplicates; an SOA with other data, or
    ///   one anywhere but at the apex, is an error.
    /// - Every record must lie at or below the apex. A record outside the zone is an error, not
    ///   silently dropped: a primary sends only its zone's own data (RFC 5936 sec. 3; BIND, Knot
    ///   and NSD already drop out-of-zone data when they load a zone file), so one means the
    ///   primary sent some other zone or the stream was mangled, and keeping the copy we have
    ///   (and retrying) is safer than serving a zone that differs from the primary's.
    /// - Class IN only (this server answers nothing else); meta types (OPT, TYPE128-255) are not
    ///   data and are an error too.
    /// - Records equal in name, type, class and RDATA are one record; the first one's TTL stays.
    ///
    /// Building takes time linear in the number of records, plus sorting RRsets of more than one
    /// record into canonical order (RFC 4034 sec. 6.3) so that the zone is the same whatever order
    /// the primary sent it in.
    public convenience init(records: [ResourceRecord]) throws(ZoneError) {
        guard let first = records.first else {
            throw ZoneError.invalidZone(".", "no records (a zone transfer starts with the zone's SOA)")
        }
        guard first.type == .soa else {
            throw ZoneError.invalidZone(first.name.description,
                                        "the first record is \(first.type), not the SOA that starts a zone transfer")
        }
        let apex = first.name
        var owners: [DomainName: [ResourceRecord]] = [:]
        // Most names own one to a few records: room for half as many names as records spares
        // most of the rehashing without reserving a table twice too big (the builder adds the
        // empty non-terminals to this same table).
        owners.reserveCapacity(records.count / 2)
        for record in records {
            try Self.check(record, apex: apex)
            Self.insert(record, into: &owners)
        }
        try self.init(apex: apex, owners: owners)
    }

    /// Applies IXFR differences (RFC 1995) in order and returns the new zone; `self` is unchanged.
    ///
    /// Each difference must start at the serial the zone is at by then (`serialMismatch`
    /// otherwise: the secondary should fall back to AXFR). Within one, deletions come first,
    /// then additions. Deleting a record that is not there is skipped: the result is the same
    /// zone either way, and refusing would force a full transfer for nothing. An SOA in `removed`
    /// is ignored (the old one goes anyway); `added` must hold exactly one SOA, at the apex, with
    /// serial `to`, and it becomes the zone's SOA. Added records follow the rules of
    /// `init(records:)`. Without differences the zone itself is returned.
    ///
    /// The new zone is built anew from the old one's RRsets (linear in the zone's size): simple,
    /// and an IXFR is rare next to queries.
    public func applying(_ diffs: [ZoneDiff]) throws(ZoneError) -> TransferredZone {
        guard !diffs.isEmpty else { return self }
        var owners: [DomainName: [ResourceRecord]] = [:]
        owners.reserveCapacity(nodes.count)
        for (name, node) in nodes where !node.isEmpty {
            // The SOA is kept apart and put back at the end: each difference replaces it.
            if node.flags.contains(.apex) {
                let rest = node.all.filter { $0.type != .soa }
                if !rest.isEmpty { owners[name] = rest }
            } else {
                owners[name] = node.all
            }
        }
        var currentSOA = soa
        var currentSerial = serial
        for diff in diffs {
            guard diff.from == currentSerial else {
                throw ZoneError.serialMismatch(apex.description, current: currentSerial, from: diff.from)
            }
            for record in diff.removed where record.type != .soa {
                Self.remove(record, from: &owners)
            }
            var newSOA: ResourceRecord?
            for record in diff.added {
                try Self.check(record, apex: apex)
                guard record.type == .soa else {
                    Self.insert(record, into: &owners)
                    continue
                }
                if let seen = newSOA, seen.data != record.data {
                    throw ZoneError.invalidZone(apex.description,
                                                "the difference from serial \(diff.from) adds two different SOA records")
                }
                if newSOA == nil { newSOA = record }
            }
            guard let newSOA else {
                throw ZoneError.invalidZone(apex.description,
                                            "the difference from serial \(diff.from) adds no SOA record")
            }
            guard case .soa(let data) = newSOA.data else {
                throw ZoneError.invalidZone(apex.description, "the SOA record's data cannot be read")
            }
            guard data.serial == diff.to else {
                throw ZoneError.invalidZone(apex.description,
                                            "the difference to serial \(diff.to) adds an SOA with serial \(data.serial)")
            }
            currentSOA = newSOA
            currentSerial = data.serial
        }
        Self.insert(currentSOA, into: &owners)
        return try TransferredZone(apex: apex, owners: owners)
    }

    /// The whole zone: the SOA first, then every record by owner name in canonical order
    /// (RFC 4034 sec. 6.1), by type within a name and in canonical RDATA order within an RRset.
    /// The same zone always gives the same list, so it serves for storing and for comparing.
    ///
    /// Computed on each call (it sorts the names): meant for saving and tests, not queries.
    public var records: [ResourceRecord] {
        var owners: [(key: [UInt8], node: Node)] = []
        owners.reserveCapacity(nodes.count)
        for (name, node) in nodes where !node.isEmpty {
            owners.append((Self.canonicalKey(name), node))
        }
        owners.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var out: [ResourceRecord] = []
        out.reserveCapacity(recordCount)
        out.append(soa)
        for (_, node) in owners {
            let isApex = node.flags.contains(.apex)
            node.forEachRRset { rrset in
                if isApex, rrset.first?.type == .soa { return }
                out += rrset
            }
        }
        return out
    }

    // MARK: - Storage

    /// What is known about one name.
    struct Node: Sendable {
        var rrsets: RRsets
        var flags: Flags

        var isEmpty: Bool { rrsets.isEmpty }
        subscript(type: RecordType) -> [ResourceRecord]? { rrsets[type] }
        var all: [ResourceRecord] { rrsets.all }
        func forEachRRset(_ body: ([ResourceRecord]) -> Void) { rrsets.forEach(body) }
    }

    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        /// The zone's apex.
        static let apex = Flags(rawValue: 1)
        /// A zone cut: NS records below the apex, not itself below another cut.
        static let cut = Flags(rawValue: 2)
        /// Strictly below a zone cut: not our data (glue at most, RFC 1034 sec. 4.2.1).
        static let occluded = Flags(rawValue: 4)
        /// `*.<this name>` exists: a wildcard may answer for missing names right below.
        static let wildcardChild = Flags(rawValue: 8)
    }

    /// The RRsets at a name, each non-empty and of one type, in type order. One RRset (by far the
    /// commonest case) is kept as its own array, so that there is one allocation per name and an
    /// answer can hand the array out as it is.
    enum RRsets: Sendable {
        case none
        case one([ResourceRecord])
        case many([[ResourceRecord]])

        var isEmpty: Bool {
            if case .none = self { return true }
            return false
        }

        subscript(type: RecordType) -> [ResourceRecord]? {
            switch self {
            case .none: return nil
            case .one(let rrset): return rrset.first?.type == type ? rrset : nil
            case .many(let rrsets):
                for rrset in rrsets where rrset.first?.type == type { return rrset }
                return nil
            }
        }

        var all: [ResourceRecord] {
            switch self {
            case .none: return []
            case .one(let rrset): return rrset
            case .many(let rrsets): return Array(rrsets.joined())
            }
        }

        func forEach(_ body: ([ResourceRecord]) -> Void) {
            switch self {
            case .none: break
            case .one(let rrset): body(rrset)
            case .many(let rrsets): rrsets.forEach(body)
            }
        }
    }

    /// A prepared referral for one zone cut.
    struct Referral: Sendable {
        let ns: [ResourceRecord]
        let glue: [ResourceRecord]
    }
}
