extension IPAddress {
    /// `in-addr.arpa.` and `ip6.arpa.` in wire form.
    static let inAddrArpaWire: [UInt8] = [7] + Array("in-addr".utf8) + [4] + Array("arpa".utf8) + [0]
    static let ip6ArpaWire: [UInt8] = [3] + Array("ip6".utf8) + [4] + Array("arpa".utf8) + [0]

    /// The address a full-length reverse name stands for, the inverse of `reverseName` (RFC 1035
    /// sec. 3.5, RFC 3596 sec. 2.5), read straight from lower-cased, uncompressed wire bytes (a
    /// `MessageView` question key) without building a `DomainName`: `d.c.b.a.in-addr.arpa.` with
    /// decimal labels of 1...3 digits and no leading zeros, or the 32 one-nibble labels of an
    /// `ip6.arpa.` name. Nil for anything else, prefixes included.
    public init?(reverseNameWire name: [UInt8]) {
        let inAddr = Self.inAddrArpaWire, ip6 = Self.ip6ArpaWire
        let address = name.withUnsafeBufferPointer { wire -> IPAddress? in
            if wire.count == 64 + ip6.count, wire.suffix(ip6.count).elementsEqual(ip6) {
                // 32 labels of one nibble each, at fixed places, from the lowest nibble up.
                var high: UInt64 = 0, low: UInt64 = 0
                for nibbleIndex in 0..<32 {
                    guard wire[2 * nibbleIndex] == 1, let value = IPv6Address.hexValue(wire[2 * nibbleIndex + 1]) else {
                        return nil
                    }
                    let position = 31 - nibbleIndex
                    if position < 16 {
                        high |= UInt64(value) << (60 - 4 * UInt64(position))
                    } else {
                        low |= UInt64(value) << (60 - 4 * UInt64(position - 16))
                    }
                }
                return .v6(IPv6Address(high: high, low: low))
            }
            guard wire.count > inAddr.count, wire.count <= 16 + inAddr.count,
                  wire.suffix(inAddr.count).elementsEqual(inAddr) else { return nil }
            // Four labels before the suffix, the lowest octet first.
            let end = wire.count - inAddr.count
            var index = 0
            var value: UInt32 = 0
            for octetIndex in 0..<4 {
                guard index < end else { return nil }
                let length = Int(wire[index])
                guard (1...3).contains(length), index + 1 + length <= end else { return nil }
                var octet = 0
                for at in (index + 1)..<(index + 1 + length) {
                    let digit = wire[at]
                    guard digit >= 0x30 && digit <= 0x39 else { return nil }
                    octet = octet * 10 + Int(digit - 0x30)
                }
                guard octet <= 255, !(length > 1 && wire[index + 1] == 0x30) else { return nil }
                value |= UInt32(octet) << (8 * UInt32(octetIndex))
                index += 1 + length
            }
            guard index == end else { return nil }
            return .v4(IPv4Address(uint32: value))
        }
        guard let address else { return nil }
        self = address
    }
}
