import DNSWire

/// A public zone this server is the primary for (`dyn.example.net.`): its SOA and NS, the
/// addresses of in-zone name servers, static records, and the TTL of the names customers update.
/// Unlike the LAN zone it answers any client, and it holds any record type.
public struct HostedZoneConfig: Sendable, Hashable {
    public var apex: DomainName
    /// SOA MNAME: the primary's name (the first NS by default).
    public var primaryName: DomainName
    /// SOA RNAME: the mailbox of who runs the zone, `hostmaster.<apex>` by default.
    public var responsibleName: DomainName
    public var nameServers: [DomainName]
    /// Addresses of name servers inside the zone (published as their A/AAAA: the parent needs
    /// them as glue).
    public var nameServerAddresses: [DomainName: [IPAddress]]
    /// TTL of the addresses customers update (short: an address changes daily).
    public var dynamicTTL: UInt32
    /// TTL of the SOA, NS and of static records that give none.
    public var ttl: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// SOA MINIMUM: how long resolvers cache a "no such name" (RFC 2308).
    public var negativeTTL: UInt32
    /// Records from the config file (the command line's records live in the store).
    public var records: [ResourceRecord]

    public init(apex: DomainName, nameServers: [DomainName], primaryName: DomainName? = nil,
                responsibleName: DomainName? = nil, nameServerAddresses: [DomainName: [IPAddress]] = [:],
                dynamicTTL: UInt32 = 60, ttl: UInt32 = 3600, refresh: UInt32 = 3600, retry: UInt32 = 600,
                expire: UInt32 = 1_209_600, negativeTTL: UInt32 = 60, records: [ResourceRecord] = []) {
        self.apex = apex
        self.nameServers = nameServers
        self.primaryName = primaryName ?? nameServers.first ?? apex
        self.responsibleName = responsibleName ?? (try? apex.prepending(Array("hostmaster".utf8))) ?? apex
        self.nameServerAddresses = nameServerAddresses
        self.dynamicTTL = dynamicTTL
        self.ttl = ttl
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.negativeTTL = negativeTTL
        self.records = records
    }

    /// The zone's own records: SOA (with `serial`), apex NS, in-zone name server addresses and the
    /// config's static records.
    public func baseRecords(serial: UInt32) -> [ResourceRecord] {
        let soa = SOA(mname: primaryName, rname: responsibleName, serial: serial, refresh: refresh, retry: retry,
                      expire: expire, minimum: negativeTTL)
        var records = [ResourceRecord(name: apex, ttl: ttl, data: .soa(soa))]
        records += nameServers.map { ResourceRecord(name: apex, ttl: ttl, data: .ns($0)) }
        for server in nameServers where server.isSubdomain(of: apex) {
            for address in nameServerAddresses[server] ?? [] {
                records.append(ResourceRecord(name: server, ttl: ttl, data: address.recordData))
            }
        }
        return records + self.records
    }

    /// A customer's name: its addresses, and the same under `*.<name>` when it has a wildcard.
    public func dynamicRecords(name: DomainName, addresses: [IPAddress], wildcard: Bool) -> [ResourceRecord] {
        var records = addresses.map { ResourceRecord(name: name, ttl: dynamicTTL, data: $0.recordData) }
        if wildcard, let star = try? name.prepending([UInt8(ascii: "*")]) {
            records += addresses.map { ResourceRecord(name: star, ttl: dynamicTTL, data: $0.recordData) }
        }
        return records
    }
}

extension IPAddress {
    /// The A or AAAA data of this address.
    public var recordData: RecordData {
        switch self {
        case .v4(let v4): .a(v4)
        case .v6(let v6): .aaaa(v6)
        }
    }
}
