/// The one error type of DHCPWatch's parsers: what was wrong, where, and why.
public struct DHCPError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case truncated
        case badMagicCookie
        case badOption
        case notDHCP
        case badFrame
        case unsupportedLinkType
    }

    public let code: Code
    public let offset: Int
    public let reason: String

    public init(_ code: Code, at offset: Int, _ reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(code.rawValue) at offset \(offset): \(reason)" }
}

/// A MAC address, kept as six bytes and printed `aa:bb:cc:dd:ee:ff`.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        self.bytes = Array(bytes)
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard part.count == 2, let value = UInt8(part, radix: 16) else { return nil }
            out.append(value)
        }
        bytes = out
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// The last four hex digits, used to tell apart two devices that want one name.
    public var suffix: String {
        bytes.suffix(2).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public var isBroadcast: Bool { bytes.allSatisfy { $0 == 0xFF } }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// A bounds-checked cursor over a byte slice.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - offset }

    mutating func u8() throws(DHCPError) -> UInt8 {
        guard offset < end else { throw DHCPError(.truncated, at: offset, "need 1 byte") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DHCPError) -> UInt16 {
        guard offset + 2 <= end else { throw DHCPError(.truncated, at: offset, "need 2 bytes") }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() throws(DHCPError) -> UInt32 {
        guard offset + 4 <= end else { throw DHCPError(.truncated, at: offset, "need 4 bytes") }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    mutating func take(_ count: Int) throws(DHCPError) -> [UInt8] {
        guard count >= 0, offset + count <= end else {
            throw DHCPError(.truncated, at: offset, "need \(count) bytes, \(end - offset) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}
