import DNSWire

/// The zones a secondary holds, as the query path sees them: each zone's copy (none yet before
/// the first transfer) and whether it has expired (RFC 1035 sec. 4.3.5: SOA EXPIRE without
/// contact with the primary). A missing or expired zone answers SERVFAIL, never stale or empty
/// data, as RFC 1034 asks of a secondary.
public final class SecondaryZones: Sendable {
    public struct Entry: Sendable {
        public var apex: DomainName
        public var zone: TransferredZone?
        public var expired: Bool

        public init(apex: DomainName, zone: TransferredZone?, expired: Bool) {
            self.apex = apex
            self.zone = zone
            self.expired = expired
        }
    }

    let entries: [DomainName: Entry]
    let depths: [Int]

    public init(_ entries: [Entry]) {
        self.entries = Dictionary(entries.map { ($0.apex, $0) }, uniquingKeysWith: { $1 })
        depths = Array(Set(entries.map(\.apex.labelCount))).sorted(by: >)
    }

    public var apexes: [DomainName] { entries.keys.sorted() }

    public func entry(_ apex: DomainName) -> Entry? { entries[apex] }

    /// The deepest zone that holds `name`.
    func enclosing(_ name: DomainName) -> Entry? {
        DeepestApex.lookup(name, in: entries, depths: depths)
    }

    func answer(_ question: Question, in entry: Entry) -> ZoneAnswer {
        guard !entry.expired, let zone = entry.zone else { return .serverFailure }
        return zone.answer(question)
    }
}
