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
