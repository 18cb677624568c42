import DNSWire

/// Where a host's name came from. Static names (from the CLI, the config file or an imported
/// hosts file) are kept as written; DHCP names are sanitised before they get here.
public enum HostSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// `lannamed hosts add` or `hosts import`.
    case `static`
    /// The `[[hosts]]` tables of the config file, replaced as a whole at each start.
    case config
    /// Learned from a DHCP lease.
    case dhcp
    /// Registered by an RFC 2136 UPDATE from a DHCP server (Kea's DHCP-DDNS, ISC dhcpd) signed
    /// with a LAN-zone key: the server that hands out the leases says what they are, so it beats
    /// the sniffer, and the administrator's names beat it.
    case update

    /// Static and config names always win over learned ones (sniffed or updated).
    public var isAdministrative: Bool { self == .static || self == .config }
}

/// One host as the store keeps it.
public struct HostRecord: Sendable, Hashable {
    /// The name relative to the zone origin, in presentation form (`printer`, `lab.scanner`),
    /// or `@` for the apex.
    public var name: String
    public var addresses: [IPAddress]
    public var source: HostSource
    /// MAC address (`aa:bb:cc:dd:ee:ff`) where known.
    public var mac: String?
    public var firstSeen: Double
    public var lastSeen: Double
    /// Lease end (Unix time) for DHCP hosts; nil for static ones.
    public var leaseEnd: Double?
    /// Free-form state for learned hosts (e.g. `requested`, `acknowledged`).
    public var state: String?
    /// Whether this name is published as the PTR target of its addresses (aliases are not).
    public var publishesPTR: Bool
    /// Why a learned host has the name it has (a conflict, a displacement), for `hosts list`.
    public var note: String?

    public init(name: String, addresses: [IPAddress], source: HostSource, mac: String? = nil, firstSeen: Double = 0,
                lastSeen: Double = 0, leaseEnd: Double? = nil, state: String? = nil, publishesPTR: Bool = true,
                note: String? = nil) {
        self.name = name
        self.addresses = addresses
        self.source = source
        self.mac = mac
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.leaseEnd = leaseEnd
        self.state = state
        self.publishesPTR = publishesPTR
        self.note = note
    }

    /// The absolute owner name in the zone `origin`.
    public func ownerName(in origin: DomainName) throws -> DomainName {
        try DomainName(parsing: name, origin: origin)
    }
}
