import DNSWire
import Forwarder
import NIOCore

/// Forwarded answers kept by each UDP worker as bytes, for warm names: the sections of the last
/// upstream answer serialised after a canonical (lower-cased) question, with the offset of every
/// TTL so they count down as the entry ages. Filled from the forwarder's answers; entries live
/// only as long as the forwarder would cache the answer (RFC 2308 rules), so nothing is served
/// that the forwarder's own cache would not serve.
struct ForwardTemplates {
    struct Key: Hashable, Sendable {
        var question: AnswerTemplates.Key
        var dnssecOK: Bool
        var checkingDisabled: Bool
    }

    struct Entry: Sendable {
        var flags3: UInt8          // RA, AD and the RCODE's low bits
        var answerCount: UInt16
        var authorityCount: UInt16
        var additionalCount: UInt16
        var sections: [UInt8]
        var ttlOffsets: [Int]
        var storedAt: Double
        var expiresAt: Double
    }

    private var table: [Key: Entry] = [:]
    static let capacity = 65_536

    static func now() -> Double { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }

    func entry(for key: Key, at now: Double) -> Entry? {
        guard let entry = table[key], now < entry.expiresAt else { return nil }
        return entry
    }

    /// Keeps an entry made by `entry(for:key:at:)` (called on the thread that owns this table).
    mutating func insert(_ entry: Entry, for key: Key) {
        if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
        table[key] = entry
    }

    /// An upstream answer as a template: the sections serialised after the canonical question,
    /// with the offsets of their TTLs; nil for an answer that must not be cached (RFC 2308 rules).
    static func entry(for answer: Message, key: Key, at now: Double) -> Entry? {
        guard answer.rcode.rawValue <= 15, let ttl = ResponseCache.cacheableTTL(of: answer), ttl > 0 else { return nil }
        var canonical = Message(header: Header(isResponse: true, recursionAvailable: true), questions: [
            Question(name: (try? DomainName(wire: key.question.name)) ?? .root,
                     type: RecordType(key.question.type)),
        ])
        canonical.answers = answer.answers
        canonical.authorities = answer.authorities
        canonical.additionals = answer.additionals
        let bytes = canonical.serialize()
        let questionEnd = 12 + key.question.name.count + 4
        guard bytes.count > questionEnd, let offsets = Self.ttlOffsets(bytes, from: questionEnd) else { return nil }
        var flags3: UInt8 = 0x80 | UInt8(answer.rcode.rawValue & 0x0F)
        if answer.header.authenticData { flags3 |= 0x20 }
        return Entry(flags3: flags3, answerCount: UInt16(bytes[6]) << 8 | UInt16(bytes[7]),
                     authorityCount: UInt16(bytes[8]) << 8 | UInt16(bytes[9]),
                     additionalCount: UInt16(bytes[10]) << 8 | UInt16(bytes[11]),
                     sections: Array(bytes[questionEnd...]), ttlOffsets: offsets.map { $0 - questionEnd },
                     storedAt: now, expiresAt: now + ttl)
    }

    /// The offsets of every record's TTL, found by walking the records after the question; nil
    /// unless they end exactly where the bytes do.
    static func ttlOffsets(_ bytes: [UInt8], from start: Int) -> [Int]? {
        MessageView.with(bytes) { view -> [Int]? in
            guard let view else { return nil }
            var offsets: [Int] = []
            offsets.reserveCapacity(min(view.recordCount, bytes.count / 11))
            var records = view.records(from: start)
            while let record = records.next() { offsets.append(record.ttlOffset) }
            return records.isComplete && records.end == bytes.count ? offsets : nil
        }
    }

    /// Writes the answer: the query's header and question, the kept sections with their TTLs
    /// aged, and OPT if the client sent EDNS. False if it would not fit `limit`.
    static func write(_ entry: Entry, query: AnswerTemplates.Query, bytes: UnsafeRawBufferPointer, limit: Int, now: Double,
                      into buffer: inout ByteBuffer) -> Bool {
        let age = UInt32(max(0, now - entry.storedAt))
        let wantsAD = query.dnssecOK || bytes[3] & 0x20 != 0
        return AnswerTemplates.writeReply(to: query, bytes: bytes, sections: entry.sections.count, limit: limit,
                                          into: &buffer) { out in
            out.putHead(of: query, bytes: bytes, flags2: 0x80, flags3: entry.flags3 & (wantsAD ? 0xFF : ~0x20),
                        answers: entry.answerCount, authorities: entry.authorityCount, additionals: entry.additionalCount)
            let sectionsStart = out.position
            entry.sections.withUnsafeBytes { out.put($0) }
            // Each TTL counted down by the entry's age (never below zero).
            for offset in entry.ttlOffsets {
                let at = sectionsStart + offset
                let ttl = UInt32(bigEndian: out.base.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                out.base.storeBytes(of: (ttl > age ? ttl - age : 0).bigEndian, toByteOffset: at, as: UInt32.self)
            }
        }
    }
}
