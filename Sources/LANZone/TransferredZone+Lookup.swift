import DNSWire

// Answering from a `TransferredZone`: RFC 1034 sec. 4.3.2 for an authoritative-only server
// (no recursion, no other zones), with wildcards as RFC 4592 and negative answers as RFC 2308.

extension TransferredZone {
    /// The most CNAME records one answer follows (RFC 1034 sec. 3.6.2 asks for a bound; BIND and
    /// Knot use similar small ones). A longer chain is answered as far as this, and the resolver
    /// carries on from the last target.
    static let maxChainLength = 8

    /// Answers `question`, whose name the caller found to be at or below `apex` (this is the
    /// deepest zone of ours holding it). A name outside the zone, or a class other than IN (or
    /// ANY), gets `.notAuthoritative`.
    ///
    /// Records keep the spelling the zone gives their names. A resolver sees the question's
    /// spelling anyway: the writer compresses the answer's owner against the question name, and
    /// RFC 4343 makes case irrelevant to matching.
    ///
    /// A question about an existing name (an RRset, NODATA, a referral at the cut) allocates
    /// nothing: one dictionary lookup, and the arrays returned are the zone's own. A missing name
    /// costs one lookup (and one parent name) per label up to its closest encloser; wildcard
    /// answers and CNAME chains build new arrays.
    public func answer(_ question: Question) -> ZoneAnswer {
        guard question.recordClass == .in || question.recordClass == .any else { return .notAuthoritative }
        let qname = question.name
        let type = question.type
        if let node = nodes[qname] {
            if node.flags.contains(.cut) {
                // DS belongs to the parent side of the cut (RFC 4035 sec. 3.1.4.1): it is ours to
                // answer, and NODATA from our SOA when we have none.
                guard type == .ds else { return referral(atOrAbove: qname) }
                guard let ds = node[.ds] else { return .noData(soa: negativeSOA) }
                return .answer(ds, additional: [])
            }
            if node.flags.contains(.occluded) { return referral(atOrAbove: qname) }
            return authoritative(node, owner: nil, type: type)
        }
        // No such name: the closest encloser decides (RFC 1034 sec. 4.3.2 step 3c, RFC 4592
        // sec. 3.3.1).
        guard let (encloser, node) = closestEncloser(of: qname) else { return .notAuthoritative }
        if !node.flags.isDisjoint(with: [.cut, .occluded]) {
            // At or below a cut: a referral, even if a wildcard above the cut would match.
            return referral(atOrAbove: encloser)
        }
        if let (wildName, wild) = wildcard(below: encloser, node) {
            if wild.flags.contains(.cut) {
                // A wildcard owning NS (RFC 4592 sec. 4.2, discouraged) is a cut like any other.
                return referral(atOrAbove: wildName)
            }
            return authoritative(wild, owner: qname, type: type)
        }
        return .nxDomain(soa: negativeSOA)
    }

    /// The answer from a node we are authoritative for: the RRset, all RRsets for ANY, a CNAME
    /// chain, or NODATA. `owner` renames the records (wildcard synthesis, RFC 4592 sec. 3.3.1).
    func authoritative(_ node: Node, owner: DomainName?, type: RecordType) -> ZoneAnswer {
        if type == .any {
            // Every RRset at the name (RFC 8482 would allow one; a LAN has no ANY abuse to fear).
            guard !node.isEmpty else { return .noData(soa: negativeSOA) }
            return .answer(Self.renamed(node.all, owner), additional: [])
        }
        if let rrset = node[type] {
            let additional = type == .ns && node.flags.contains(.apex) ? apexGlue : []
            return .answer(Self.renamed(rrset, owner), additional: additional)
        }
        if type != .cname, let cname = node[.cname] {
            return chase(Self.renamed(cname, owner), type: type)
        }
        return .noData(soa: negativeSOA)
    }

    /// Follows a CNAME chain (RFC 1034 sec. 4.3.2 step 3a) while its targets are names of ours
    /// (in the zone, not at or below a cut), ending with the RRset of `type` at the last target.
    ///
    /// Limitation: the answer is always `.answer` (NOERROR). When the chain ends at a name of
    /// ours that does not exist, RFC 6604 would have NXDOMAIN, and when it ends in NODATA,
    /// RFC 2308 sec. 2.2 would add the SOA; a resolver asks for the last target again and gets
    /// that answer then. A loop, an overlong chain, or a target outside the zone or delegated
    /// ends the chain likewise.
    func chase(_ first: [ResourceRecord], type: RecordType) -> ZoneAnswer {
        var chain = first
        guard case .cname(var target)? = first.first?.data else { return .answer(chain, additional: []) }
        for _ in 1..<Self.maxChainLength {
            guard !chain.contains(where: { $0.name == target }), let (node, owner) = ownNode(target) else { break }
            if let rrset = node[type] {
                chain += Self.renamed(rrset, owner)
                break
            }
            guard let cname = node[.cname], case .cname(let next)? = cname.first?.data else { break }
            chain += Self.renamed(cname, owner)
            target = next
        }
        return .answer(chain, additional: [])
    }

    /// The node answering for `name` when we are authoritative for it: the name itself, or the
    /// wildcard that covers it (with the name to give its records). Nil outside the zone, at or
    /// below a cut, or when the name does not exist.
    func ownNode(_ name: DomainName) -> (Node, DomainName?)? {
        if let node = nodes[name] {
            return node.flags.isDisjoint(with: [.cut, .occluded]) ? (node, nil) : nil
        }
        guard let (encloser, node) = closestEncloser(of: name), node.flags.isDisjoint(with: [.cut, .occluded]),
              let (_, wild) = wildcard(below: encloser, node), !wild.flags.contains(.cut) else { return nil }
        return (wild, name)
    }

    /// The deepest existing name above `name` (which does not exist), not above the apex; nil
    /// when `name` is not below the apex.
    func closestEncloser(of name: DomainName) -> (DomainName, Node)? {
        var current = name
        var count = name.labelCount
        while count > apexLabelCount {
            current = current.parent
            count -= 1
            if let node = nodes[current] { return (current, node) }
        }
        return nil
    }

    /// The wildcard `*.<encloser>`, if the zone has one. Only the closest encloser's wildcard
    /// counts (RFC 4592 sec. 3.3.1): one higher up never answers.
    func wildcard(below encloser: DomainName, _ node: Node) -> (DomainName, Node)? {
        guard node.flags.contains(.wildcardChild), let name = try? encloser.prepending([UInt8(ascii: "*")]),
              let wild = nodes[name] else { return nil }
        return (name, wild)
    }

    /// The referral for the cut at `name` or the nearest one above it.
    func referral(atOrAbove name: DomainName) -> ZoneAnswer {
        var current = name
        var count = name.labelCount
        while count > apexLabelCount {
            if let referral = referrals[current] { return .delegation(ns: referral.ns, glue: referral.glue) }
            current = current.parent
            count -= 1
        }
        // Not reached: a node is flagged at or below a cut only when that cut has a referral.
        return .serverFailure
    }

    /// `records` with their owner replaced by `owner`, or unchanged when it is nil.
    static func renamed(_ records: [ResourceRecord], _ owner: DomainName?) -> [ResourceRecord] {
        guard let owner else { return records }
        return records.map { record in
            var copy = record
            copy.name = owner
            return copy
        }
    }
}
