import DNSWire

/// What changed in the LAN zone's hosts since a position of the store's change log: enough to
/// patch a snapshot (`ZoneSnapshot.patched`) without reading every host.
public struct LANChanges: Sendable {
    /// The change log's position this brings a snapshot to.
    public var position: Int64
    /// The store's state at that position.
    public var state: ZoneState
    /// Names of hosts added, changed or removed (as stored, any case).
    public var names: [String]
    /// The hosts among `names` that exist now.
    public var hosts: [HostRecord]
    /// Every address that a changed host had or has now.
    public var addresses: Set<IPAddress>
    /// Every host holding one of `addresses` now (its PTR's candidates), changed or not.
    public var holders: [HostRecord]
}
