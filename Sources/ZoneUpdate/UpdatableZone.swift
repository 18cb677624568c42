import DNSWire
import LANZone

/// A zone as `UpdateRules` see it: the records at a name (for the prerequisites and the working
/// copy) and the types an UPDATE may add. Hosted zones are `TransferredZone`s; the LAN zone and
/// its reverse zones are views of the snapshot (`LANZoneView`, `ReverseZoneView`).
public protocol UpdatableZone {
    var apex: DomainName { get }
    /// Every record at `name` (class IN).
    func records(at name: DomainName) -> [ResourceRecord]
    /// The record types an UPDATE may add here.
    var addableTypes: Set<RecordType> { get }
}

extension TransferredZone: UpdatableZone {
    public var addableTypes: Set<RecordType> { HostedRecordRules.types }
}
