/// An address prefix such as `198.51.100.0/24` or `2001:db8::/32`.
public struct AddressPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init(address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// `ADDR/LEN`, or a bare address (a host prefix).
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(parts[0]) else {
            throw ParseError(description: "\"\(text)\" is not ADDRESS/LENGTH")
        }
        let maximum = address.bytes.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else {
                throw ParseError(description: "\"\(text)\": the length must be 0...\(maximum)")
            }
            length = value
        }
        self.init(address: address, length: length)
    }

    public func contains(_ other: IPAddress) -> Bool {
        let a = address.bytes, b = Self.normalised(other).bytes
        guard a.count == b.count else { return false }
        var remaining = length
        for index in 0..<a.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a[index] & mask != b[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// `::ffff:a.b.c.d` (an IPv4 client on a dual-stack socket) counts as the IPv4 address.
    static func normalised(_ address: IPAddress) -> IPAddress {
        if case .v6(let v6) = address, v6.bytes[0..<10].allSatisfy({ $0 == 0 }), v6.bytes[10] == 0xFF, v6.bytes[11] == 0xFF,
           let v4 = IPv4Address(bytes: Array(v6.bytes[12...])) {
            return .v4(v4)
        }
        return address
    }

    public var description: String { "\(address)/\(length)" }
}
