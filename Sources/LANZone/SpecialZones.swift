import DNSWire

/// Zones answered locally whatever the configuration, because their names must never leave the
/// box: the special-use names of RFC 6761 and RFC 7686, and the reverse zones of RFC 6303 (and
/// RFC 7793 for shared address space 100.64.0.0/10).
enum SpecialZones {
    /// `localhost.` and every name below it: loopback addresses (RFC 6761 sec. 6.3).
    static let localhost: DomainName = "localhost."

    /// Empty zones: NXDOMAIN below the apex (RFC 6761 sec. 6.2 and 6.4, RFC 7686, RFC 8375).
    static let emptyForward: [DomainName] = ["invalid.", "test.", "onion.", "home.arpa."]

    /// The reverse zones of RFC 6303 sec. 4 and RFC 7793: answered from local hosts, NXDOMAIN
    /// otherwise.
    static let reverse: [DomainName] = {
        var names: [String] = ["10.in-addr.arpa.", "168.192.in-addr.arpa.", "0.in-addr.arpa.", "127.in-addr.arpa.",
                               "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
                               "113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
                               "d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
                               "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."]
        names += (16...31).map { "\($0).172.in-addr.arpa." }
        names += (64...127).map { "\($0).100.in-addr.arpa." }
        let zeros = String(repeating: "0.", count: 31)
        names += [zeros + "0.ip6.arpa.", "1." + zeros + "ip6.arpa."]
        return names.map { try! DomainName($0) }
    }()

    /// The reverse zones of 127.0.0.0/8 and ::1.
    static let loopbackReverse: Set<DomainName> = ["127.in-addr.arpa.", try! DomainName("1." + String(repeating: "0.", count: 31) + "ip6.arpa.")]

    /// The reverse zone that holds `address` when it is not in one of the RFC 6303 zones: its /24
    /// for IPv4, its /64 for IPv6.
    static func derivedReverseZone(for address: IPAddress) -> DomainName {
        let name = address.reverseName
        let keep = { () -> Int in
            switch address {
            case .v4: 3 + 2   // a.b.c + in-addr.arpa
            case .v6: 16 + 2  // 16 nibbles + ip6.arpa
            }
        }()
        var result = name
        while result.labelCount > keep { result = result.parent }
        return result
    }
}
