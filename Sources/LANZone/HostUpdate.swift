import DNSWire

/// What an RFC 2136 UPDATE leaves at one name of the LAN zone: its addresses and its DHCID
/// records (RFC 4701) after the update, each nil when the update did not touch them.
public struct HostUpdate: Sendable, Hashable {
    /// Relative to the zone origin, in presentation form (`laptop`), as `HostRecord.name`.
    public var name: String
    /// The name's A and AAAA data afterwards; empty: the host goes.
    public var addresses: [IPAddress]?
    /// The DHCID RDATA afterwards (kept for the DHCP server's conflict checks, not served).
    public var dhcid: [[UInt8]]?

    public init(name: String, addresses: [IPAddress]? = nil, dhcid: [[UInt8]]? = nil) {
        self.name = name
        self.addresses = addresses
        self.dhcid = dhcid
    }
}

/// What `HostStore.applyHostUpdates` did.
public enum HostUpdateOutcome: Sendable, Hashable {
    /// Stored; `visible`: names or addresses changed (the serial moved).
    case applied(visible: Bool)
    /// Nothing stored: `name` may not be registered by UPDATE (`UpdateClaim.refuse`).
    case refused(name: String, reason: String)
}
