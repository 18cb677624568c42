import DNSWire

/// What a device holds, as the DHCP traffic shows it.
public struct Lease: Hashable, Sendable {
    public enum State: String, Sendable {
        /// Seen only as the client's broadcast REQUEST (the ACK was not visible).
        case requested
        /// Confirmed by the server's ACK (v4) or REPLY (v6).
        case acknowledged
    }

    public var mac: MACAddress
    /// The sanitised host label; nil when the client sent none, or one that sanitises to nothing,
    /// or asked for no DNS update (FQDN N flag).
    public var name: String?
    /// The name bytes as the client sent them (for logs and `hosts list`).
    public var rawName: [UInt8]?
    public var address: IPAddress
    /// When the lease ends (Unix time); nil when unknown (a REQUEST without ACK) or infinite.
    public var leaseEnd: Double?
    public var state: State
    /// True when the lease went through a relay (giaddr set, or a DHCPv6 relay): the device is
    /// not on this link, so it can never be probed with ARP or NDP.
    public var relayed: Bool
    /// The client asked that no DNS update be made (FQDN option, N flag).
    public var noDNSUpdate: Bool
    public var interface: String?
    public var seenAt: Double
}

/// What the lease tracker tells the daemon.
public enum LeaseEvent: Hashable, Sendable {
    /// A device holds an address (new, renewed, moved or renamed).
    case bound(Lease)
    /// The device gave the address back (RELEASE, or a DHCPv6 lifetime of zero).
    case released(mac: MACAddress, address: IPAddress, at: Double)
    /// A requested address was refused (NAK): a *requested* registration
    /// for it goes; an acknowledged one stays.
    case cancelled(mac: MACAddress, address: IPAddress, at: Double)
}
