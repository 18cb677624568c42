import DNSWire
import Testing
@testable import LANZone

// Helpers for the TransferredZone tests: records written as zone-file lines, answers rendered as
// one line each (so tables read like `dig` output). Kept in a namespace of their own so they do
// not clash with the helpers of TestSupport.swift when the files are merged.
enum TZ {
    /// One record from `owner TTL [CLASS] TYPE RDATA`, names absolute. RDATA as in zone files;
    /// TXT strings in double quotes (no spaces inside); other types as `\# length hex` (RFC 3597).
    /// Test literals only: a malformed one stops the test run.
    static func rr(_ line: String) -> ResourceRecord {
        let tokens = line.split(separator: " ").map(String.init)
        guard tokens.count >= 3, let ttl = UInt32(tokens[1]) else { preconditionFailure("bad record literal \(line)") }
        var index = 2
        var recordClass = RecordClass.in
        if tokens[index] == "CH" {
            recordClass = .chaos
            index += 1
        }
        guard let type = RecordType(text: tokens[index]) else { preconditionFailure("bad type in \(line)") }
        let rdata = Array(tokens[(index + 1)...])
        return ResourceRecord(name: name(tokens[0]), recordClass: recordClass, ttl: ttl, data: data(type, rdata, line))
    }

    static func rrs(_ lines: String...) -> [ResourceRecord] { lines.map(rr) }

    static func name(_ text: String) -> DomainName {
        do { return try DomainName(text) } catch { preconditionFailure("bad name literal \(text): \(error)") }
    }

    static func data(_ type: RecordType, _ rdata: [String], _ line: String) -> RecordData {
        func field(_ i: Int) -> String {
            guard i < rdata.count else { preconditionFailure("missing RDATA field \(i) in \(line)") }
            return rdata[i]
        }
        func number<T: FixedWidthInteger>(_ i: Int) -> T {
            guard let value = T(field(i)) else { preconditionFailure("bad number in \(line)") }
            return value
        }
        if field(0) == "\\#" {
            var bytes: [UInt8] = []
            var hex = Substring(rdata.dropFirst(2).joined())
            while hex.count >= 2, let byte = UInt8(hex.prefix(2), radix: 16) {
                bytes.append(byte)
                hex = hex.dropFirst(2)
            }
            return .unknown(type, bytes)
        }
        switch type {
        case .a:
            guard let address = IPv4Address(field(0)) else { preconditionFailure("bad A in \(line)") }
            return .a(address)
        case .aaaa:
            guard let address = IPv6Address(field(0)) else { preconditionFailure("bad AAAA in \(line)") }
            return .aaaa(address)
        case .ns: return .ns(name(field(0)))
        case .cname: return .cname(name(field(0)))
        case .ptr: return .ptr(name(field(0)))
        case .mx: return .mx(preference: number(0), exchange: name(field(1)))
        case .srv: return .srv(priority: number(0), weight: number(1), port: number(2), target: name(field(3)))
        case .txt: return .txt(rdata.map { Array($0.filter { $0 != "\"" }.utf8) })
        case .soa:
            return .soa(SOA(mname: name(field(0)), rname: name(field(1)), serial: number(2), refresh: number(3),
                            retry: number(4), expire: number(5), minimum: number(6)))
        default: preconditionFailure("write \(type) as \\# in \(line)")
        }
    }

    /// One record as `owner TTL TYPE RDATA` (the class only when not IN), names as stored.
    static func render(_ record: ResourceRecord) -> String {
        let rdata: String
        switch record.data {
        case .a(let a): rdata = a.description
        case .aaaa(let a): rdata = a.description
        case .ns(let name), .cname(let name), .ptr(let name): rdata = name.description
        case .mx(let preference, let exchange): rdata = "\(preference) \(exchange)"
        case .srv(let priority, let weight, let port, let target): rdata = "\(priority) \(weight) \(port) \(target)"
        case .txt(let strings): rdata = strings.map { "\"" + String(decoding: $0, as: UTF8.self) + "\"" }.joined(separator: " ")
        case .soa(let soa):
            rdata = "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .unknown(_, let bytes): rdata = "\\# \(bytes.count) " + bytes.map(hex).joined()
        case .opt: rdata = "OPT"
        }
        let klass = record.recordClass == .in ? "" : " \(record.recordClass)"
        return "\(record.name) \(record.ttl)\(klass) \(record.type) \(rdata)"
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }

    /// An answer as one line: `answer R1 | R2 ++ ADDITIONAL`, `nodata SOA`, `nxdomain SOA`,
    /// `referral NS1 | NS2 ++ GLUE`, `servfail`, `refused`.
    static func render(_ answer: ZoneAnswer) -> String {
        func list(_ head: String, _ main: [ResourceRecord], _ extra: [ResourceRecord]) -> String {
            let text = head + " " + main.map(render).joined(separator: " | ")
            return extra.isEmpty ? text : text + " ++ " + extra.map(render).joined(separator: " | ")
        }
        switch answer {
        case .answer(let records, let additional): return list("answer", records, additional)
        case .noData(let soa): return "nodata " + render(soa)
        case .nxDomain(let soa): return "nxdomain " + (soa.map(render) ?? "-")
        case .delegation(let ns, let glue): return list("referral", ns, glue)
        case .serverFailure: return "servfail"
        case .notAuthoritative: return "refused"
        }
    }

    /// Runs `body`, expecting a `ZoneError`; returns it (or records an issue and returns nil).
    @discardableResult
    static func error<T>(_ body: () throws(ZoneError) -> T,
                         sourceLocation: SourceLocation = #_sourceLocation) -> ZoneError? {
        do {
            let value = try body()
            Issue.record("expected a ZoneError, got \(value)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// Builds a zone the test expects to be valid (an issue is recorded and the test stops if not).
    static func zone(_ records: [ResourceRecord], sourceLocation: SourceLocation = #_sourceLocation) throws -> TransferredZone {
        do {
            return try TransferredZone(records: records)
        } catch {
            Issue.record("zone did not build: \(error)", sourceLocation: sourceLocation)
            throw error
        }
    }
}

/// One question and the expected rendered answer, for argument tables.
struct QueryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let type: RecordType
    let expected: String

    init(_ name: String, _ type: RecordType, _ expected: String) {
        self.name = name
        self.type = type
        self.expected = expected
    }

    var testDescription: String { "\(name) \(type)" }
}
