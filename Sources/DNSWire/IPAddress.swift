/// An IPv4 address as four bytes in network order.
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address as one number (no heap storage: a zone of 100,000 hosts holds many).
    public let uint32: UInt32

    public init(uint32: UInt32) { self.uint32 = uint32 }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        uint32 = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        self.init(bytes[0], bytes[1], bytes[2], bytes[3])
    }

    public var bytes: [UInt8] {
        [UInt8(uint32 >> 24), UInt8(truncatingIfNeeded: uint32 >> 16), UInt8(truncatingIfNeeded: uint32 >> 8),
         UInt8(truncatingIfNeeded: uint32)]
    }

    /// Dotted quad, exactly four decimal parts 0...255, no leading zeros beyond one digit
    /// (so `010.1.1.1`, which some tools read as octal, is refused).
    public init?(_ text: some StringProtocol) {
        guard let parsed = withUTF8(of: text, Self.parse) else { return nil }
        self = parsed
    }

    /// One pass over the UTF-8 bytes: four decimal parts, 0...255, no leading zeros. (Not
    /// generic: a caller in another module gets this loop compiled for bytes, not a generic
    /// walk over `StringProtocol`.)
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> IPv4Address? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        var leadingZero = false
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
                leadingZero = false
            } else if byte >= 0x30 && byte <= 0x39 {
                guard digits < 3, !leadingZero else { return nil }
                if digits == 0 && byte == 0x30 { leadingZero = true }
                part = part * 10 + UInt32(byte - 0x30)
                guard part <= 255 else { return nil }
                digits += 1
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return IPv4Address(uint32: value << 8 | part)
    }
    public var description: String { bytes.map(String.init).joined(separator: ".") }
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.uint32 < b.uint32 }

    /// `d.c.b.a.in-addr.arpa.`
    public var reverseName: DomainName {
        // Four decimal labels plus two fixed ones always fit.
        try! DomainName(labels: bytes.reversed().map { Array(String($0).utf8) } + [Array("in-addr".utf8), Array("arpa".utf8)])
    }
}

/// An IPv6 address as sixteen bytes in network order.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address as two numbers, most significant first (no heap storage).
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    /// RFC 4291 sec. 2.2 text forms: full, `::`-compressed, and with a trailing dotted quad. A
    /// zone index (`fe80::1%eth0`) names a link of one machine, meaningless in DNS data: refused.
    public init?(_ text: some StringProtocol) {
        guard let parsed = withUTF8(of: text, Self.parse) else { return nil }
        self = parsed
    }

    /// One pass over the text: groups of one to four hex digits between single colons, at most
    /// one `::` standing for at least one zero group, an optional dotted quad as the last two.
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> IPv6Address? {
        let n = b.count
        guard n >= 2, n <= 45 else { return nil }
        var groups = SIMD8<UInt16>()
        var count = 0
        var gap = -1
        var i = 0
        if b[0] == UInt8(ascii: ":") {
            guard b[1] == UInt8(ascii: ":") else { return nil }
            gap = 0
            i = 2
        }
        while i < n {
            let start = i
            var value: UInt16 = 0
            while i < n, let digit = Self.hexValue(b[i]) {
                guard i - start < 4 else { return nil }
                value = value << 4 | UInt16(digit)
                i += 1
            }
            if i < n && b[i] == UInt8(ascii: ".") {
                // The dotted quad: the last two groups.
                guard count <= 6,
                      let v4 = IPv4Address.parse(UnsafeBufferPointer(rebasing: b[start..<n]))
                else { return nil }
                groups[count] = UInt16(truncatingIfNeeded: v4.uint32 >> 16)
                groups[count + 1] = UInt16(truncatingIfNeeded: v4.uint32)
                count += 2
                break
            }
            guard i > start, count < 8 else { return nil }
            groups[count] = value
            count += 1
            if i == n { break }
            guard b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < n && b[i] == UInt8(ascii: ":") {
                guard gap < 0 else { return nil }
                gap = count
                i += 1
            } else {
                guard i < n else { return nil }
            }
        }
        if gap >= 0 {
            let missing = 8 - count
            guard missing >= 1 else { return nil }
            // Move the groups after the gap to the end; zeros in between.
            var expanded = SIMD8<UInt16>()
            for index in 0..<gap { expanded[index] = groups[index] }
            for index in gap..<count { expanded[index + missing] = groups[index] }
            groups = expanded
        } else {
            guard count == 8 else { return nil }
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<4 { high = high << 16 | UInt64(groups[index]) }
        for index in 4..<8 { low = low << 16 | UInt64(groups[index]) }
        return IPv6Address(high: high, low: low)
    }

    /// The value of one hex digit (`0-9`, `a-f`, `A-F`), as in IPv6 text and `ip6.arpa.` labels.
    @inlinable @inline(__always)
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// RFC 5952 text: lower case, longest run of two or more zero groups as `::`.
    public var description: String {
        let bytes = self.bytes
        // IPv4-mapped addresses keep the dotted quad (RFC 5952 sec. 5).
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var parts: [String] = []
        var i = 0
        var text = ""
        while i < 8 {
            if i == bestStart {
                text += (parts.isEmpty ? "" : parts.joined(separator: ":")) + "::"
                parts = []
                i += bestLength
                continue
            }
            parts.append(String(groups[i], radix: 16))
            i += 1
        }
        if bestStart >= 0 { return text + parts.joined(separator: ":") }
        return parts.joined(separator: ":")
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// The 32-nibble `ip6.arpa.` name.
    public var reverseName: DomainName {
        let hex = Array("0123456789abcdef".utf8)
        var labels: [[UInt8]] = []
        for byte in self.bytes.reversed() {
            labels.append([hex[Int(byte & 0x0F)]])
            labels.append([hex[Int(byte >> 4)]])
        }
        return try! DomainName(labels: labels + [Array("ip6".utf8), Array("arpa".utf8)])
    }
}

/// Either family, for hosts with addresses of both.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: some StringProtocol) {
        guard let parsed = withUTF8(of: text, Self.parse) else { return nil }
        self = parsed
    }

    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if let v4 = IPv4Address.parse(text) { return .v4(v4) }
        if let v6 = IPv6Address.parse(text) { return .v6(v6) }
        return nil
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    public var reverseName: DomainName {
        switch self {
        case .v4(let a): a.reverseName
        case .v6(let a): a.reverseName
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): x < y
        case (.v6(let x), .v6(let y)): x < y
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

/// Calls `body` with the text's UTF-8 bytes in one buffer (in place for a native string).
func withUTF8<T>(of text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    text.utf8.withContiguousStorageIfAvailable(body) ?? Array(text.utf8).withUnsafeBufferPointer(body)
}
