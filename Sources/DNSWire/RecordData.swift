/// SOA RDATA (RFC 1035 sec. 3.3.13).
public struct SOA: Hashable, Sendable {
    public var mname: DomainName
    public var rname: DomainName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(mname: DomainName, rname: DomainName, serial: UInt32, refresh: UInt32, retry: UInt32,
                expire: UInt32, minimum: UInt32) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// One EDNS(0) option (RFC 6891 sec. 6.1.2), kept byte for byte.
public struct EDNSOption: Hashable, Sendable {
    public var code: UInt16
    public var data: [UInt8]
    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }
}

/// The data of a resource record. Types this enum does not model are kept as `.unknown`, byte for
/// byte (RFC 3597), and written back unchanged.
public enum RecordData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case ns(DomainName)
    case cname(DomainName)
    case ptr(DomainName)
    case soa(SOA)
    case mx(preference: UInt16, exchange: DomainName)
    case txt([[UInt8]])
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DomainName)
    case opt([EDNSOption])
    case unknown(RecordType, [UInt8])

    public var type: RecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .ptr: .ptr
        case .soa: .soa
        case .mx: .mx
        case .txt: .txt
        case .srv: .srv
        case .opt: .opt
        case .unknown(let type, _): type
        }
    }

    /// Reads `length` bytes of RDATA of `type`; the content must use exactly that many bytes.
    public init(parsing reader: inout DNSReader, type: RecordType, length: Int) throws {
        let start = reader.offset
        guard length <= reader.remaining else {
            throw DNSWireError(.truncated, at: start, "RDLENGTH \(length) runs past the end (\(reader.remaining) left)")
        }
        let end = start + length
        switch type {
        case .a:
            guard length == 4 else { throw DNSWireError(.badRecordData, at: start, "A RDATA of \(length) bytes, not 4") }
            self = .a(IPv4Address(bytes: try reader.readBytes(4))!)
        case .aaaa:
            guard length == 16 else { throw DNSWireError(.badRecordData, at: start, "AAAA RDATA of \(length) bytes, not 16") }
            self = .aaaa(IPv6Address(bytes: try reader.readBytes(16))!)
        case .ns: self = .ns(try reader.readName())
        case .cname: self = .cname(try reader.readName())
        case .ptr: self = .ptr(try reader.readName())
        case .soa:
            let mname = try reader.readName()
            let rname = try reader.readName()
            self = .soa(SOA(mname: mname, rname: rname, serial: try reader.readUInt32(), refresh: try reader.readUInt32(),
                            retry: try reader.readUInt32(), expire: try reader.readUInt32(), minimum: try reader.readUInt32()))
        case .mx:
            let preference = try reader.readUInt16()
            self = .mx(preference: preference, exchange: try reader.readName())
        case .txt:
            var strings: [[UInt8]] = []
            while reader.offset < end { strings.append(try reader.readCharacterString()) }
            self = .txt(strings)
        case .srv:
            let priority = try reader.readUInt16(), weight = try reader.readUInt16(), port = try reader.readUInt16()
            self = .srv(priority: priority, weight: weight, port: port, target: try reader.readName())
        case .opt:
            var options: [EDNSOption] = []
            while reader.offset < end {
                let code = try reader.readUInt16("an EDNS option code")
                let count = try reader.readUInt16("an EDNS option length")
                guard reader.offset + Int(count) <= end else {
                    throw DNSWireError(.badRecordData, at: reader.offset, "EDNS option of \(count) bytes runs past the OPT RDATA")
                }
                options.append(EDNSOption(code: code, data: try reader.readBytes(Int(count))))
            }
            self = .opt(options)
        default:
            self = .unknown(type, try reader.readBytes(length))
        }
        guard reader.offset == end else {
            throw DNSWireError(.badRecordData, at: start,
                               "\(type) RDATA used \(reader.offset - start) bytes, RDLENGTH says \(length)")
        }
    }

    /// Writes the RDATA (without RDLENGTH). Names in NS, CNAME, PTR, SOA and MX may be compressed
    /// (RFC 3597 sec. 4); all others never are.
    public func serialize(into writer: inout DNSWriter) {
        switch self {
        case .a(let address): writer.write(address.uint32)
        case .aaaa(let address):
            writer.write(UInt32(address.high >> 32))
            writer.write(UInt32(truncatingIfNeeded: address.high))
            writer.write(UInt32(address.low >> 32))
            writer.write(UInt32(truncatingIfNeeded: address.low))
        case .ns(let name), .cname(let name), .ptr(let name): writer.write(name: name)
        case .soa(let soa):
            writer.write(name: soa.mname)
            writer.write(name: soa.rname)
            writer.write(soa.serial)
            writer.write(soa.refresh)
            writer.write(soa.retry)
            writer.write(soa.expire)
            writer.write(soa.minimum)
        case .mx(let preference, let exchange):
            writer.write(preference)
            writer.write(name: exchange)
        case .txt(let strings):
            for string in strings { writer.write(characterString: string) }
        case .srv(let priority, let weight, let port, let target):
            writer.write(priority)
            writer.write(weight)
            writer.write(port)
            writer.write(name: target, compress: false)
        case .opt(let options):
            for option in options {
                // An option longer than its 16-bit length can say is cut to fit.
                let count = min(option.data.count, Int(UInt16.max))
                writer.write(option.code)
                writer.write(UInt16(count))
                writer.write(bytes: option.data.prefix(count))
            }
        case .unknown(_, let bytes): writer.write(bytes: bytes)
        }
    }
}
