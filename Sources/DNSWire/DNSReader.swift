/// A cursor over the bytes of one DNS message. Reads are bounds-checked and throw
/// `DNSWireError(.truncated)` with the offset where the data ran out.
public struct DNSReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    @inline(__always)
    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        if count > bytes.count - offset {
            throw DNSWireError(.truncated, at: offset, "need \(count) bytes for \(what()), \(bytes.count - offset) left")
        }
    }

    public mutating func readUInt8(_ what: @autoclosure () -> String = "a byte") throws -> UInt8 {
        try need(1, what())
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16(_ what: @autoclosure () -> String = "a 16-bit field") throws -> UInt16 {
        try need(2, what())
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readUInt32(_ what: @autoclosure () -> String = "a 32-bit field") throws -> UInt32 {
        try need(4, what())
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "data") throws -> [UInt8] {
        try need(count, what())
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func skip(_ count: Int) throws {
        try need(count, "skipped data")
        offset += count
    }

    /// Reads a possibly compressed name (RFC 1035 sec. 4.1.4).
    ///
    /// Every compression pointer must point strictly before the place where the labels it
    /// continues started, so each jump goes further back and reading always ends: a pointer to
    /// itself, to a later offset, or into a loop is `.badPointer`.
    public mutating func readName() throws -> DomainName {
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        var position = offset
        var segmentStart = offset
        var jumped = false
        while true {
            guard position < bytes.count else {
                throw DNSWireError(.truncated, at: position, "name runs past the end of the message")
            }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    wire.append(0)
                    if !jumped { offset = position + 1 }
                    return DomainName(uncheckedWire: wire)
                }
                let count = Int(length)
                guard position + 1 + count <= bytes.count else {
                    throw DNSWireError(.truncated, at: position, "label of \(count) bytes runs past the end")
                }
                guard wire.count + 1 + count + 1 <= 255 else {
                    throw DNSWireError(.nameTooLong, at: position, "name longer than 255 bytes")
                }
                wire.append(length)
                wire.append(contentsOf: bytes[(position + 1)...(position + count)])
                position += 1 + count
            case 0xC0:
                guard position + 1 < bytes.count else {
                    throw DNSWireError(.truncated, at: position, "compression pointer cut short")
                }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < segmentStart else {
                    throw DNSWireError(.badPointer, at: position,
                                       "compression pointer to \(target) does not point before \(segmentStart)")
                }
                if !jumped { offset = position + 2 }
                jumped = true
                position = target
                segmentStart = target
            default:
                throw DNSWireError(.badLabelType, at: position,
                                   "unsupported label type 0x\(String(length & 0xC0, radix: 16))")
            }
        }
    }

    /// Reads a <character-string>: one length byte and up to 255 bytes.
    public mutating func readCharacterString() throws -> [UInt8] {
        let count = try readUInt8("a character-string length")
        return try readBytes(Int(count), "a character-string")
    }
}
