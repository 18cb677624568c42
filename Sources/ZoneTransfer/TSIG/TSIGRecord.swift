import DNSWire

/// The TSIG resource record (RFC 8945 sec. 4.2): owner = key name, TYPE 250, CLASS ANY, TTL 0,
/// and this RDATA:
///
///     Algorithm Name (domain name) | Time Signed (u48) | Fudge (u16) | MAC Size (u16) | MAC
///     | Original ID (u16) | Error (u16) | Other Len (u16) | Other Data
///
/// It is kept apart from `RecordData` because it is never data: it is added to a message after
/// the message is built, and removed again before the MAC is checked.
public struct TSIGRecord: Sendable, Hashable {
    public static let type = RecordType(250)

    public var keyName: DomainName
    public var algorithm: DomainName
    /// Seconds since the epoch; 48 bits on the wire (higher bits are dropped when written).
    public var timeSigned: UInt64
    /// Seconds of clock difference the signer permits.
    public var fudge: UInt16
    public var mac: [UInt8]
    /// The message ID when it was signed (forwarders may change the header's ID).
    public var originalID: UInt16
    public var error: TSIGRCode
    /// Empty, except in BADTIME responses where it is the server's 48-bit time.
    public var otherData: [UInt8]

    public init(keyName: DomainName, algorithm: DomainName, timeSigned: UInt64, fudge: UInt16, mac: [UInt8],
                originalID: UInt16, error: TSIGRCode = .noError, otherData: [UInt8] = []) {
        self.keyName = keyName
        self.algorithm = algorithm
        self.timeSigned = timeSigned
        self.fudge = fudge
        self.mac = mac
        self.originalID = originalID
        self.error = error
        self.otherData = otherData
    }

    /// The TSIG RR of a message: nil if the message has none, an error (`.malformed`, a FORMERR
    /// condition) if the message cannot be walked, the TSIG is not the last additional record, or
    /// its RDATA is broken.
    public static func parse(fromMessage bytes: [UInt8]) throws(TSIGError) -> TSIGRecord? {
        try locate(in: bytes)?.record
    }

    /// Parses the RDATA of a TSIG RR from `reader`, which stands at its first byte and may be
    /// over the whole message (so a compressed algorithm name still resolves).
    public init(keyName: DomainName, rdata reader: inout DNSReader, length: Int) throws(TSIGError) {
        let start = reader.offset
        do {
            self.keyName = keyName
            algorithm = try reader.readName()
            let high = UInt64(try reader.readUInt16("time signed"))
            let low = UInt64(try reader.readUInt32("time signed"))
            timeSigned = high << 32 | low
            fudge = try reader.readUInt16("fudge")
            let macSize = Int(try reader.readUInt16("MAC size"))
            guard macSize <= length else {
                throw TSIGError(.malformed, "TSIG MAC size \(macSize) is larger than its RDATA (\(length) bytes)")
            }
            mac = try reader.readBytes(macSize, "MAC")
            originalID = try reader.readUInt16("original ID")
            error = TSIGRCode(rawValue: try reader.readUInt16("error"))
            let otherLength = Int(try reader.readUInt16("other length"))
            guard otherLength <= length else {
                throw TSIGError(.malformed, "TSIG other length \(otherLength) is larger than its RDATA (\(length) bytes)")
            }
            otherData = try reader.readBytes(otherLength, "other data")
        } catch let error as TSIGError {
            throw error
        } catch {
            throw TSIGError(.malformed, "broken TSIG RDATA: \(error)")
        }
        guard reader.offset - start == length else {
            throw TSIGError(.malformed, "TSIG RDATA is \(reader.offset - start) bytes but RDLENGTH says \(length)")
        }
    }

    /// The whole RR in wire form, names uncompressed (RFC 8945 sec. 4.2 forbids compressing them).
    public func serialize() throws(TSIGError) -> [UInt8] {
        let rdataLength = algorithm.wire.count + 16 + mac.count + otherData.count
        guard mac.count <= Int(UInt16.max), otherData.count <= Int(UInt16.max), rdataLength <= Int(UInt16.max) else {
            throw TSIGError(.notSignable, "TSIG RDATA of \(rdataLength) bytes does not fit in a record")
        }
        var writer = DNSWriter(capacity: keyName.wire.count + 10 + rdataLength, compression: false)
        writer.write(name: keyName, compress: false)
        writer.write(Self.type.rawValue)
        writer.write(RecordClass.any.rawValue)
        writer.write(UInt32(0))
        writer.write(UInt16(rdataLength))
        writer.write(name: algorithm, compress: false)
        writer.write(bytes: Self.uint48(timeSigned))
        writer.write(fudge)
        writer.write(UInt16(mac.count))
        writer.write(bytes: mac)
        writer.write(originalID)
        writer.write(error.rawValue)
        writer.write(UInt16(otherData.count))
        writer.write(bytes: otherData)
        return writer.bytes
    }

    /// The TSIG variables a first (or only) message's MAC covers, in canonical form: names
    /// lower-cased and uncompressed, CLASS ANY, TTL 0 (RFC 8945 sec. 4.3.3).
    var variables: [UInt8] {
        var out = keyName.lowercasedWire
        out += [0x00, 0xFF, 0, 0, 0, 0]
        out += algorithm.lowercasedWire
        out += timers
        out += [UInt8(error.rawValue >> 8), UInt8(truncatingIfNeeded: error.rawValue)]
        out += [UInt8(truncatingIfNeeded: otherData.count >> 8), UInt8(truncatingIfNeeded: otherData.count)]
        out += otherData
        return out
    }

    /// Time Signed and Fudge: all a later message of a stream covers (RFC 8945 sec. 4.3.1).
    var timers: [UInt8] {
        Self.uint48(timeSigned) + [UInt8(fudge >> 8), UInt8(truncatingIfNeeded: fudge)]
    }

    static func uint48(_ value: UInt64) -> [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (5 - $0))) }
    }
}

/// Where a message's TSIG RR sits: the record and the offset where its owner name starts, which
/// is also the length of the message as it was before the TSIG was added.
struct TSIGLocation: Sendable {
    var record: TSIGRecord
    var offset: Int

    /// The header and body the MAC covers: the message up to the TSIG RR, with ARCOUNT one less
    /// and the ID put back to the Original ID (RFC 8945 sec. 4.3.2).
    func coveredMessage(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var header = Array(bytes[0..<Header.size])
        header[0] = UInt8(record.originalID >> 8)
        header[1] = UInt8(truncatingIfNeeded: record.originalID)
        let arcount = (UInt16(header[10]) << 8 | UInt16(header[11])) &- 1
        header[10] = UInt8(arcount >> 8)
        header[11] = UInt8(truncatingIfNeeded: arcount)
        return [header[...], bytes[Header.size..<offset]]
    }
}

extension TSIGRecord {
    /// Walks every record of the message. A TSIG anywhere but last in the additional section
    /// (which also covers "more than one TSIG") is malformed, as RFC 8945 sec. 5.2 says.
    static func locate(in bytes: [UInt8]) throws(TSIGError) -> TSIGLocation? {
        guard bytes.count >= Header.size else {
            throw TSIGError(.malformed, "message of \(bytes.count) bytes is shorter than a DNS header")
        }
        var reader = DNSReader(bytes, offset: 4)
        do {
            let qd = Int(try reader.readUInt16()), an = Int(try reader.readUInt16())
            let ns = Int(try reader.readUInt16()), ar = Int(try reader.readUInt16())
            for _ in 0..<qd {
                _ = try reader.readName()
                try reader.skip(4)
            }
            var found: TSIGLocation?
            for index in 0..<(an + ns + ar) {
                let start = reader.offset
                let owner = try reader.readName()
                let type = RecordType(try reader.readUInt16("TYPE"))
                let recordClass = RecordClass(try reader.readUInt16("CLASS"))
                let ttl = try reader.readUInt32("TTL")
                let length = Int(try reader.readUInt16("RDLENGTH"))
                guard type == Self.type else {
                    try reader.skip(length)
                    continue
                }
                guard index == an + ns + ar - 1, index >= an + ns else {
                    throw TSIGError(.malformed,
                                    "TSIG record at offset \(start) is not the last record of the additional section")
                }
                // CLASS and TTL are fixed (RFC 8945 sec. 4.2); the MAC covers them only as ANY and 0,
                // so other values are refused rather than left unauthenticated.
                guard recordClass == .any, ttl == 0 else {
                    throw TSIGError(.malformed, "TSIG record has class \(recordClass) and TTL \(ttl), not ANY and 0")
                }
                let record = try TSIGRecord(keyName: owner, rdata: &reader, length: length)
                found = TSIGLocation(record: record, offset: start)
            }
            guard reader.isAtEnd else {
                throw TSIGError(.malformed, "\(reader.remaining) bytes after the last record")
            }
            return found
        } catch let error as TSIGError {
            throw error
        } catch {
            throw TSIGError(.malformed, "message cannot be parsed: \(error)")
        }
    }
}
