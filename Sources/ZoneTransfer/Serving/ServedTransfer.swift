import DNSWire

/// The last transfer a secondary took of a zone: who, which serial it has since, when (seconds
/// since 1970), and whether it was AXFR, IXFR or already up to date.
public struct ServedTransfer: Sendable, Hashable {
    public var zone: DomainName
    public var secondary: IPAddress
    public var serial: UInt32
    public var at: Double
    public var kind: String

    public init(zone: DomainName, secondary: IPAddress, serial: UInt32, at: Double, kind: String) {
        self.zone = zone
        self.secondary = secondary
        self.serial = serial
        self.at = at
        self.kind = kind
    }
}
