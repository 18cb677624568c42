import DNSWire
import Synchronization

/// One upstream answer as the cache keeps it, in the two forms it is served in: the message (for
/// the full responder, TCP, and answers served stale) and the same sections as bytes (`bytes`),
/// made once when the answer is stored, for the UDP workers' fast lane. Immutable apart from two
/// flags, and shared: the cache and every worker's view of it (`DNSServer.ForwardTemplates`) hold
/// the same object, so a view serves an answer exactly as long as the cache would.
///
/// - Fresh while `now - storedAt < ttl` on the forwarder's clock (`isFresh(at:)`), for the
///   cache and the views alike.
/// - `isDropped` once the cache has let it go (evicted, replaced, or past its stale window): a
///   view that still holds it stops serving it and asks the cache again.
/// - `markServed()` tells the cache's least-recently-used bound that a view served it since the
///   cache last looked, so an answer that workers serve without a lock is not evicted as if
///   nobody asked for it (a second chance, as in the CLOCK algorithm).
public final class CachedAnswer: Sendable {
    public let response: Message
    /// When it was stored, in seconds of the forwarder's clock.
    public let storedAt: Double
    /// How long it is fresh: the cacheable TTL (RFC 2308), at most the cache's maximum.
    public let ttl: Double
    /// The sections as bytes; nil if they could not be written so (never for a well-formed answer).
    public let bytes: AnswerBytes?

    @usableFromInline let dropped = Atomic<Bool>(false)
    @usableFromInline let served = Atomic<Bool>(false)

    init(response: Message, key: ResponseCache.Key, storedAt: Double, ttl: Double) {
        self.response = response
        self.storedAt = storedAt
        self.ttl = ttl
        bytes = AnswerBytes(response, key: key)
    }

    @inlinable
    public func isFresh(at now: Double) -> Bool { now - storedAt < ttl }

    /// Whole seconds since it was stored (what every TTL is counted down by).
    @inlinable
    public func age(at now: Double) -> UInt32 { UInt32(max(0, now - storedAt)) }

    @inlinable
    public var isDropped: Bool { dropped.load(ordering: .relaxed) }

    /// Marks it served by a view (cheap when already marked: a load, no store).
    @inlinable
    public func markServed() {
        if !served.load(ordering: .relaxed) { served.store(true, ordering: .relaxed) }
    }

    /// Whether a view served it since the last call (and clears the mark).
    func takeServed() -> Bool {
        served.load(ordering: .relaxed) && served.exchange(false, ordering: .relaxed)
    }

    func drop() { dropped.store(true, ordering: .relaxed) }

    /// The message with every TTL counted down to `now` (OPT is not a record here); the message
    /// itself within its first second, when nothing would change.
    public func response(at now: Double) -> Message {
        let age = now - storedAt
        return age < 1 ? response : ResponseCache.aged(response, by: age, floor: 0)
    }
}

/// An answer's sections as bytes: serialised after the canonical question (its name lower-cased,
/// so compression pointers into the question land on the same labels whatever the case a client
/// asks in), with the offset of every TTL. A reply is the client's own header and question, then
/// these bytes with each TTL counted down.
public struct AnswerBytes: Sendable {
    /// Header byte 3 of the reply: RA, AD as the upstream set it, the RCODE's low bits.
    public let flags3: UInt8
    public let answerCount: UInt16
    public let authorityCount: UInt16
    public let additionalCount: UInt16
    public let sections: [UInt8]
    /// Where each record's TTL lies in `sections`.
    public let ttlOffsets: [Int]

    init?(_ answer: Message, key: ResponseCache.Key) {
        guard answer.rcode.rawValue <= 15, let name = try? DomainName(wire: key.name) else { return nil }
        var canonical = Message(header: Header(isResponse: true, recursionAvailable: true),
                                questions: [Question(name: name, type: RecordType(key.type),
                                                     recordClass: RecordClass(key.recordClass))])
        canonical.answers = answer.answers
        canonical.authorities = answer.authorities
        canonical.additionals = answer.additionals
        let bytes = canonical.serialize()
        let questionEnd = Header.size + key.name.count + 4
        guard bytes.count > questionEnd, let offsets = Self.ttlOffsets(bytes, from: questionEnd) else { return nil }
        var flags3: UInt8 = 0x80 | UInt8(answer.rcode.rawValue & 0x0F)
        if answer.header.authenticData { flags3 |= 0x20 }
        self.flags3 = flags3
        answerCount = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        authorityCount = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        additionalCount = UInt16(bytes[10]) << 8 | UInt16(bytes[11])
        sections = Array(bytes[questionEnd...])
        ttlOffsets = offsets.map { $0 - questionEnd }
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
}
