import DNSWire

/// An immutable picture of every local zone, built from the store after each change and swapped
/// in whole: queries read it without locks and never touch SQLite.
///
/// It holds the LAN zone (hosts, apex SOA and NS, the server's own name), the reverse zones
/// (RFC 6303 ones and the /24 or /64 of any other host address) with PTRs derived from the hosts'
/// addresses, and the special-use zones of RFC 6761.
public final class ZoneSnapshot: Sendable {
    public let config: ZoneConfig
    public let serial: UInt32
    public let generation: Int64
    public let hostCount: Int
    /// Hosts whose stored name could not be read (reported once at build time).
    public let skipped: [String]

    let zones: [DomainName: LocalZone]
    let zoneDepths: [Int]
    /// Names of the LAN zone with their addresses.
    let nodes: NodeTable<Node>
    let nonTerminals: Set<DomainName>
    /// PTR data of every reverse zone, by address.
    let reverse: ReverseIndex
    /// Zones copied from a primary (secondary mode); they win over local zones of the same or
    /// a shallower apex.
    public let secondaries: SecondaryZones?
    /// Public zones this server is the primary for (dynamic DNS); the deepest zone holding a
    /// name answers it.
    public let hosted: HostedZones?
    /// Whether host and PTR questions may be answered by `directAnswer`: the LAN zone is not
    /// under `arpa.` and no other local zone lies inside it, so a name below the LAN apex always
    /// belongs to the LAN zone and a full-length reverse name to a reverse zone.
    let directLookups: Bool
    /// The LAN zone's apex, lower-cased wire form.
    let originWire: [UInt8]
    /// A hash of every apex answered here (local and secondary zones), lower-cased wire form:
    /// tells at a glance that a name lies outside all of them.
    let apexHashes: Set<UInt64>

    struct Node: Sendable {
        var a: [IPv4Address] = []
        var aaaa: [IPv6Address] = []

        /// Adds addresses not already there, in order.
        mutating func add(_ addresses: [IPAddress]) {
            for address in addresses {
                switch address {
                case .v4(let v4): if !a.contains(v4) { a.append(v4) }
                case .v6(let v6): if !aaaa.contains(v6) { aaaa.append(v6) }
                }
            }
        }
    }

    /// The RFC 6303 reverse zones as numeric prefixes, to place addresses without their names.
    static let reversePrefixes: [ReversePrefix] = SpecialZones.reverse.compactMap(ReversePrefix.init(apex:))

    enum Kind: Sendable { case lan, reverse, localhost, empty }

    struct LocalZone: Sendable {
        let apex: DomainName
        let kind: Kind
        let soa: ResourceRecord
        let ns: [ResourceRecord]
    }

    public init(config: ZoneConfig, hosts: [HostRecord], state: ZoneState, hosted: HostedZones? = nil) {
        self.config = config
        serial = state.serial
        generation = state.generation
        hostCount = hosts.count

        var zones: [DomainName: LocalZone] = [:]
        func addZone(_ apex: DomainName, _ kind: Kind) {
            guard zones[apex] == nil else { return }
            zones[apex] = Self.localZone(apex, kind, config: config, serial: state.serial)
        }
        addZone(config.origin, .lan)
        addZone(SpecialZones.localhost, .localhost)
        for apex in SpecialZones.reverse { addZone(apex, .reverse) }
        // An empty zone above the LAN zone (home.arpa. above lan.home.arpa.) stays: lookups take
        // the deepest zone first.
        for apex in SpecialZones.emptyForward where apex != config.origin { addZone(apex, .empty) }

        var nodes: [DomainName: Node] = [:]
        nodes.reserveCapacity(hosts.count + 1)
        var nonTerminals = Set<DomainName>()
        var skipped: [String] = []
        // PTR targets: per address, the owner chosen by the rule in `ptrOrder` (the host by its
        // index in `lanHosts`).
        var ptrOwners: [IPAddress: (host: Int, owner: DomainName)] = [:]
        ptrOwners.reserveCapacity(hosts.reduce(0) { $0 + $1.addresses.count } + 1)

        var lanHosts = hosts
        if !hosts.contains(where: { (try? $0.ownerName(in: config.origin)) == config.serverName }),
           !config.serverAddresses.isEmpty, config.serverName.isSubdomain(of: config.origin),
           let relative = config.serverName.labels(relativeTo: config.origin) {
            lanHosts.append(HostRecord(name: relative.map(DomainName.escape).joined(separator: "."),
                                       addresses: config.serverAddresses, source: .config, publishesPTR: false))
        }
        let originLabels = config.origin.labelCount
        for (index, host) in lanHosts.enumerated() {
            guard let owner = try? host.ownerName(in: config.origin) else {
                skipped.append(host.name)
                continue
            }
            nodes[owner, default: Node()].add(host.addresses)
            if host.publishesPTR {
                for address in host.addresses {
                    if let current = ptrOwners[address], !Self.ptrOrder(host, lanHosts[current.host]) { continue }
                    ptrOwners[address] = (index, owner)
                }
            }
            // Empty non-terminals between the host and the apex.
            if owner.labelCount > originLabels + 1 {
                var current = owner.parent
                while current.labelCount > originLabels {
                    if !nonTerminals.insert(current).inserted { break }
                    current = current.parent
                }
            }
        }

        var ptr4: [(UInt32, DomainName)] = []
        var ptr6: [(IPv6Address, DomainName)] = []
        ptr4.reserveCapacity(ptrOwners.count + 1)
        var derived4 = Set<UInt32>()
        var derived6 = Set<UInt64>()
        for (address, chosen) in ptrOwners {
            switch address {
            case .v4(let v4): ptr4.append((v4.uint32, chosen.owner))
            case .v6(let v6): ptr6.append((v6, chosen.owner))
            }
            guard !Self.reversePrefixes.contains(where: { $0.contains(address) }) else { continue }
            // Outside the RFC 6303 zones: the /24 or /64 of the address becomes a zone of its own.
            let isNew: Bool
            switch address {
            case .v4(let v4): isNew = derived4.insert(v4.uint32 >> 8).inserted
            case .v6(let v6): isNew = derived6.insert(v6.high).inserted
            }
            if isNew { addZone(SpecialZones.derivedReverseZone(for: address), .reverse) }
        }
        // Loopback PTRs (RFC 6761 sec. 6.3) unless a host claims those addresses.
        if ptrOwners[.v4(IPv4Address(uint32: 0x7F00_0001))] == nil { ptr4.append((0x7F00_0001, SpecialZones.localhost)) }
        if ptrOwners[.v6(IPv6Address(high: 0, low: 1))] == nil { ptr6.append((IPv6Address(high: 0, low: 1), SpecialZones.localhost)) }
        let reverse = ReverseIndex(v4: ptr4, v6: ptr6)

        self.zones = zones
        directLookups = !config.origin.isSubdomain(of: "arpa.")
            && !zones.keys.contains { $0 != config.origin && $0.isSubdomain(of: config.origin) }
            && !(hosted?.apexes ?? []).contains { $0.isSubdomain(of: config.origin) || $0.isSubdomain(of: "arpa.") }
        originWire = config.origin.lowercasedWire
        self.hosted = hosted
        apexHashes = Self.apexHashes(zones: zones.keys, secondaries: nil, hosted: hosted)
        self.zoneDepths = Array(Set(zones.keys.map(\.labelCount))).sorted(by: >)
        self.nodes = NodeTable(nodes)
        self.nonTerminals = nonTerminals
        self.reverse = reverse
        self.skipped = skipped
        secondaries = nil
    }

    /// A local zone's SOA and NS at `serial`.
    static func localZone(_ apex: DomainName, _ kind: Kind, config: ZoneConfig, serial: UInt32) -> LocalZone {
        let soa = SOA(mname: config.serverName, rname: config.responsibleName, serial: serial,
                      refresh: config.refresh, retry: config.retry, expire: config.expire,
                      minimum: config.negativeTTL)
        let nsTarget = kind == .localhost ? apex : config.serverName
        return LocalZone(
            apex: apex, kind: kind,
            soa: ResourceRecord(name: apex, ttl: config.hostTTL, data: .soa(soa)),
            ns: [ResourceRecord(name: apex, ttl: config.hostTTL, data: .ns(nsTarget))])
    }

    /// A copy with other zone records (per-zone SOA serials), sharing the host data unless
    /// `hosts` (a patch's names, PTRs and host count) replaces it.
    init(_ other: ZoneSnapshot, zones: [DomainName: LocalZone], secondaries: SecondaryZones?, hosted: HostedZones?,
         state: ZoneState? = nil, hosts: (nodes: NodeTable<Node>, reverse: ReverseIndex, count: Int)? = nil) {
        config = other.config
        serial = state?.serial ?? other.serial
        generation = state?.generation ?? other.generation
        hostCount = hosts?.count ?? other.hostCount
        skipped = other.skipped
        self.zones = zones
        directLookups = other.directLookups
        originWire = other.originWire
        self.hosted = hosted
        apexHashes = Self.apexHashes(zones: zones.keys, secondaries: secondaries, hosted: hosted)
        // A patch may add or drop a derived reverse zone.
        zoneDepths = Array(Set(zones.keys.map(\.labelCount))).sorted(by: >)
        nodes = hosts?.nodes ?? other.nodes
        nonTerminals = other.nonTerminals
        reverse = hosts?.reverse ?? other.reverse
        self.secondaries = secondaries
    }

    /// A copy that also answers these secondary zones.
    public func withSecondaries(_ secondaries: SecondaryZones?) -> ZoneSnapshot {
        ZoneSnapshot(self, zones: zones, secondaries: secondaries, hosted: hosted)
    }

    /// Which host an address's PTR names: administrators' names first, then the host seen first,
    /// then by name, so the choice is stable across rebuilds.
    static func ptrOrder(_ a: HostRecord, _ b: HostRecord) -> Bool {
        if a.source.isAdministrative != b.source.isAdministrative { return a.source.isAdministrative }
        if a.firstSeen != b.firstSeen { return a.firstSeen < b.firstSeen }
        return a.name.lowercased() < b.name.lowercased()
    }

    static func enclosingZone(of name: DomainName, in zones: [DomainName: LocalZone], depths: [Int]) -> LocalZone? {
        DeepestApex.lookup(name, in: zones, depths: depths)
    }

    /// The zone apexes this snapshot answers for (the LAN zone, reverse and special zones).
    public var zoneApexes: [DomainName] { zones.keys.sorted() }

    // MARK: - Answering

    /// Answers one question as an authoritative server would (NSD and Knot semantics).
    public func answer(_ question: Question) -> ZoneAnswer {
        let qname = question.name
        let zone = Self.enclosingZone(of: qname, in: zones, depths: zoneDepths)
        if let hosted, let hostedZone = hosted.enclosing(qname),
           hostedZone.apex.labelCount >= (zone?.apex.labelCount ?? 0),
           hostedZone.apex.labelCount >= (secondaries?.enclosing(qname)?.apex.labelCount ?? 0) {
            return hostedZone.answer(question)
        }
        if let secondaries {
            if let entry = secondaries.enclosing(qname), entry.apex.labelCount >= (zone?.apex.labelCount ?? 0) {
                return secondaries.answer(question, in: entry)
            }
            if zone == nil, question.name.labelCount == 1, let entry = secondaries.entry(config.origin),
               let inZone = try? qname.appending(config.origin) {
                return singleLabel(question, secondary: entry, name: inZone)
            }
        }
        guard let zone else {
            return singleLabel(question)
        }
        switch zone.kind {
        case .localhost:
            return localhost(question, zone: zone)
        case .reverse:
            return reverseLookup(question, zone: zone)
        case .lan, .empty:
            return lookup(question, owner: qname, name: qname, zone: zone)
        }
    }

    /// `printer.` is answered as `printer.<zone>.`, as dnsmasq does, for clients without a search
    /// domain. An unknown single label is NXDOMAIN here, never sent upstream.
    func singleLabel(_ question: Question) -> ZoneAnswer {
        guard question.name.labelCount == 1, let inZone = try? question.name.appending(config.origin),
              let zone = zones[config.origin] else {
            return .notAuthoritative
        }
        switch lookup(question, owner: question.name, name: inZone, zone: zone) {
        case .nxDomain:
            // Infrastructure questions about a top-level domain (a validating stub asking for
            // `com. DS`) are not about the LAN: they go to the forwarder.
            if Self.infrastructureTypes.contains(question.type) { return .notAuthoritative }
            return .nxDomain(soa: nil)
        case let other: return other
        }
    }

    /// A single label on a secondary: looked up in the LAN zone copied from the primary, with the
    /// question's own name as the owner of what comes back.
    func singleLabel(_ question: Question, secondary: SecondaryZones.Entry, name: DomainName) -> ZoneAnswer {
        let inZone = Question(name: name, type: question.type, recordClass: question.recordClass)
        switch secondaries?.answer(inZone, in: secondary) ?? .notAuthoritative {
        case .answer(let records, let additional):
            return .answer(records.map { $0.name == name ? rename($0, question.name) : $0 }, additional: additional)
        case .nxDomain:
            if Self.infrastructureTypes.contains(question.type) { return .notAuthoritative }
            return .nxDomain(soa: nil)
        case let other:
            return other
        }
    }

    static let infrastructureTypes: Set<RecordType> = [.ns, .soa, .ds, .dnskey, .rrsig, RecordType(47), RecordType(50), RecordType(51)]

    func localhost(_ question: Question, zone: LocalZone) -> ZoneAnswer {
        let ttl = config.hostTTL
        let isApex = question.name == zone.apex
        switch question.type {
        case .a, .any:
            return .answer([ResourceRecord(name: question.name, ttl: ttl, data: .a(IPv4Address(127, 0, 0, 1)))], additional: [])
        case .aaaa:
            return .answer([ResourceRecord(name: question.name, ttl: ttl, data: .aaaa(IPv6Address("::1")!))], additional: [])
        case .soa where isApex:
            return .answer([zone.soa], additional: [])
        case .ns where isApex:
            return .answer(zone.ns, additional: [])
        default:
            return .noData(soa: negativeSOA(zone))
        }
    }

    func negativeSOA(_ zone: LocalZone) -> ResourceRecord {
        var soa = zone.soa
        soa.ttl = min(soa.ttl, config.negativeTTL)
        return soa
    }

    func lookup(_ question: Question, owner: DomainName, name: DomainName, zone: LocalZone) -> ZoneAnswer {
        let ttl = config.hostTTL
        let isApex = name == zone.apex
        let node = nodes[name]
        if isApex {
            switch question.type {
            case .soa:
                return .answer([rename(zone.soa, owner)], additional: [])
            case .ns:
                return .answer(zone.ns.map { rename($0, owner) }, additional: glue(for: zone))
            case .any where node == nil:
                return .answer([rename(zone.soa, owner)], additional: [])
            default:
                break
            }
        }
        guard let node else {
            if isApex || nonTerminals.contains(name) { return .noData(soa: negativeSOA(zone)) }
            return .nxDomain(soa: negativeSOA(zone))
        }
        var records: [ResourceRecord] = []
        func addA() { records += node.a.map { ResourceRecord(name: owner, ttl: ttl, data: .a($0)) } }
        func addAAAA() { records += node.aaaa.map { ResourceRecord(name: owner, ttl: ttl, data: .aaaa($0)) } }
        switch question.type {
        case .a: addA()
        case .aaaa: addAAAA()
        case .any:
            // RFC 8482: one RRset is enough.
            addA()
            if records.isEmpty { addAAAA() }
        default: break
        }
        if records.isEmpty { return .noData(soa: negativeSOA(zone)) }
        return .answer(records, additional: [])
    }

    /// A reverse zone: the name is read back into an address (PTR from the index) or a prefix
    /// (an empty non-terminal when some address lies under it).
    func reverseLookup(_ question: Question, zone: LocalZone) -> ZoneAnswer {
        let qname = question.name
        let isApex = qname == zone.apex
        if isApex {
            switch question.type {
            case .soa: return .answer([rename(zone.soa, qname)], additional: [])
            case .ns: return .answer(zone.ns.map { rename($0, qname) }, additional: glue(for: zone))
            default: break
            }
        }
        switch ReverseIndex.read(qname) {
        case .address(let address):
            guard let target = reverse.target(of: address) else {
                return isApex ? .noData(soa: negativeSOA(zone)) : .nxDomain(soa: negativeSOA(zone))
            }
            switch question.type {
            case .ptr, .any:
                return .answer([ResourceRecord(name: qname, ttl: config.hostTTL, data: .ptr(target))], additional: [])
            default:
                return .noData(soa: negativeSOA(zone))
            }
        case .prefix(let prefix, let bits):
            if isApex {
                return question.type == .any ? .answer([rename(zone.soa, qname)], additional: []) : .noData(soa: negativeSOA(zone))
            }
            return reverse.hasAddress(under: prefix, bits: bits) ? .noData(soa: negativeSOA(zone)) : .nxDomain(soa: negativeSOA(zone))
        case .none:
            return isApex ? .noData(soa: negativeSOA(zone)) : .nxDomain(soa: negativeSOA(zone))
        }
    }

    func rename(_ record: ResourceRecord, _ owner: DomainName) -> ResourceRecord {
        var copy = record
        copy.name = owner
        return copy
    }

    /// Addresses of the zone's name servers when they are inside the zone.
    func glue(for zone: LocalZone) -> [ResourceRecord] {
        var out: [ResourceRecord] = []
        for ns in zone.ns {
            guard case .ns(let target) = ns.data, let node = nodes[target] else { continue }
            out += node.a.map { ResourceRecord(name: target, ttl: config.hostTTL, data: .a($0)) }
            out += node.aaaa.map { ResourceRecord(name: target, ttl: config.hostTTL, data: .aaaa($0)) }
        }
        return out
    }
}
