import DNSWire

/// PTR data without a name per address: addresses map to the host that publishes their PTR, and
/// sorted address lists answer "is there any address under this prefix?" (empty non-terminals of
/// the reverse tree) by binary search. A reverse question is read back into an address or a
/// prefix. A zone of 100,000 hosts then holds numbers, not 100,000 more names.
struct ReverseIndex: Sendable {
    /// Address -> the owner name its PTR points to, as sorted arrays: a lookup is a binary search,
    /// and 100,000 addresses take their keys and name references only (no hash table at a third
    /// of its load).
    let v4: SortedMap<UInt32, DomainName>
    let v6: SortedMap<IPv6Address, DomainName>

    /// From (address, owner) pairs, each address at most once.
    init(v4: [(UInt32, DomainName)], v6: [(IPv6Address, DomainName)]) {
        self.v4 = SortedMap(v4)
        self.v6 = SortedMap(v6)
    }

    init(v4: SortedMap<UInt32, DomainName>, v6: SortedMap<IPv6Address, DomainName>) {
        self.v4 = v4
        self.v6 = v6
    }

    /// The index with the PTR of each address pointing at its owner (none with nil): one copy
    /// of each table for all of them.
    func setting(_ owners: [(address: IPAddress, owner: DomainName?)]) -> ReverseIndex {
        var v4 = self.v4, v6 = self.v6
        for (address, owner) in owners {
            switch address {
            case .v4(let a): v4.set(a.uint32, owner)
            case .v6(let a): v6.set(a, owner)
            }
        }
        return ReverseIndex(v4: v4, v6: v6)
    }

    /// Whether any address with a PTR shares the /24 (IPv4) or /64 (IPv6) of `address`: what
    /// keeps its derived reverse zone.
    func hasNeighbour(of address: IPAddress) -> Bool {
        switch address {
        case .v4(let a):
            let start = a.uint32 & 0xFFFF_FF00
            let index = v4.lowerBound(start)
            return index < v4.count && v4.keys[index] >> 8 == start >> 8
        case .v6(let a):
            let index = v6.lowerBound(IPv6Address(high: a.high, low: 0))
            return index < v6.count && v6.keys[index].high == a.high
        }
    }

    /// What a name under in-addr.arpa. or ip6.arpa. stands for.
    enum Reading: Equatable {
        case address(IPAddress)
        /// The first `bits` bits of `address` (the rest zero).
        case prefix(IPAddress, bits: Int)
        /// Not a name that any address has (a bad label, too many labels).
        case none
    }

    static let inAddrArpa: DomainName = "in-addr.arpa."
    static let ip6Arpa: DomainName = "ip6.arpa."

    static func read(_ name: DomainName) -> Reading {
        if let labels = name.labels(relativeTo: inAddrArpa) {
            guard labels.count <= 4 else { return .none }
            var value: UInt32 = 0
            for (index, label) in labels.reversed().enumerated() {
                guard !label.isEmpty, label.count <= 3, label.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      !(label.count > 1 && label[0] == 0x30) else { return .none }
                let octet = label.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                guard octet <= 255 else { return .none }
                value |= UInt32(octet) << (24 - 8 * UInt32(index))
            }
            let address = IPAddress.v4(IPv4Address(uint32: value))
            return labels.count == 4 ? .address(address) : .prefix(address, bits: labels.count * 8)
        }
        if let labels = name.labels(relativeTo: ip6Arpa) {
            guard labels.count <= 32 else { return .none }
            var high: UInt64 = 0, low: UInt64 = 0
            for (index, label) in labels.reversed().enumerated() {
                guard label.count == 1, let nibble = IPv6Address.hexValue(label[0]) else { return .none }
                if index < 16 {
                    high |= UInt64(nibble) << (60 - 4 * UInt64(index))
                } else {
                    low |= UInt64(nibble) << (60 - 4 * UInt64(index - 16))
                }
            }
            let address = IPAddress.v6(IPv6Address(high: high, low: low))
            return labels.count == 32 ? .address(address) : .prefix(address, bits: labels.count * 4)
        }
        return .none
    }

    /// The address a full-length reverse name stands for, read straight from its lower-cased
    /// wire bytes (the query path's form of `read`, without a `DomainName`; DNSWire reads it).
    /// Nil for anything else, prefixes included (`read` handles those).
    static func address(lowercasedWire name: [UInt8]) -> IPAddress? {
        IPAddress(reverseNameWire: name)
    }

    func target(of address: IPAddress) -> DomainName? {
        switch address {
        case .v4(let a): v4[a.uint32]
        case .v6(let a): v6[a]
        }
    }

    /// Whether any address with a PTR starts with this prefix.
    func hasAddress(under prefix: IPAddress, bits: Int) -> Bool {
        switch prefix {
        case .v4(let a):
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
            let low = a.uint32 & mask, high = low | ~mask
            let index = v4.lowerBound(low)
            return index < v4.count && v4.keys[index] <= high
        case .v6(let a):
            let (lowHigh, lowLow, highHigh, highLow) = Self.range6(a, bits: bits)
            let start = IPv6Address(high: lowHigh, low: lowLow), end = IPv6Address(high: highHigh, low: highLow)
            let index = v6.lowerBound(start)
            return index < v6.count && !(end < v6.keys[index])
        }
    }

    static func range6(_ a: IPv6Address, bits: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        func mask(_ n: Int) -> UInt64 { n <= 0 ? 0 : n >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - n) }
        let highMask = mask(bits), lowMask = mask(bits - 64)
        return (a.high & highMask, a.low & lowMask, a.high | ~highMask, a.low | ~lowMask)
    }
}

/// Keys in ascending order with their values: a read-only map searched by bisection, iterated in
/// key order.
struct SortedMap<Key: Comparable & Sendable, Value: Sendable>: Sequence, Sendable {
    private(set) var keys: [Key] = []
    private(set) var values: [Value] = []

    /// From pairs with distinct keys, in any order.
    init(_ pairs: [(Key, Value)]) {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        keys = sorted.map(\.0)
        values = sorted.map(\.1)
    }

    var count: Int { keys.count }

    /// The index of the first key not below `key`.
    func lowerBound(_ key: Key) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    subscript(key: Key) -> Value? {
        let index = lowerBound(key)
        return index < keys.count && keys[index] == key ? values[index] : nil
    }

    /// Sets (with nil: removes) the value of `key`, keeping the keys sorted.
    mutating func set(_ key: Key, _ value: Value?) {
        let index = lowerBound(key)
        let present = index < keys.count && keys[index] == key
        switch (present, value) {
        case (true, let value?): values[index] = value
        case (true, nil):
            keys.remove(at: index)
            values.remove(at: index)
        case (false, let value?):
            keys.insert(key, at: index)
            values.insert(value, at: index)
        case (false, nil): break
        }
    }

    func makeIterator() -> Zip2Sequence<[Key], [Value]>.Iterator { zip(keys, values).makeIterator() }
}

/// A reverse zone as a numeric prefix, to place addresses without building their names.
struct ReversePrefix: Sendable {
    var address: IPAddress
    var bits: Int
    var apex: DomainName

    init?(apex: DomainName) {
        guard case .prefix(let address, let bits) = ReverseIndex.read(apex) else {
            if case .address(let address) = ReverseIndex.read(apex) {
                self.address = address
                self.bits = address.bytes.count * 8
                self.apex = apex
                return
            }
            return nil
        }
        self.address = address
        self.bits = bits
        self.apex = apex
    }

    func contains(_ other: IPAddress) -> Bool {
        switch (address, other) {
        case (.v4(let a), .v4(let b)):
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
            return a.uint32 & mask == b.uint32 & mask
        case (.v6(let a), .v6(let b)):
            let (lh, ll, _, _) = ReverseIndex.range6(a, bits: bits)
            let (bh, bl, _, _) = ReverseIndex.range6(b, bits: bits)
            return lh == bh && ll == bl
        default:
            return false
        }
    }
}
