/// Records in zone-file presentation form (RFC 1035 sec. 5.1), one per line:
/// `OWNER [TTL] [IN] TYPE RDATA`, owner `@` for the origin and names without a final dot taken
/// relative to it. For records an administrator writes into a config or types at a prompt:
/// A, AAAA, NS, CNAME, PTR, MX, TXT, SRV and CAA (RFC 8659).
public enum RecordText {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Parses one record; `defaultTTL` when the line gives none.
    public static func parse(_ line: String, origin: DomainName, defaultTTL: UInt32) throws(Failure) -> ResourceRecord {
        var tokens = try tokenize(line)
        guard tokens.count >= 2 else { throw Failure(description: "\"\(line)\": expected OWNER [TTL] TYPE DATA") }
        let ownerText = tokens.removeFirst()
        let owner: DomainName
        do { owner = try DomainName(parsing: ownerText, origin: origin) } catch {
            throw Failure(description: "\"\(ownerText)\" is not a valid owner name")
        }
        var ttl = defaultTTL
        if let first = tokens.first, let value = UInt32(first) {
            guard value <= 2_147_483_647 else { throw Failure(description: "TTL \(value) is above 2147483647") }
            ttl = value
            tokens.removeFirst()
        }
        if tokens.first?.uppercased() == "IN" { tokens.removeFirst() }
        guard let typeText = tokens.first else { throw Failure(description: "\"\(line)\": no record type") }
        tokens.removeFirst()
        guard let type = RecordType(text: typeText) else { throw Failure(description: "unknown record type \"\(typeText)\"") }
        let data = try parseData(type, tokens, origin: origin)
        return ResourceRecord(name: owner, ttl: ttl, data: data)
    }

    static func parseData(_ type: RecordType, _ fields: [String], origin: DomainName) throws(Failure) -> RecordData {
        func count(_ n: Int, _ form: String) throws(Failure) {
            guard fields.count == n else { throw Failure(description: "\(type) data should be \(form)") }
        }
        func name(_ text: String) throws(Failure) -> DomainName {
            do { return try DomainName(parsing: text, origin: origin) } catch {
                throw Failure(description: "\"\(text)\" is not a valid name")
            }
        }
        func number(_ text: String) throws(Failure) -> UInt16 {
            guard let value = UInt16(text) else { throw Failure(description: "\"\(text)\" is not a number from 0 to 65535") }
            return value
        }
        switch type {
        case .a:
            try count(1, "one IPv4 address")
            guard let address = IPv4Address(fields[0]) else { throw Failure(description: "\"\(fields[0])\" is not an IPv4 address") }
            return .a(address)
        case .aaaa:
            try count(1, "one IPv6 address")
            guard let address = IPv6Address(fields[0]) else { throw Failure(description: "\"\(fields[0])\" is not an IPv6 address") }
            return .aaaa(address)
        case .ns:
            try count(1, "a name")
            return .ns(try name(fields[0]))
        case .cname:
            try count(1, "a name")
            return .cname(try name(fields[0]))
        case .ptr:
            try count(1, "a name")
            return .ptr(try name(fields[0]))
        case .mx:
            try count(2, "PREFERENCE EXCHANGE")
            return .mx(preference: try number(fields[0]), exchange: try name(fields[1]))
        case .srv:
            try count(4, "PRIORITY WEIGHT PORT TARGET")
            return .srv(priority: try number(fields[0]), weight: try number(fields[1]), port: try number(fields[2]),
                        target: try name(fields[3]))
        case .txt:
            guard !fields.isEmpty else { throw Failure(description: "TXT data should be one or more strings") }
            let strings = fields.map { Array($0.utf8) }
            for string in strings where string.count > 255 {
                throw Failure(description: "a TXT string of \(string.count) bytes (at most 255; split it)")
            }
            return .txt(strings)
        case .caa:
            try count(3, "FLAGS TAG \"VALUE\"")
            guard let flags = UInt8(fields[0]) else { throw Failure(description: "CAA flags \"\(fields[0])\" is not 0-255") }
            let tag = Array(fields[1].utf8)
            guard (1...15).contains(tag.count), tag.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0 | 0x20) }) else {
                throw Failure(description: "CAA tag \"\(fields[1])\" should be 1-15 letters or digits")
            }
            return .unknown(.caa, [flags, UInt8(tag.count)] + tag + Array(fields[2].utf8))
        default:
            throw Failure(description: "\(type) records cannot be written here (A, AAAA, NS, CNAME, PTR, MX, TXT, SRV, CAA)")
        }
    }

    /// Splits on blanks; `"..."` keeps blanks; a backslash takes the next character as it is.
    static func tokenize(_ line: String) throws(Failure) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false, inToken = false, escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if quoted {
                if character == "\\" { escaped = true } else if character == "\"" { quoted = false } else { current.append(character) }
                continue
            }
            if character == "\\" {
                escaped = true
                inToken = true
            } else if character == "\"" {
                quoted = true
                inToken = true
            } else if character == " " || character == "\t" {
                if inToken { tokens.append(current) }
                current = ""
                inToken = false
            } else {
                current.append(character)
                inToken = true
            }
        }
        guard !quoted, !escaped else { throw Failure(description: "\"\(line)\": unterminated quoted string") }
        if inToken { tokens.append(current) }
        return tokens
    }

    /// The record as a zone-file line (absolute names).
    public static func format(_ record: ResourceRecord) -> String {
        "\(record.name) \(record.ttl) IN \(record.type) \(formatData(record.data))"
    }

    /// Three decimal digits, for `\DDD` escapes.
    static func decimal3(_ byte: UInt8) -> String {
        let digits = String(byte)
        return String(repeating: "0", count: 3 - digits.count) + digits
    }

    public static func formatData(_ data: RecordData) -> String {
        func quoted(_ bytes: [UInt8]) -> String {
            var out = "\""
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case 0x20...0x7E: out.append(Character(Unicode.Scalar(byte)))
                default: out += "\\" + decimal3(byte)
                }
            }
            return out + "\""
        }
        switch data {
        case .a(let address): return "\(address)"
        case .aaaa(let address): return "\(address)"
        case .ns(let name), .cname(let name), .ptr(let name): return "\(name)"
        case .mx(let preference, let exchange): return "\(preference) \(exchange)"
        case .srv(let priority, let weight, let port, let target): return "\(priority) \(weight) \(port) \(target)"
        case .txt(let strings): return strings.map(quoted).joined(separator: " ")
        case .soa(let soa):
            return "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .unknown(let type, let bytes) where type == .caa && bytes.count >= 2 && bytes.count >= 2 + Int(bytes[1]):
            let tagEnd = 2 + Int(bytes[1])
            return "\(bytes[0]) \(String(decoding: bytes[2..<tagEnd], as: UTF8.self)) \(quoted(Array(bytes[tagEnd...])))"
        case .unknown(_, let bytes):
            return "\\# \(bytes.count) " + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case .opt: return ""
        }
    }
}
