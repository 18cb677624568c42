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
    /// The name lies at or below a zone cut in one of our zones (a child zone delegated elsewhere):
    /// a referral, NOERROR with AA clear, `ns` (the child's NS RRset, owned by the cut) in
    /// authority and `glue` (addresses of those servers found in our zone data) in additional
    /// (RFC 1034 sec. 4.3.2 step 3b). Never forwarded: the zone is ours, the data below the cut
    /// is not, and a referral is what NSD and Knot send.
    case delegation(ns: [ResourceRecord], glue: [ResourceRecord])
    /// The zone is ours but must not be answered from, e.g. a secondary zone past its SOA expire
    /// time (RFC 1035 sec. 3.3.13): SERVFAIL. Neither forwarded nor NXDOMAIN, since either would
    /// give clients an answer we can no longer vouch for.
    case serverFailure
}
