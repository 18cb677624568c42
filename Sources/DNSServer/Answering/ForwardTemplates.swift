import DNSWire
import Forwarder
import NIOCore

/// Each UDP worker's view of the forwarder's cache (`ResponseCache`), for warm forwarded names:
/// the `CachedAnswer`s it has served or resolved, held without a lock. An entry is served from
/// here while the cache would serve it: fresh by the answer's own `isFresh` on the forwarder's
/// clock, and not dropped by the cache (evicted, replaced, expired past its stale window).
/// Otherwise, and on a miss, the view reads through to the cache and keeps what it finds; the
/// entries the loop resolves for this worker's own misses are put in as they arrive. Hits here
/// mark the answer served, which the cache's eviction counts as use. The view holds references
/// to the cache's own entries (their bytes are shared, not copied), at most `capacity` of them;
/// when full it starts over empty.
struct ForwardTemplates {
    private var table: [ResponseCache.Key: CachedAnswer] = [:]
    let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = max(1, capacity)
    }

    /// The fresh answer for `key` at `now`, with the bytes a reply is written from: from this
    /// view, else read through from `cache` (and kept). Nil when the cache has none.
    mutating func answer(for key: ResponseCache.Key, at now: Double,
                         readThrough cache: (ResponseCache.Key, Double) -> CachedAnswer?) -> CachedAnswer? {
        let held = table[key]
        if let held, held.isFresh(at: now), !held.isDropped {
            held.markServed()
            return held
        }
        guard let answer = cache(key, now), answer.bytes != nil else {
            if held != nil { table[key] = nil }
            return nil
        }
        insert(answer, for: key)
        return answer
    }

    /// Keeps an entry of the cache (one the loop resolved for this worker).
    mutating func insert(_ answer: CachedAnswer, for key: ResponseCache.Key) {
        if table.count >= capacity && table[key] == nil { table.removeAll(keepingCapacity: true) }
        table[key] = answer
    }

    /// Writes the answer as it is at `now`: the query's header and question, the answer's sections
    /// with every TTL counted down by its age (never below zero), and OPT if the client sent EDNS.
    /// False if it would not fit `limit`, or the answer has no bytes.
    static func write(_ cached: CachedAnswer, at now: Double, query: AnswerTemplates.Query, bytes: UnsafeRawBufferPointer,
                      limit: Int, into buffer: inout ByteBuffer) -> Bool {
        guard let answer = cached.bytes else { return false }
        let age = cached.age(at: now)
        let wantsAD = query.dnssecOK || bytes[3] & 0x20 != 0
        return AnswerTemplates.writeReply(to: query, bytes: bytes, sections: answer.sections.count, limit: limit,
                                          into: &buffer) { out in
            out.putHead(of: query, bytes: bytes, flags2: 0x80, flags3: answer.flags3 & (wantsAD ? 0xFF : ~0x20),
                        answers: answer.answerCount, authorities: answer.authorityCount,
                        additionals: answer.additionalCount)
            let sectionsStart = out.position
            answer.sections.withUnsafeBytes { out.put($0) }
            for offset in answer.ttlOffsets {
                let at = sectionsStart + offset
                let ttl = UInt32(bigEndian: out.base.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                out.base.storeBytes(of: (ttl > age ? ttl - age : 0).bigEndian, toByteOffset: at, as: UInt32.self)
            }
        }
    }
}
