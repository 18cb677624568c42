import DNSWire

/// Upstream answers kept for their TTL (positive and negative, RFC 2308), counted down as they
/// age, bounded in entries with least-recently-used eviction, and kept past expiry for a while
/// so they can be served stale when every upstream is down (RFC 8767). Not thread-safe: the
/// forwarder guards it.
///
/// The one store of forwarded answers: each entry is a `CachedAnswer`, the message together with
/// its bytes for the UDP fast lane, and the UDP workers' tables are views of these entries
/// (`answer(for:at:)`), fresh by the same rule on the same clock and dropped when the cache drops
/// them. Answers a view served since the cache last looked get a second chance before the
/// least recently used one is evicted, so lock-free hits count as use.
public struct ResponseCache: Sendable {
    public struct Key: Hashable, Sendable {
        @usableFromInline var name: [UInt8]  // lower-cased wire form
        @usableFromInline var type: UInt16
        @usableFromInline var recordClass: UInt16
        @usableFromInline var dnssecOK: Bool
        @usableFromInline var checkingDisabled: Bool

        public init(question: Question, dnssecOK: Bool, checkingDisabled: Bool) {
            name = question.name.lowercasedWire
            type = question.type.rawValue
            recordClass = question.recordClass.rawValue
            self.dnssecOK = dnssecOK
            self.checkingDisabled = checkingDisabled
        }

        /// From a name already in lower-cased wire form (a `MessageView` question key).
        public init(lowercasedName: [UInt8], type: UInt16, recordClass: UInt16 = 1, dnssecOK: Bool,
                    checkingDisabled: Bool) {
            name = lowercasedName
            self.type = type
            self.recordClass = recordClass
            self.dnssecOK = dnssecOK
            self.checkingDisabled = checkingDisabled
        }

        /// The name's bytes in one call (the synthesised hash feeds them to the hasher one by one);
        /// the two flags in one value. The class is left to equality: it is almost always IN.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(UInt32(type) | (dnssecOK ? 0x1_0000 : 0) | (checkingDisabled ? 0x2_0000 : 0))
            hasher.combine(name.count)
            name.withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        /// The small fields first, then the names eight bytes at a time: every probe of a table
        /// compares keys, and names of one length are common (the synthesised equality compares
        /// them byte by byte).
        @inlinable
        public static func == (lhs: Key, rhs: Key) -> Bool {
            guard lhs.type == rhs.type, lhs.dnssecOK == rhs.dnssecOK, lhs.checkingDisabled == rhs.checkingDisabled,
                  lhs.recordClass == rhs.recordClass, lhs.name.count == rhs.name.count else { return false }
            return lhs.name.withUnsafeBytes { left in
                rhs.name.withUnsafeBytes { right in
                    var index = 0
                    while index + 8 <= left.count {
                        guard left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                            == right.loadUnaligned(fromByteOffset: index, as: UInt64.self) else { return false }
                        index += 8
                    }
                    while index < left.count {
                        guard left[index] == right[index] else { return false }
                        index += 1
                    }
                    return true
                }
            }
        }
    }

    /// One cached answer in the slab, linked into the recency list by slot numbers (-1: none), so
    /// that moving it costs no hashing of keys.
    struct Entry: Sendable {
        var key: Key
        var answer: CachedAnswer
        var previous: Int = -1
        var next: Int = -1
    }

    public enum Lookup: Sendable {
        case fresh(Message)
        /// Expired, but within the stale window: only for when no upstream answers.
        case stale(Message)
        case miss
    }

    public var capacity: Int
    public var maximumTTL: Double = 86_400
    /// How long after expiry an answer may still be served stale.
    public var staleWindow: Double = 86_400
    /// TTL given to records served stale (RFC 8767 suggests 30 s).
    public var staleTTL: UInt32 = 30

    /// Key -> slot in `slots`.
    private var index: [Key: Int] = [:]
    private var slots = Slab<Entry>()
    private var newest = -1
    private var oldest = -1
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { index.count }

    /// The TTL an answer may be cached for, or nil if it must not be (RFC 2308 sec. 5: a negative
    /// answer without SOA is not cached; SERVFAIL and truncated answers are not either).
    public static func cacheableTTL(of response: Message) -> Double? {
        guard !response.header.truncated else { return nil }
        switch response.rcode {
        case .noError where !response.answers.isEmpty:
            return Double(response.answers.map(\.ttl).min() ?? 0)
        case .noError, .nxDomain:
            guard let soaRecord = response.authorities.first(where: { $0.type == .soa }),
                  case .soa(let soa) = soaRecord.data else { return nil }
            return Double(min(soaRecord.ttl, soa.minimum))
        default:
            return nil
        }
    }

    /// Keeps `response` if it may be cached (`cacheableTTL`), replacing what `key` held; returns
    /// the entry made, or nil if it was not kept.
    @discardableResult
    public mutating func store(_ response: Message, for key: Key, at now: Double) -> CachedAnswer? {
        guard let cacheable = Self.cacheableTTL(of: response), cacheable > 0 else { return nil }
        let answer = CachedAnswer(response: response, key: key, storedAt: now, ttl: min(cacheable, maximumTTL))
        if let slot = index[key] {
            slots[slot].answer.drop()
            slots[slot].answer = answer
            touch(slot)
            return answer
        }
        while index.count >= capacity, oldest >= 0 { evictOldest() }
        let slot = slots.insert(Entry(key: key, answer: answer))
        index[key] = slot
        linkNewest(slot)
        return answer
    }

    public mutating func lookup(_ key: Key, at now: Double) -> Lookup {
        guard let slot = index[key] else {
            misses += 1
            return .miss
        }
        let answer = slots[slot].answer
        let age = now - answer.storedAt
        if age < answer.ttl {
            hits += 1
            touch(slot)
            return .fresh(Self.aged(answer.response, by: age, floor: 0))
        }
        if age < answer.ttl + staleWindow {
            misses += 1
            return .stale(Self.aged(answer.response, by: .infinity, floor: staleTTL))
        }
        remove(slot)
        misses += 1
        return .miss
    }

    /// The fresh entry for `key` as it is kept (nothing copied or aged: the caller writes its
    /// bytes, or ages its message, itself), or nil. For the UDP workers' views and for answers
    /// to hand on whole.
    public mutating func answer(for key: Key, at now: Double) -> CachedAnswer? {
        guard let slot = index[key] else { return nil }
        let answer = slots[slot].answer
        guard answer.isFresh(at: now) else { return nil }
        hits += 1
        touch(slot)
        return answer
    }

    /// Counts every TTL down by `age` seconds (never below `floor`); OPT is not a record here.
    static func aged(_ response: Message, by age: Double, floor: UInt32) -> Message {
        var copy = response
        func adjust(_ records: inout [ResourceRecord]) {
            for index in records.indices {
                let remaining = age.isInfinite ? 0 : max(0, Double(records[index].ttl) - age.rounded(.down))
                records[index].ttl = max(floor, UInt32(remaining))
            }
        }
        adjust(&copy.answers)
        adjust(&copy.authorities)
        adjust(&copy.additionals)
        return copy
    }

    // MARK: - Recency list threaded through the slots

    private mutating func linkNewest(_ slot: Int) {
        slots[slot].previous = newest
        slots[slot].next = -1
        if newest >= 0 { slots[newest].next = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot].previous, next = slots[slot].next
        if previous >= 0 { slots[previous].next = next } else { oldest = next }
        if next >= 0 { slots[next].previous = previous } else { newest = previous }
        slots[slot].previous = -1
        slots[slot].next = -1
    }

    private mutating func touch(_ slot: Int) {
        guard newest != slot else { return }
        unlink(slot)
        linkNewest(slot)
    }

    /// Evicts the least recently used entry; one that a view served since it was last looked at
    /// becomes the newest instead (each such pass clears a mark, so this ends).
    private mutating func evictOldest() {
        var chances = index.count
        while chances > 0, slots[oldest].answer.takeServed() {
            touch(oldest)
            chances -= 1
        }
        remove(oldest)
    }

    /// Drops a slot's entry (released now unless a view still holds it, which then stops serving
    /// it; the slot serves the next one).
    private mutating func remove(_ slot: Int) {
        unlink(slot)
        let entry = slots.remove(slot)
        entry.answer.drop()
        index[entry.key] = nil
    }
}
