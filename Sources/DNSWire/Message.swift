/// A whole DNS message (RFC 1035 sec. 4.1). The OPT record, if any, is lifted out of the
/// additional section into `edns`, and the RCODE is the full 12-bit value.
public struct Message: Hashable, Sendable {
    public var header: Header
    public var questions: [Question]
    public var answers: [ResourceRecord]
    public var authorities: [ResourceRecord]
    public var additionals: [ResourceRecord]
    public var edns: EDNS?

    public init(header: Header = Header(), questions: [Question] = [], answers: [ResourceRecord] = [],
                authorities: [ResourceRecord] = [], additionals: [ResourceRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// The full RCODE: header bits plus OPT's extended bits.
    public var rcode: ResponseCode {
        get { ResponseCode(rawValue: UInt16(edns?.extendedRCode ?? 0) << 4 | UInt16(header.rcode)) }
        set {
            header.rcode = UInt8(newValue.rawValue & 0x0F)
            if newValue.rawValue > 0x0F {
                if edns == nil { edns = EDNS() }
                edns!.extendedRCode = UInt8(newValue.rawValue >> 4)
            } else if edns != nil {
                edns!.extendedRCode = 0
            }
        }
    }

    /// Parses a message. Every count is checked against the bytes actually present, and bytes
    /// left after the last record are an error.
    public init(bytes: [UInt8]) throws {
        header = try Header(flagsFrom: bytes)
        var reader = DNSReader(bytes, offset: 4)
        let qd = Int(try reader.readUInt16()), an = Int(try reader.readUInt16())
        let ns = Int(try reader.readUInt16()), ar = Int(try reader.readUInt16())
        // Each question takes at least 5 bytes and each record at least 11: counts that cannot fit
        // are refused before any allocation.
        let minimum = qd * 5 + (an + ns + ar) * 11
        guard minimum <= reader.remaining else {
            throw DNSWireError(.truncated, at: 4,
                               "counts (\(qd)/\(an)/\(ns)/\(ar)) need at least \(minimum) bytes, \(reader.remaining) left")
        }
        questions = []
        questions.reserveCapacity(qd)
        for _ in 0..<qd { questions.append(try Question(parsing: &reader)) }
        func records(_ count: Int) throws -> [ResourceRecord] {
            var out: [ResourceRecord] = []
            out.reserveCapacity(count)
            for _ in 0..<count { out.append(try ResourceRecord(parsing: &reader)) }
            return out
        }
        answers = try records(an)
        authorities = try records(ns)
        additionals = []
        edns = nil
        for _ in 0..<ar {
            let start = reader.offset
            let record = try ResourceRecord(parsing: &reader)
            if record.type == .opt {
                guard edns == nil else { throw DNSWireError(.badOPT, at: start, "more than one OPT record") }
                edns = try EDNS(record: record, at: start)
            } else {
                additionals.append(record)
            }
        }
        guard reader.isAtEnd else {
            throw DNSWireError(.trailingBytes, at: reader.offset, "\(reader.remaining) bytes after the last record")
        }
    }

    /// Serialises with name compression. The OPT record goes last in the additional section.
    public func serialize(compression: Bool = true) -> [UInt8] {
        // A bare query (one question, perhaps OPT) has nothing to compress against.
        let bare = questions.count <= 1 && answers.isEmpty && authorities.isEmpty && additionals.isEmpty
        var writer = DNSWriter(capacity: 512, compression: compression && !bare)
        serialize(into: &writer)
        return writer.bytes
    }

    /// Writes the message. A section never holds more than 65535 entries and a record whose
    /// RDATA cannot be framed is left out, so the counts always match what was written.
    public func serialize(into writer: inout DNSWriter) {
        let start = writer.count
        writer.write(header.id)
        let (b2, b3) = header.flagBytes
        writer.write(b2)
        writer.write(b3)
        let countsAt = writer.count
        writer.write(bytes: [UInt8](repeating: 0, count: 8))
        let limit = Int(UInt16.max)
        for question in questions.prefix(limit) { question.serialize(into: &writer) }
        func section(_ records: [ResourceRecord], room: Int) -> UInt16 {
            var written = 0
            for record in records where written < room && record.serialize(into: &writer) { written += 1 }
            return UInt16(written)
        }
        let an = section(answers, room: limit)
        let ns = section(authorities, room: limit)
        var ar = section(additionals, room: limit - (edns == nil ? 0 : 1))
        if let edns, edns.record.serialize(into: &writer) { ar += 1 }
        writer.patch(UInt16(min(questions.count, limit)), at: countsAt)
        writer.patch(an, at: countsAt + 2)
        writer.patch(ns, at: countsAt + 4)
        writer.patch(ar, at: countsAt + 6)
        _ = start
    }
}
