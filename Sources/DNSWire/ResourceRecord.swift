/// A question (RFC 1035 sec. 4.1.2).
public struct Question: Hashable, Sendable {
    public var name: DomainName
    public var type: RecordType
    public var recordClass: RecordClass

    public init(name: DomainName, type: RecordType, recordClass: RecordClass = .in) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }

    public init(parsing reader: inout DNSReader) throws {
        name = try reader.readName()
        type = RecordType(try reader.readUInt16("QTYPE"))
        recordClass = RecordClass(try reader.readUInt16("QCLASS"))
    }

    public func serialize(into writer: inout DNSWriter) {
        writer.write(name: name)
        writer.write(type.rawValue)
        writer.write(recordClass.rawValue)
    }
}

/// A resource record (RFC 1035 sec. 4.1.3).
///
///                                     1  1  1  1  1  1
///       0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
///     /                      NAME                     /
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
///     |                      TYPE                     |
///     |                     CLASS                     |
///     |                      TTL                      |
///     |                                               |
///     |                   RDLENGTH                    |
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--|
///     /                     RDATA                     /
///     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
public struct ResourceRecord: Hashable, Sendable {
    public var name: DomainName
    public var recordClass: RecordClass
    public var ttl: UInt32
    public var data: RecordData

    public var type: RecordType { data.type }

    public init(name: DomainName, recordClass: RecordClass = .in, ttl: UInt32, data: RecordData) {
        self.name = name
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    public init(parsing reader: inout DNSReader) throws {
        name = try reader.readName()
        let type = RecordType(try reader.readUInt16("TYPE"))
        recordClass = RecordClass(try reader.readUInt16("CLASS"))
        ttl = try reader.readUInt32("TTL")
        let length = Int(try reader.readUInt16("RDLENGTH"))
        data = try RecordData(parsing: &reader, type: type, length: length)
    }

    /// Writes the record; returns false (and writes nothing) when its RDATA is longer than
    /// RDLENGTH can say (65535 bytes).
    @discardableResult
    public func serialize(into writer: inout DNSWriter) -> Bool {
        let start = writer.count
        writer.write(name: name)
        writer.write(type.rawValue)
        writer.write(recordClass.rawValue)
        writer.write(ttl)
        let lengthAt = writer.count
        writer.write(UInt16(0))
        data.serialize(into: &writer)
        let length = writer.count - lengthAt - 2
        guard length <= Int(UInt16.max) else {
            writer.truncate(to: start)
            return false
        }
        writer.patch(UInt16(length), at: lengthAt)
        return true
    }
}
