import DNSWire

/// Upstream answers kept for their TTL (positive and negative, RFC 2308), counted down as they
/// age, bounded in entries with least-recently-used eviction, and kept past expiry for a while
/// so they can be served stale when every upstream is down (RFC 8767). Not thread-safe: the
/// forwarder guards it.
public struct ResponseCache: Sendable {
    public struct Key: Hashable, Sendable {
        var name: [UInt8]  // lower-cased wire form
        var type: UInt16
        var recordClass: UInt16
        var dnssecOK: Bool
        var checkingDisabled: Bool

        public init(question: Question, dnssecOK: Bool, checkingDisabled: Bool) {
            name = question.name.lowercasedWire
            type = question.type.rawValue
            recordClass = question.recordClass.rawValue
            self.dnssecOK = dnssecOK
            self.checkingDisabled = checkingDisabled
        }

        /// The name's bytes in one call (the synthesised hash feeds them to the hasher one by one).
        public func hash(into hasher: inout Hasher) {
            hasher.combine(type)
            hasher.combine(recordClass)
            hasher.combine(dnssecOK)
            hasher.combine(checkingDisabled)
            hasher.combine(name.count)
            name.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// One cached answer in the slab, linked into the recency list by slot numbers (-1: none), so
    /// that moving it costs no hashing of keys.
    struct Entry: Sendable {
        var key: Key
        var response: Message
        var storedAt: Double
        var ttl: Double
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

    public mutating func store(_ response: Message, for key: Key, at now: Double) {
        guard let cacheable = Self.cacheableTTL(of: response), cacheable > 0 else { return }
        let ttl = min(cacheable, maximumTTL)
        if let slot = index[key] {
            slots[slot].response = response
            slots[slot].storedAt = now
            slots[slot].ttl = ttl
            touch(slot)
            return
        }
        while index.count >= capacity, oldest >= 0 { remove(oldest) }
        let slot = slots.insert(Entry(key: key, response: response, storedAt: now, ttl: ttl))
        index[key] = slot
        linkNewest(slot)
    }

    public mutating func lookup(_ key: Key, at now: Double) -> Lookup {
        guard let slot = index[key] else {
            misses += 1
            return .miss
        }
        let entry = slots[slot]
        let age = now - entry.storedAt
        if age < entry.ttl {
            hits += 1
            touch(slot)
            return .fresh(Self.aged(entry.response, by: age, floor: 0))
        }
        if age < entry.ttl + staleWindow {
            misses += 1
            return .stale(Self.aged(entry.response, by: .infinity, floor: staleTTL))
        }
        remove(slot)
        misses += 1
        return .miss
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

    /// Drops a slot's entry (its message is released now; the slot serves the next one).
    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index[slots.remove(slot).key] = nil
    }
}
