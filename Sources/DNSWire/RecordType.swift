/// A resource record TYPE (RFC 1035 sec. 3.2.2): open, so unknown types pass through (RFC 3597).
public struct RecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RecordType(1)
    public static let ns = RecordType(2)
    public static let cname = RecordType(5)
    public static let soa = RecordType(6)
    public static let ptr = RecordType(12)
    public static let hinfo = RecordType(13)
    public static let mx = RecordType(15)
    public static let txt = RecordType(16)
    public static let aaaa = RecordType(28)
    public static let srv = RecordType(33)
    public static let opt = RecordType(41)
    public static let ds = RecordType(43)
    public static let rrsig = RecordType(46)
    public static let dnskey = RecordType(48)
    /// RFC 4701: DHCP servers' conflict-resolution records (RFC 4703), kept opaque.
    public static let dhcid = RecordType(49)
    public static let https = RecordType(65)
    public static let caa = RecordType(257)
    public static let ixfr = RecordType(251)
    public static let axfr = RecordType(252)
    public static let any = RecordType(255)

    static let names: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA",
        33: "SRV", 41: "OPT", 43: "DS", 46: "RRSIG", 48: "DNSKEY", 49: "DHCID", 65: "HTTPS", 251: "IXFR",
        252: "AXFR", 255: "ANY", 257: "CAA",
    ]

    /// Parses a mnemonic (`AAAA`) or the RFC 3597 form (`TYPE28`).
    public init?(text: String) {
        let upper = text.uppercased()
        if let hit = Self.names.first(where: { $0.value == upper }) {
            self.init(hit.key)
        } else if upper.hasPrefix("TYPE"), upper.count > 4, upper.dropFirst(4).allSatisfy(\.isASCII),
                  upper.dropFirst(4).allSatisfy(\.isNumber), let value = UInt16(upper.dropFirst(4)) {
            self.init(value)
        } else {
            return nil
        }
    }

    public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }

    /// Meta and question-only types that never exist as data (RFC 6895 sec. 3.1).
    public var isMetaType: Bool { rawValue == 41 || (128...255).contains(rawValue) }
}

/// A resource record CLASS (RFC 1035 sec. 3.2.4).
public struct RecordClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let `in` = RecordClass(1)
    public static let chaos = RecordClass(3)
    public static let none = RecordClass(254)
    public static let any = RecordClass(255)

    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}

/// Header OPCODE (RFC 1035, RFC 1996, RFC 2136).
public struct OpCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }
    public static let query = OpCode(rawValue: 0)
    public static let iquery = OpCode(rawValue: 1)
    public static let status = OpCode(rawValue: 2)
    public static let notify = OpCode(rawValue: 4)
    public static let update = OpCode(rawValue: 5)
    public var description: String {
        switch rawValue {
        case 0: "QUERY"
        case 1: "IQUERY"
        case 2: "STATUS"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        default: "OPCODE\(rawValue)"
        }
    }
}

/// RCODE, including the extended values carried in OPT (RFC 6891 sec. 6.1.3).
public struct ResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }
    public static let noError = ResponseCode(rawValue: 0)
    public static let formErr = ResponseCode(rawValue: 1)
    public static let servFail = ResponseCode(rawValue: 2)
    public static let nxDomain = ResponseCode(rawValue: 3)
    public static let notImp = ResponseCode(rawValue: 4)
    public static let refused = ResponseCode(rawValue: 5)
    /// RFC 2136 sec. 2.2: a prerequisite of an UPDATE failed, or a name was outside its zone.
    public static let yxDomain = ResponseCode(rawValue: 6)
    public static let yxRRset = ResponseCode(rawValue: 7)
    public static let nxRRset = ResponseCode(rawValue: 8)
    public static let notAuth = ResponseCode(rawValue: 9)
    public static let notZone = ResponseCode(rawValue: 10)
    public static let badVers = ResponseCode(rawValue: 16)
    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}
