import DNSWire

extension ZoneSnapshot {
    /// A plain positive answer read straight from the snapshot: the addresses of a LAN host, or
    /// the host an address's PTR names. The query path writes these without building records or
    /// keeping per-question copies (a zone of 100,000 hosts needs no 200,000 cached answers).
    public enum DirectAnswer: Sendable, Equatable {
        case a([IPv4Address])
        case aaaa([IPv6Address])
        case ptr(DomainName)
    }

    /// The direct answer to (name, type) for a lower-cased, uncompressed wire name, or nil when
    /// the question needs the full answer logic (no such data, other types, the apex, single
    /// labels, secondary zones, a LAN zone placed where reverse or other zones could overlap it).
    /// Whenever it is not nil, `answer(_:)` gives exactly these records.
    public func directAnswer(lowercasedWire name: [UInt8], type: UInt16) -> DirectAnswer? {
        guard directLookups, secondaries == nil else { return nil }
        switch type {
        case 1, 28:
            // Below the LAN apex: the name ends with the origin's labels, with at least one more.
            let origin = originWire
            guard name.count > origin.count,
                  name.withUnsafeBufferPointer({ $0.suffix(origin.count).elementsEqual(origin) }),
                  Self.endsAtLabelBoundary(name, suffixLength: origin.count),
                  let owner = try? DomainName(wire: name), let node = nodes[owner] else { return nil }
            if type == 1 { return node.a.isEmpty ? nil : .a(node.a) }
            return node.aaaa.isEmpty ? nil : .aaaa(node.aaaa)
        case 12:
            guard let address = Self.reverseAddress(name), let target = reverse.target(of: address) else { return nil }
            return .ptr(target)
        default:
            return nil
        }
    }

    /// Whether a question for this lower-cased, uncompressed wire name is certainly not about any
    /// zone answered here: a name of two labels or more with no local or secondary apex among
    /// its suffixes (it goes to the forwarder). False when unsure (the full logic decides).
    public func isOutsideLocalZones(lowercasedWire name: [UInt8]) -> Bool {
        name.withUnsafeBufferPointer { wire -> Bool in
            guard wire.count >= 2, wire[0] != 0, Int(wire[0]) + 1 < wire.count, wire[Int(wire[0]) + 1] != 0 else {
                return false  // the root or a single label
            }
            var index = 0
            while index < wire.count {
                if apexHashes.contains(Self.apexHash(wire[index...])) { return false }
                let length = Int(wire[index])
                if length == 0 { break }
                index += 1 + length
            }
            return true
        }
    }

    /// FNV-1a over lower-cased wire bytes.
    static func apexHash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    /// Whether the last `suffixLength` bytes of `name` start at a label of it (so `xlan.` is not
    /// taken for a name under `lan.`).
    static func endsAtLabelBoundary(_ name: [UInt8], suffixLength: Int) -> Bool {
        let target = name.count - suffixLength
        var index = 0
        while index < target {
            index += 1 + Int(name[index])
        }
        return index == target
    }

    private static let inAddrArpaWire: [UInt8] = [7] + Array("in-addr".utf8) + [4] + Array("arpa".utf8) + [0]
    private static let ip6ArpaWire: [UInt8] = [3] + Array("ip6".utf8) + [4] + Array("arpa".utf8) + [0]

    /// The address a full-length reverse name stands for, read from its lower-cased wire bytes:
    /// `d.c.b.a.in-addr.arpa.` (decimal labels without leading zeros) or the 32 nibbles of an
    /// `ip6.arpa.` name. Nil for anything else (prefixes are the full logic's business).
    static func reverseAddress(_ name: [UInt8]) -> IPAddress? {
        name.withUnsafeBufferPointer { wire -> IPAddress? in
            if wire.count == 64 + ip6ArpaWire.count, wire.suffix(ip6ArpaWire.count).elementsEqual(ip6ArpaWire) {
                var high: UInt64 = 0, low: UInt64 = 0
                for nibbleIndex in 0..<32 {
                    // Labels run from the lowest nibble to the highest.
                    guard wire[2 * nibbleIndex] == 1, let value = hexValue(wire[2 * nibbleIndex + 1]) else { return nil }
                    let position = 31 - nibbleIndex
                    if position < 16 {
                        high |= UInt64(value) << (60 - 4 * UInt64(position))
                    } else {
                        low |= UInt64(value) << (60 - 4 * UInt64(position - 16))
                    }
                }
                return .v6(IPv6Address(high: high, low: low))
            }
            guard wire.count > inAddrArpaWire.count, wire.count <= 16 + inAddrArpaWire.count,
                  wire.suffix(inAddrArpaWire.count).elementsEqual(inAddrArpaWire) else { return nil }
            let end = wire.count - inAddrArpaWire.count
            var index = 0
            var value: UInt32 = 0
            for octetIndex in 0..<4 {
                guard index < end else { return nil }
                let length = Int(wire[index])
                guard (1...3).contains(length), index + 1 + length <= end else { return nil }
                var octet = 0
                for at in (index + 1)...(index + length) {
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
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
