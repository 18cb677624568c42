/// The 12-byte message header (RFC 1035 sec. 4.1.1, AD and CD from RFC 4035).
///
///                                     1  1  1  1  1  1
///       0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
///     |                      ID                       |
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
///     |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
///     |          QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
public struct Header: Hashable, Sendable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: OpCode
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// The reserved Z bit: zero in everything we send.
    public var z: Bool
    public var authenticData: Bool
    public var checkingDisabled: Bool
    /// The low four bits of the RCODE; the rest travel in OPT.
    public var rcode: UInt8

    public static let size = 12

    public init(id: UInt16 = 0, isResponse: Bool = false, opcode: OpCode = .query, authoritative: Bool = false,
                truncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
                z: Bool = false, authenticData: Bool = false, checkingDisabled: Bool = false, rcode: UInt8 = 0) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.z = z
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.rcode = rcode & 0x0F
    }

    /// Decodes ID and flags from the first four bytes (counts are read by `Message`).
    public init(flagsFrom bytes: [UInt8]) throws {
        guard bytes.count >= Header.size else {
            throw DNSWireError(.truncated, at: 0, "message of \(bytes.count) bytes is shorter than a header")
        }
        id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let b2 = bytes[2], b3 = bytes[3]
        isResponse = b2 & 0x80 != 0
        opcode = OpCode(rawValue: (b2 >> 3) & 0x0F)
        authoritative = b2 & 0x04 != 0
        truncated = b2 & 0x02 != 0
        recursionDesired = b2 & 0x01 != 0
        recursionAvailable = b3 & 0x80 != 0
        z = b3 & 0x40 != 0
        authenticData = b3 & 0x20 != 0
        checkingDisabled = b3 & 0x10 != 0
        rcode = b3 & 0x0F
    }

    public var flagBytes: (UInt8, UInt8) {
        var b2: UInt8 = (opcode.rawValue & 0x0F) << 3
        if isResponse { b2 |= 0x80 }
        if authoritative { b2 |= 0x04 }
        if truncated { b2 |= 0x02 }
        if recursionDesired { b2 |= 0x01 }
        var b3: UInt8 = rcode & 0x0F
        if recursionAvailable { b3 |= 0x80 }
        if z { b3 |= 0x40 }
        if authenticData { b3 |= 0x20 }
        if checkingDisabled { b3 |= 0x10 }
        return (b2, b3)
    }
}

/// EDNS(0) as carried by the OPT pseudo-record (RFC 6891 sec. 6.1).
///
///     NAME = root, TYPE = OPT, CLASS = requestor's UDP payload size,
///     TTL = EXTENDED-RCODE (8) | VERSION (8) | DO (1) | Z (15), RDATA = {code, length, data}*
public struct EDNS: Hashable, Sendable {
    public var udpPayloadSize: UInt16
    /// The upper eight bits of the 12-bit RCODE.
    public var extendedRCode: UInt8
    public var version: UInt8
    public var dnssecOK: Bool
    /// The other 15 flag bits; zero when we send.
    public var z: UInt16
    public var options: [EDNSOption]

    public init(udpPayloadSize: UInt16 = 1232, extendedRCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
                z: UInt16 = 0, options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.z = z
        self.options = options
    }

    init(record: ResourceRecord, at offset: Int) throws {
        guard record.name.isRoot else { throw DNSWireError(.badOPT, at: offset, "OPT record owner is not the root") }
        guard case .opt(let options) = record.data else { throw DNSWireError(.badOPT, at: offset, "not an OPT record") }
        udpPayloadSize = record.recordClass.rawValue
        extendedRCode = UInt8(record.ttl >> 24)
        version = UInt8(truncatingIfNeeded: record.ttl >> 16)
        dnssecOK = record.ttl & 0x8000 != 0
        z = UInt16(record.ttl & 0x7FFF)
        self.options = options
    }

    public var record: ResourceRecord {
        let ttl = UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) | UInt32(z & 0x7FFF)
        return ResourceRecord(name: .root, recordClass: RecordClass(udpPayloadSize), ttl: ttl, data: .opt(options))
    }
}

extension Header {
    /// The header of a response to this query: ID, opcode, RD and CD echoed; RA as given.
    public func responseHeader(recursion: Bool = false) -> Header {
        Header(id: id, isResponse: true, opcode: opcode, recursionDesired: recursionDesired,
               recursionAvailable: recursion, checkingDisabled: checkingDisabled)
    }
}
