import DNSWire

/// One record of an UPDATE's prerequisite or update section (RFC 2136 sec. 2.4, 2.5). Its class
/// says what it means (ANY and NONE carry no data), so RDATA may be absent.
public struct UpdateRecord: Sendable, Hashable {
    public var name: DomainName
    public var type: RecordType
    public var recordClass: RecordClass
    public var ttl: UInt32
    /// Nil when RDLENGTH is 0.
    public var data: RecordData?

    public init(name: DomainName, type: RecordType, recordClass: RecordClass, ttl: UInt32, data: RecordData?) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    /// The record to add or compare (class IN, data present).
    var record: ResourceRecord? {
        data.map { ResourceRecord(name: name, recordClass: .in, ttl: ttl, data: $0) }
    }
}

/// An UPDATE message read (RFC 2136 sec. 2): the zone, the prerequisites and the updates; the
/// additional section is left to TSIG.
public struct UpdateRequest: Sendable {
    public var header: Header
    public var zone: DomainName
    public var zoneType: RecordType
    public var zoneClass: RecordClass
    public var prerequisites: [UpdateRecord]
    public var updates: [UpdateRecord]
    /// The name of the TSIG key that signs it, when the last record is a TSIG.
    public var keyName: DomainName?

    /// Reads an UPDATE; FORMERR when the sections cannot be read or the zone section is not
    /// exactly one entry (RFC 2136 sec. 3.1.1).
    public static func parse(_ bytes: [UInt8]) -> Result<UpdateRequest, UpdateFailure> {
        do {
            let header = try Header(flagsFrom: bytes)
            var reader = DNSReader(bytes, offset: Header.size)
            let zoneCount = Int(bytes[4]) << 8 | Int(bytes[5])
            let prerequisiteCount = Int(bytes[6]) << 8 | Int(bytes[7])
            let updateCount = Int(bytes[8]) << 8 | Int(bytes[9])
            let additionalCount = Int(bytes[10]) << 8 | Int(bytes[11])
            guard zoneCount == 1 else {
                return .failure(UpdateFailure(.formErr, "the zone section holds \(zoneCount) entries, not 1"))
            }
            let zone = try reader.readName()
            let zoneType = RecordType(try reader.readUInt16())
            let zoneClass = RecordClass(try reader.readUInt16())
            func section(_ count: Int) throws -> [UpdateRecord] {
                var out: [UpdateRecord] = []
                for _ in 0..<count {
                    let name = try reader.readName()
                    let type = RecordType(try reader.readUInt16())
                    let recordClass = RecordClass(try reader.readUInt16())
                    let ttl = try reader.readUInt32()
                    let length = Int(try reader.readUInt16())
                    let data = length == 0 ? nil : try RecordData(parsing: &reader, type: type, length: length)
                    out.append(UpdateRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, data: data))
                }
                return out
            }
            let prerequisites = try section(prerequisiteCount)
            let updates = try section(updateCount)
            var keyName: DomainName?
            for _ in 0..<additionalCount {
                let name = try reader.readName()
                let type = try reader.readUInt16()
                try reader.skip(6)
                let length = Int(try reader.readUInt16())
                try reader.skip(length)
                keyName = type == 250 ? name : nil
            }
            return .success(UpdateRequest(header: header, zone: zone, zoneType: zoneType, zoneClass: zoneClass,
                                          prerequisites: prerequisites, updates: updates, keyName: keyName))
        } catch {
            return .failure(UpdateFailure(.formErr, "unreadable UPDATE: \(error)"))
        }
    }
}

/// Why an UPDATE is not applied: the RCODE it gets and a sentence for the log.
public struct UpdateFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var rcode: ResponseCode
    public var why: String

    public init(_ rcode: ResponseCode, _ why: String) {
        self.rcode = rcode
        self.why = why
    }

    public var description: String { "\(rcode): \(why)" }
}

extension UpdateRequest {
    public init(id: UInt16, zone: DomainName, prerequisites: [UpdateRecord] = [], updates: [UpdateRecord] = []) {
        self.init(header: Header(id: id, opcode: .update), zone: zone, zoneType: .soa, zoneClass: .in,
                  prerequisites: prerequisites, updates: updates, keyName: nil)
    }

    /// The message in wire form (unsigned: TSIG is appended by the sender).
    public func serialize() -> [UInt8] {
        var writer = DNSWriter(capacity: 512)
        let (b2, b3) = header.flagBytes
        writer.write(header.id)
        writer.write(b2)
        writer.write(b3)
        for count in [1, prerequisites.count, updates.count, 0] { writer.write(UInt16(count)) }
        writer.write(name: zone)
        writer.write(zoneType.rawValue)
        writer.write(zoneClass.rawValue)
        for record in prerequisites + updates {
            writer.write(name: record.name)
            writer.write(record.type.rawValue)
            writer.write(record.recordClass.rawValue)
            writer.write(record.ttl)
            let lengthAt = writer.count
            writer.write(UInt16(0))
            record.data?.serialize(into: &writer)
            writer.patch(UInt16(writer.count - lengthAt - 2), at: lengthAt)
        }
        return writer.bytes
    }
}
