import DNSWire

/// What the local zones say about one question.
public enum ZoneAnswer: Sendable, Hashable {
    /// Records for the question's name and type (AA set), with additional records (glue).
    case answer([ResourceRecord], additional: [ResourceRecord])
    /// The name exists but has no data of that type: NOERROR with the SOA in authority.
    case noData(soa: ResourceRecord)
    /// The name does not exist: NXDOMAIN, with the SOA of the zone that says so (none for a
    /// single-label name that is not in the zone, which belongs to no zone of ours).
    case nxDomain(soa: ResourceRecord?)
    /// No local zone holds this name: the forwarder's business (REFUSED without one).
    case notAuthoritative
}
