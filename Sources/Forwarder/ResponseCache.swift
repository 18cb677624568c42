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

    struct Entry: Sendable {
        var response: Message
        var storedAt: Double
        var ttl: Double
        var previous: Key?
        var next: Key?
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

    private var entries: [Key: Entry] = [:]
    private var newest: Key?
    private var oldest: Key?
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

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
        guard let ttl = Self.cacheableTTL(of: response), ttl > 0 else { return }
        if entries[key] != nil { unlink(key) }
        entries[key] = Entry(response: response, storedAt: now, ttl: min(ttl, maximumTTL))
        linkNewest(key)
        while entries.count > capacity, let victim = oldest {
            unlink(victim)
            entries[victim] = nil
        }
    }

    public mutating func lookup(_ key: Key, at now: Double) -> Lookup {
        guard let entry = entries[key] else {
            misses += 1
            return .miss
        }
        let age = now - entry.storedAt
        if age < entry.ttl {
            hits += 1
            touch(key)
            return .fresh(Self.aged(entry.response, by: age, floor: 0))
        }
        if age < entry.ttl + staleWindow {
            misses += 1
            return .stale(Self.aged(entry.response, by: .infinity, floor: staleTTL))
        }
        unlink(key)
        entries[key] = nil
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

    // MARK: - LRU list threaded through the entries

    private mutating func linkNewest(_ key: Key) {
        entries[key]!.previous = newest
        entries[key]!.next = nil
        if let newest { entries[newest]!.next = key }
        newest = key
        if oldest == nil { oldest = key }
    }

    private mutating func unlink(_ key: Key) {
        guard let entry = entries[key] else { return }
        if let previous = entry.previous { entries[previous]!.next = entry.next } else { oldest = entry.next }
        if let next = entry.next { entries[next]!.previous = entry.previous } else { newest = entry.previous }
        entries[key]!.previous = nil
        entries[key]!.next = nil
    }

    private mutating func touch(_ key: Key) {
        guard newest != key else { return }
        unlink(key)
        linkNewest(key)
    }
}
