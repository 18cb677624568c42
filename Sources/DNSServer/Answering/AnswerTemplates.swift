import DNSWire
import LANZone
import NIOCore

/// Precomputed answers for the hot path. The first time a (name, type) is asked of a UDP
/// worker, the full responder answers a canonical copy of the question and the sections after the
/// question are kept as bytes; from then on an answer is the query's own header and question
/// (so the client's ID and case come back as sent) followed by those bytes. Names in the kept
/// sections point into the question (offset 12), which has the same labels whatever the case, so
/// the pointers stay right. Anything unusual (compression in the question, EDNS options we would
/// have to look at, other opcodes, truncation) takes the full path.
struct AnswerTemplates {
    struct Key: Hashable, Sendable {
        /// Lower-cased wire form.
        var name: [UInt8]
        var type: UInt16

        /// The name's bytes in one call (the synthesised hash feeds them to the hasher one by one).
        func hash(into hasher: inout Hasher) {
            hasher.combine(type)
            hasher.combine(name.count)
            name.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    struct Template {
        /// Header byte 2 without RD, byte 3 without CD.
        var flags2: UInt8
        var flags3: UInt8
        var answerCount: UInt16
        var authorityCount: UInt16
        var additionalCount: UInt16
        var sections: [UInt8]
    }

    /// A question is either answered locally (its template) or forwarded (the answer depends on
    /// the client and on upstreams, so it goes to `ForwardTemplates`).
    enum Entry {
        case local(Template)
        case forward
    }

    enum Lookup {
        case local(Template)
        case forward
        case none
    }

    private var table: [Key: Entry] = [:]
    /// A bound on remembered questions, in step with the zone (two types per host is the usual
    /// mix) so a big zone's working set fits, and random names never grow memory without limit.
    static func capacity(for snapshot: ZoneSnapshot) -> Int {
        min(262_144, max(65_536, snapshot.hostCount * 2))
    }

    mutating func clear() { table.removeAll(keepingCapacity: true) }

    /// The query's shape, if it qualifies for the fast path.
    struct Query: Sendable {
        var key: Key
        /// Offset just past the question.
        var questionEnd: Int
        var edns: Bool
        var dnssecOK: Bool
        /// How large the UDP reply may be: the client's EDNS buffer size (within 512 and our
        /// maximum), 512 without EDNS.
        var payload: Int
    }

    /// A reusable buffer for the lower-cased question name: after the first queries it is the
    /// only storage the key needs, so a hit allocates nothing for it.
    private var scratch: [UInt8] = []

    mutating func inspect(_ view: MessageView) -> Query? {
        Self.inspect(view, into: &scratch)
    }

    static func inspect(_ bytes: UnsafeRawBufferPointer) -> Query? {
        guard let view = MessageView(bytes) else { return nil }
        var name: [UInt8] = []
        return inspect(view, into: &name)
    }

    /// The fast path's rules on top of the view's one pass over the message: a plain query (QR
    /// clear, opcode QUERY), one uncompressed question of class IN for a data type or ANY, no
    /// answer or authority records, and at most an OPT of version 0 at the root, last.
    static func inspect(_ view: MessageView, into name: inout [UInt8]) -> Query? {
        let count = view.bytes.count
        guard count >= 17, !view.isResponse, view.opcode == .query, view.questionCount == 1,
              view.answerCount == 0, view.authorityCount == 0, view.additionalCount <= 1,
              let question = view.firstQuestion(lowercasingNameInto: &name), !question.isCompressed else { return nil }
        let type = question.type
        guard question.recordClass == 1, type != 41, !(128...255).contains(type) || type == 255 else { return nil }
        var query = Query(key: Key(name: name, type: type), questionEnd: question.end, edns: false, dnssecOK: false,
                          payload: 512)
        if view.additionalCount == 1 {
            // Exactly one OPT record at the root, version 0, with or without options.
            guard let record = view.record(at: question.end, in: .additional), record.end == count,
                  view.ownerIsRoot(record), let opt = MessageView.OPTSpan(record) else { return nil }
            query.payload = max(512, min(Int(opt.payloadSize), QueryResponder.maxUDPPayload))
            guard opt.extendedRCode == 0, opt.version == 0 else { return nil }
            query.dnssecOK = opt.dnssecOK
            query.edns = true
        } else {
            guard question.end == count else { return nil }
        }
        return query
    }

    /// The template for `query`, made with the full responder on a miss; nil when the answer is
    /// not a local one (forwarded names) or is not a plain answer.
    mutating func lookup(_ query: Query, snapshot: ZoneSnapshot, forwarding: QueryResponder.Forwarding) -> Lookup {
        switch table[query.key] {
        case .local(let template)?: return .local(template)
        case .forward?: return .forward
        case nil: break
        }
        let entry: Entry
        switch Self.make(query.key, snapshot: snapshot, forwarding: forwarding) {
        case .local(let template): entry = .local(template)
        case .forward: entry = .forward
        case .none: return .none
        }
        if table.count >= Self.capacity(for: snapshot) { table.removeAll(keepingCapacity: true) }
        table[query.key] = entry
        switch entry {
        case .local(let template): return .local(template)
        case .forward: return .forward
        }
    }

    /// The local template, if the question is answered locally.
    mutating func template(for query: Query, snapshot: ZoneSnapshot, forwarding: QueryResponder.Forwarding) -> Template? {
        if case .local(let template) = lookup(query, snapshot: snapshot, forwarding: forwarding) { return template }
        return nil
    }

    static func make(_ key: Key, snapshot: ZoneSnapshot, forwarding: QueryResponder.Forwarding) -> Lookup {
        // A name outside every zone answered here goes upstream: no need to run the responder.
        if forwarding == .allowed && snapshot.isOutsideLocalZones(lowercasedWire: key.name) { return .forward }
        // A canonical query with a large EDNS buffer, so nothing is truncated while it is built.
        var canonical: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
        canonical += key.name
        canonical += [UInt8(key.type >> 8), UInt8(key.type & 0xFF), 0, 1]
        canonical += [0, 0, 41, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
        let reply: [UInt8]
        switch QueryResponder.decide(canonical, snapshot: snapshot, transport: .tcp, forwarding: forwarding) {
        case .reply(let bytes): reply = bytes
        case .forward: return .forward
        case .drop: return .none
        }
        let questionEnd = 12 + key.name.count + 4
        // Our OPT (no options) is the last 11 bytes; the additional count includes it.
        guard reply.count >= questionEnd + 11, reply[2] & 0x02 == 0 else { return .none }
        let additional = UInt16(reply[10]) << 8 | UInt16(reply[11])
        guard additional >= 1 else { return .none }
        return .local(Template(flags2: reply[2] & ~0x01, flags3: reply[3] & ~0x10,
                               answerCount: UInt16(reply[6]) << 8 | UInt16(reply[7]),
                               authorityCount: UInt16(reply[8]) << 8 | UInt16(reply[9]),
                               additionalCount: additional - 1,
                               sections: Array(reply[questionEnd..<(reply.count - 11)])))
    }

    /// Writes the answer into `buffer`; false if it would not fit `limit` (the caller then takes
    /// the full path, which truncates properly).
    static func write(_ template: Template, query: Query, bytes: UnsafeRawBufferPointer, limit: Int,
                      into buffer: inout ByteBuffer) -> Bool {
        writeReply(to: query, bytes: bytes, sections: template.sections.count, limit: limit, into: &buffer) { out in
            out.putHead(of: query, bytes: bytes, flags2: template.flags2, flags3: template.flags3,
                        answers: template.answerCount, authorities: template.authorityCount,
                        additionals: template.additionalCount)
            template.sections.withUnsafeBytes { out.put($0) }
        }
    }
}

extension AnswerTemplates {
    /// Writes one fast-path reply into `buffer`: `body` writes the head (`RawWriter.putHead`) and
    /// `sections` bytes of records into memory reserved for them, and our OPT follows when the
    /// client sent EDNS. False, with nothing written, if the reply would not fit `limit` (the full
    /// path then truncates properly).
    static func writeReply(to query: Query, bytes: UnsafeRawBufferPointer, sections: Int, limit: Int,
                           into buffer: inout ByteBuffer, _ body: (inout RawWriter) -> Void) -> Bool {
        let size = query.questionEnd + sections + (query.edns ? 11 : 0)
        guard size <= limit else { return false }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var out = RawWriter(raw)
            body(&out)
            if query.edns { out.writeOPT(dnssecOK: query.dnssecOK) }
            return out.position
        }
        return true
    }

    /// Writes a direct answer (a host's addresses, an address's PTR) as the full responder would:
    /// AA set, RA when this server forwards, the records owned by the question (a pointer to
    /// offset 12). False if it would not fit `limit` (the full path then truncates properly).
    static func write(_ answer: ZoneSnapshot.DirectAnswer, ttl: UInt32, recursionAvailable: Bool, query: Query,
                      bytes: UnsafeRawBufferPointer, limit: Int, into buffer: inout ByteBuffer) -> Bool {
        let count: Int, rdlength: Int, type: UInt16
        switch answer {
        case .a(let addresses): (count, rdlength, type) = (addresses.count, 4, 1)
        case .aaaa(let addresses): (count, rdlength, type) = (addresses.count, 16, 28)
        case .ptr(let target): (count, rdlength, type) = (1, target.wire.count, 12)
        }
        guard count > 0 else { return false }
        return writeReply(to: query, bytes: bytes, sections: count * (12 + rdlength), limit: limit, into: &buffer) { out in
            out.putHead(of: query, bytes: bytes, flags2: 0x84, flags3: recursionAvailable ? 0x80 : 0,
                        answers: UInt16(count), authorities: 0, additionals: 0)
            func recordHeader(_ out: inout RawWriter) {
                out.put(UInt16(0xC00C))
                out.put(type)
                out.put(UInt16(1))
                out.put(ttl)
                out.put(UInt16(rdlength))
            }
            switch answer {
            case .a(let addresses):
                for address in addresses {
                    recordHeader(&out)
                    out.put(address.uint32)
                }
            case .aaaa(let addresses):
                for address in addresses {
                    recordHeader(&out)
                    out.put(address.high)
                    out.put(address.low)
                }
            case .ptr(let target):
                recordHeader(&out)
                target.wire.withUnsafeBytes { out.put($0) }
            }
        }
    }
}

/// Big-endian writes into memory already reserved for them (a ByteBuffer's writable bytes): no
/// capacity or copy-on-write check per field. The caller reserves enough for everything written.
struct RawWriter {
    let base: UnsafeMutableRawBufferPointer
    private(set) var position = 0

    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    @inline(__always) mutating func put(_ value: UInt8) {
        precondition(position < base.count)
        base[position] = value
        position += 1
    }

    @inline(__always) mutating func put<T: FixedWidthInteger>(_ value: T) {
        precondition(position + MemoryLayout<T>.size <= base.count)
        base.storeBytes(of: value.bigEndian, toByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
    }

    @inline(__always) mutating func put(_ bytes: UnsafeRawBufferPointer) {
        precondition(position + bytes.count <= base.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base.baseAddress! + position).copyMemory(from: source, byteCount: bytes.count)
        }
        position += bytes.count
    }

    /// A reply's header and question: the query's ID, `flags2` and `flags3` with the query's RD
    /// and CD bits, one question as the client wrote it, and the section counts (one more
    /// additional record when the client sent EDNS: the OPT that `writeOPT` adds).
    mutating func putHead(of query: AnswerTemplates.Query, bytes: UnsafeRawBufferPointer, flags2: UInt8, flags3: UInt8,
                          answers: UInt16, authorities: UInt16, additionals: UInt16) {
        put(bytes[0])
        put(bytes[1])
        put(flags2 | (bytes[2] & 0x01))
        put(flags3 | (bytes[3] & 0x10))
        put(UInt16(1))
        put(answers)
        put(authorities)
        put(additionals + (query.edns ? 1 : 0))
        put(UnsafeRawBufferPointer(rebasing: bytes[12..<query.questionEnd]))
    }

    /// The OPT record this server adds to an answer (RFC 6891): its payload size and DO bit.
    mutating func writeOPT(dnssecOK: Bool) {
        put(UInt8(0))
        put(UInt16(41))
        put(QueryResponder.advertisedPayload)
        put(UInt16(0))
        put(UInt16(dnssecOK ? 0x8000 : 0))
        put(UInt16(0))
    }
}
