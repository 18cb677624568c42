import DNSWire

/// What one request says about one address family of a host.
public enum AddressInstruction: Sendable, Hashable {
    /// Not mentioned, or `preserve`: the host keeps what it has.
    case keep
    /// An empty value (`myipv6=`): the host loses this family.
    case delete
    /// These addresses replace the family's (all of one family, at least one).
    case set([IPAddress])
    /// IPv6 only (`2001:db8:1:2::/64`): each of the host's IPv6 addresses keeps its interface
    /// identifier (the bits after the prefix) and takes this prefix. A host without one stays without.
    case prefix(AddressPrefix)

    /// The family after this instruction, given what the host has now.
    func applied(to current: [IPAddress]) -> [IPAddress] {
        switch self {
        case .keep: current
        case .delete: []
        case .set(let addresses): addresses
        case .prefix(let prefix): Self.sorted(current.compactMap { Self.combine(prefix, $0) })
        }
    }

    /// The addresses this instruction gives, for the answer line: the request's own, or for a
    /// prefix the addresses it makes; none for keep and delete.
    func requested(given current: [IPAddress]) -> [IPAddress] {
        switch self {
        case .keep, .delete: []
        case .set(let addresses): addresses
        case .prefix: applied(to: current)
        }
    }

    /// The prefix's high bits with the address's low bits (IPv6 only).
    static func combine(_ prefix: AddressPrefix, _ address: IPAddress) -> IPAddress? {
        guard case .v6(let net) = prefix.address, case .v6(let host) = address else { return nil }
        let length = max(0, min(128, prefix.length))
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        let highMask = mask(length), lowMask = mask(length - 64)
        return .v6(IPv6Address(
            high: (net.high & highMask) | (host.high & ~highMask),
            low: (net.low & lowMask) | (host.low & ~lowMask)))
    }

    static func sorted(_ addresses: [IPAddress]) -> [IPAddress] {
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }.sorted()
    }
}

/// The instructions for both families of a host.
public struct AddressInstructions: Sendable, Hashable {
    public var ipv4: AddressInstruction
    public var ipv6: AddressInstruction

    public init(ipv4: AddressInstruction = .keep, ipv6: AddressInstruction = .keep) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    /// Only the client's own address, for its family; the other family is kept.
    public static func clientAddress(_ address: IPAddress) -> AddressInstructions {
        switch address {
        case .v4: AddressInstructions(ipv4: .set([address]))
        case .v6: AddressInstructions(ipv6: .set([address]))
        }
    }
}
