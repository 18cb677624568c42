import DNSWire
import Testing

@testable import Forwarder

/// Messages as an upstream would send them, for the cache tests.
enum Upstreamed {
    static let zone: DomainName = "corp.example."

    static func soa(ttl: UInt32 = 3600, minimum: UInt32 = 60) -> ResourceRecord {
        ResourceRecord(name: zone, ttl: ttl, data: .soa(SOA(mname: "ns1.corp.example.", rname: "hostmaster.corp.example.",
                                                            serial: 1, refresh: 3600, retry: 600, expire: 86400,
                                                            minimum: minimum)))
    }

    static func question(_ name: String, _ type: RecordType = .a) -> Question {
        Question(name: try! DomainName(name), type: type)
    }

    static func key(_ name: String, _ type: RecordType = .a, dnssecOK: Bool = false, checkingDisabled: Bool = false)
        -> ResponseCache.Key {
        ResponseCache.Key(question: question(name, type), dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
    }

    /// A positive answer: one A record per TTL given, plus optional authority and additional records.
    static func answer(_ name: String, ttls: [UInt32], authorities: [ResourceRecord] = [],
                       additionals: [ResourceRecord] = [], truncated: Bool = false) -> Message {
        let owner = try! DomainName(name)
        let answers = ttls.enumerated().map { index, ttl in
            ResourceRecord(name: owner, ttl: ttl, data: .a(IPv4Address(192, 0, 2, UInt8(10 + index))))
        }
        return Message(header: Header(id: 7, isResponse: true, authoritative: true, truncated: truncated, recursionDesired: true),
                       questions: [question(name)], answers: answers, authorities: authorities, additionals: additionals,
                       edns: EDNS())
    }

    /// A response with no answers and the given RCODE (NXDOMAIN, NODATA as NOERROR, SERVFAIL...).
    static func empty(_ name: String, rcode: ResponseCode, soa: ResourceRecord? = nil, type: RecordType = .a) -> Message {
        var message = Message(header: Header(id: 7, isResponse: true, recursionDesired: true),
                              questions: [question(name, type)], authorities: soa.map { [$0] } ?? [])
        message.rcode = rcode
        return message
    }

    static func ttls(_ lookup: ResponseCache.Lookup) -> [UInt32]? {
        switch lookup {
        case .fresh(let message), .stale(let message): (message.answers + message.authorities + message.additionals).map(\.ttl)
        case .miss: nil
        }
    }
}

extension ResponseCache.Lookup {
    var isFresh: Bool { if case .fresh = self { true } else { false } }
    var isStale: Bool { if case .stale = self { true } else { false } }
    var isMiss: Bool { if case .miss = self { true } else { false } }
    var message: Message? {
        switch self {
        case .fresh(let message), .stale(let message): message
        case .miss: nil
        }
    }
}

@Suite struct ResponseCacheTests {
    typealias U = Upstreamed
    let t0 = 1_000_000.0

    // MARK: Positive answers

    @Test func positiveAnswerCountsItsTTLDownWithTheClock() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        cache.store(U.answer("www.corp.example.", ttls: [300]), for: key, at: t0)
        #expect(cache.count == 1)

        #expect(U.ttls(cache.lookup(key, at: t0)) == [300])
        #expect(cache.lookup(key, at: t0).isFresh)
        // Partial seconds are not counted until they are whole.
        #expect(U.ttls(cache.lookup(key, at: t0 + 0.9)) == [300])
        #expect(U.ttls(cache.lookup(key, at: t0 + 10.7)) == [290])
        #expect(U.ttls(cache.lookup(key, at: t0 + 299.5)) == [1])
        let last = cache.lookup(key, at: t0 + 299.99)
        #expect(last.isFresh)
        // At the TTL it is no longer fresh (only stale).
        #expect(!cache.lookup(key, at: t0 + 300).isFresh)
    }

    @Test func theShortestAnswerTTLGovernsAndEachRecordCountsDownOnItsOwn() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        let glue = ResourceRecord(name: "ns1.corp.example.", ttl: 3600, data: .a(IPv4Address(192, 0, 2, 53)))
        let ns = ResourceRecord(name: "corp.example.", ttl: 30, data: .ns("ns1.corp.example."))
        cache.store(U.answer("www.corp.example.", ttls: [120, 60], authorities: [ns], additionals: [glue]), for: key, at: t0)
        #expect(ResponseCache.cacheableTTL(of: U.answer("x.", ttls: [120, 60])) == 60)
        // Authority 30 s counts down to 0 but never below; the entry lives as long as its answers.
        #expect(U.ttls(cache.lookup(key, at: t0 + 40)) == [80, 20, 0, 3560])
        #expect(cache.lookup(key, at: t0 + 59.9).isFresh)
        #expect(!cache.lookup(key, at: t0 + 60).isFresh)
    }

    @Test func theCachedCopyIsNotChangedByLookups() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        let original = U.answer("www.corp.example.", ttls: [300])
        cache.store(original, for: key, at: t0)
        _ = cache.lookup(key, at: t0 + 100)
        _ = cache.lookup(key, at: t0 + 400)  // stale: TTL 30 given out
        let again = cache.lookup(key, at: t0 + 5)
        #expect(U.ttls(again) == [295])
        #expect(again.message?.answers.map(\.data) == original.answers.map(\.data))
        #expect(again.message?.header.id == original.header.id)
    }

    @Test func keysIgnoreCaseButSeparateTypeClassAndDNSSECFlags() {
        var cache = ResponseCache(capacity: 10)
        cache.store(U.answer("www.corp.example.", ttls: [300]), for: U.key("WWW.Corp.Example."), at: t0)
        #expect(cache.lookup(U.key("www.corp.example."), at: t0 + 1).isFresh)
        #expect(cache.lookup(U.key("www.corp.example.", .aaaa), at: t0 + 1).isMiss)
        #expect(cache.lookup(U.key("www.corp.example.", dnssecOK: true), at: t0 + 1).isMiss)
        #expect(cache.lookup(U.key("www.corp.example.", checkingDisabled: true), at: t0 + 1).isMiss)
        let chaos = ResponseCache.Key(question: Question(name: "www.corp.example.", type: .a, recordClass: RecordClass(3)),
                                      dnssecOK: false, checkingDisabled: false)
        #expect(cache.lookup(chaos, at: t0 + 1).isMiss)
    }

    @Test func hitsAndMissesAreCounted() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        _ = cache.lookup(key, at: t0)
        cache.store(U.answer("www.corp.example.", ttls: [10]), for: key, at: t0)
        _ = cache.lookup(key, at: t0 + 1)
        _ = cache.lookup(key, at: t0 + 2)
        _ = cache.lookup(key, at: t0 + 20)  // stale counts as a miss
        #expect(cache.hits == 2)
        #expect(cache.misses == 2)
    }

    @Test func aTTLLongerThanTheMaximumIsCappedForTheEntry() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        cache.store(U.answer("www.corp.example.", ttls: [604_800]), for: key, at: t0)
        #expect(cache.lookup(key, at: t0 + 86_399).isFresh)
        #expect(!cache.lookup(key, at: t0 + 86_400).isFresh)
    }

    @Test func storingAgainReplacesTheEntryAndRestartsItsClock() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        cache.store(U.answer("www.corp.example.", ttls: [100]), for: key, at: t0)
        cache.store(U.answer("www.corp.example.", ttls: [100, 100]), for: key, at: t0 + 50)
        #expect(cache.count == 1)
        let lookup = cache.lookup(key, at: t0 + 60)
        #expect(U.ttls(lookup) == [90, 90])
    }

    // MARK: Negative answers (RFC 2308)

    @Test func nxdomainIsCachedForTheSOAMinimum() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("nope.corp.example.")
        let response = U.empty("nope.corp.example.", rcode: .nxDomain, soa: U.soa(ttl: 3600, minimum: 60))
        #expect(ResponseCache.cacheableTTL(of: response) == 60)
        cache.store(response, for: key, at: t0)
        let hit = cache.lookup(key, at: t0 + 20)
        #expect(hit.isFresh)
        #expect(hit.message?.rcode == .nxDomain)
        #expect(U.ttls(hit) == [3580])  // the SOA record's own TTL counts down too
        #expect(cache.lookup(key, at: t0 + 59.5).isFresh)
        #expect(!cache.lookup(key, at: t0 + 60).isFresh)
    }

    @Test func negativeTTLIsTheSmallerOfTheSOATTLAndItsMinimum() {
        let response = U.empty("nope.corp.example.", rcode: .nxDomain, soa: U.soa(ttl: 30, minimum: 600))
        #expect(ResponseCache.cacheableTTL(of: response) == 30)
        var cache = ResponseCache(capacity: 10)
        let key = U.key("nope.corp.example.")
        cache.store(response, for: key, at: t0)
        #expect(cache.lookup(key, at: t0 + 29).isFresh)
        #expect(!cache.lookup(key, at: t0 + 30).isFresh)
    }

    @Test func nodataIsCachedFromTheSOAToo() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.", .mx)
        let response = U.empty("www.corp.example.", rcode: .noError, soa: U.soa(ttl: 300, minimum: 45), type: .mx)
        #expect(ResponseCache.cacheableTTL(of: response) == 45)
        cache.store(response, for: key, at: t0)
        #expect(cache.lookup(key, at: t0 + 44).isFresh)
        #expect(!cache.lookup(key, at: t0 + 45).isFresh)
    }

    @Test func negativeWithoutSOAIsNotCached() {
        var cache = ResponseCache(capacity: 10)
        for rcode in [ResponseCode.nxDomain, .noError] {
            let response = U.empty("nope.corp.example.", rcode: rcode)
            #expect(ResponseCache.cacheableTTL(of: response) == nil, "\(rcode)")
            cache.store(response, for: U.key("nope.corp.example."), at: t0)
        }
        // A referral-like NODATA: NS in authority, no SOA.
        var referral = U.empty("nope.corp.example.", rcode: .noError)
        referral.authorities = [ResourceRecord(name: "corp.example.", ttl: 300, data: .ns("ns1.corp.example."))]
        #expect(ResponseCache.cacheableTTL(of: referral) == nil)
        cache.store(referral, for: U.key("nope.corp.example."), at: t0)
        #expect(cache.count == 0)
        #expect(cache.lookup(U.key("nope.corp.example."), at: t0).isMiss)
    }

    @Test func servfailRefusedAndTruncatedAnswersAreNotCached() {
        var cache = ResponseCache(capacity: 10)
        let soa = U.soa()
        let servfail = U.empty("www.corp.example.", rcode: .servFail, soa: soa)
        let refused = U.empty("www.corp.example.", rcode: .refused, soa: soa)
        let formerr = U.empty("www.corp.example.", rcode: .formErr, soa: soa)
        let truncated = U.answer("www.corp.example.", ttls: [300], truncated: true)
        var truncatedEmpty = U.empty("www.corp.example.", rcode: .noError, soa: soa)
        truncatedEmpty.header.truncated = true
        for response in [servfail, refused, formerr, truncated, truncatedEmpty] {
            #expect(ResponseCache.cacheableTTL(of: response) == nil, "\(response.rcode) tc=\(response.header.truncated)")
            cache.store(response, for: U.key("www.corp.example."), at: t0)
        }
        #expect(cache.count == 0)
        #expect(cache.lookup(U.key("www.corp.example."), at: t0).isMiss)
    }

    @Test func aZeroTTLIsNotCached() {
        var cache = ResponseCache(capacity: 10)
        cache.store(U.answer("which.corp.example.", ttls: [0]), for: U.key("which.corp.example."), at: t0)
        cache.store(U.answer("mixed.corp.example.", ttls: [300, 0]), for: U.key("mixed.corp.example."), at: t0)
        cache.store(U.empty("nope.corp.example.", rcode: .nxDomain, soa: U.soa(ttl: 0, minimum: 60)),
                    for: U.key("nope.corp.example."), at: t0)
        #expect(cache.count == 0)
    }

    // MARK: LRU

    @Test func atCapacityTheLeastRecentlyUsedGoes() {
        var cache = ResponseCache(capacity: 3)
        for name in ["a", "b", "c"] {
            cache.store(U.answer("\(name).corp.example.", ttls: [300]), for: U.key("\(name).corp.example."), at: t0)
        }
        // Use a: b is now the least recently used.
        #expect(cache.lookup(U.key("a.corp.example."), at: t0 + 1).isFresh)
        cache.store(U.answer("d.corp.example.", ttls: [300]), for: U.key("d.corp.example."), at: t0 + 2)
        #expect(cache.count == 3)
        #expect(cache.lookup(U.key("b.corp.example."), at: t0 + 3).isMiss)
        #expect(cache.lookup(U.key("a.corp.example."), at: t0 + 3).isFresh)
        #expect(cache.lookup(U.key("c.corp.example."), at: t0 + 3).isFresh)
        #expect(cache.lookup(U.key("d.corp.example."), at: t0 + 3).isFresh)

        // Order of use now: a, c, d (d newest). Store e: a goes; c, d, e stay.
        cache.store(U.answer("e.corp.example.", ttls: [300]), for: U.key("e.corp.example."), at: t0 + 4)
        #expect(cache.lookup(U.key("a.corp.example."), at: t0 + 5).isMiss)
        for name in ["c", "d", "e"] {
            #expect(cache.lookup(U.key("\(name).corp.example."), at: t0 + 5).isFresh, "\(name)")
        }
    }

    @Test func restoringAnEntryMakesItTheNewest() {
        var cache = ResponseCache(capacity: 2)
        cache.store(U.answer("a.corp.example.", ttls: [300]), for: U.key("a.corp.example."), at: t0)
        cache.store(U.answer("b.corp.example.", ttls: [300]), for: U.key("b.corp.example."), at: t0)
        cache.store(U.answer("a.corp.example.", ttls: [300]), for: U.key("a.corp.example."), at: t0 + 1)
        cache.store(U.answer("c.corp.example.", ttls: [300]), for: U.key("c.corp.example."), at: t0 + 2)
        #expect(cache.count == 2)
        #expect(cache.lookup(U.key("b.corp.example."), at: t0 + 3).isMiss)
        #expect(cache.lookup(U.key("a.corp.example."), at: t0 + 3).isFresh)
        #expect(cache.lookup(U.key("c.corp.example."), at: t0 + 3).isFresh)
    }

    @Test func capacityOneKeepsOnlyTheLatestAndManyEntriesStayConsistent() {
        var one = ResponseCache(capacity: 1)
        one.store(U.answer("a.corp.example.", ttls: [300]), for: U.key("a.corp.example."), at: t0)
        one.store(U.answer("b.corp.example.", ttls: [300]), for: U.key("b.corp.example."), at: t0)
        #expect(one.count == 1)
        #expect(one.lookup(U.key("a.corp.example."), at: t0).isMiss)
        #expect(one.lookup(U.key("b.corp.example."), at: t0).isFresh)

        // A longer run through the linked list: use every third, insert more; the used ones survive.
        var cache = ResponseCache(capacity: 50)
        for index in 0..<50 {
            cache.store(U.answer("n\(index).corp.example.", ttls: [300]), for: U.key("n\(index).corp.example."), at: t0)
        }
        let used = stride(from: 0, to: 50, by: 3).map { $0 }
        for index in used { #expect(cache.lookup(U.key("n\(index).corp.example."), at: t0 + 1).isFresh) }
        for index in 50..<(50 + 50 - used.count) {
            cache.store(U.answer("n\(index).corp.example.", ttls: [300]), for: U.key("n\(index).corp.example."), at: t0 + 2)
        }
        #expect(cache.count == 50)
        for index in used { #expect(cache.lookup(U.key("n\(index).corp.example."), at: t0 + 3).isFresh, "n\(index)") }
        let unused = (0..<50).filter { !used.contains($0) }
        for index in unused { #expect(cache.lookup(U.key("n\(index).corp.example."), at: t0 + 3).isMiss, "n\(index)") }
    }

    // MARK: Entries shared with the UDP workers' views

    @Test func anEntryIsFreshByTheSameRuleAsALookupAndCarriesItsBytes() throws {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        let made = cache.store(U.answer("www.corp.example.", ttls: [300, 200]), for: key, at: t0)
        let entry = try #require(made)
        #expect(entry.ttl == 200 && entry.storedAt == t0)
        let bytes = try #require(entry.bytes)
        #expect(bytes.answerCount == 2 && bytes.ttlOffsets.count == 2)
        for age in [0.0, 199.9, 200.0, 250.0] {
            let fresh = cache.lookup(key, at: t0 + age).isFresh
            let found = cache.answer(for: key, at: t0 + age)
            #expect(entry.isFresh(at: t0 + age) == fresh, "age \(age)")
            #expect((found != nil) == fresh, "age \(age)")
        }
        #expect(entry.age(at: t0 + 5.9) == 5)
        // Answers above the maximum TTL expire at the maximum, for the views too.
        cache.maximumTTL = 60
        let stored = cache.store(U.answer("long.corp.example.", ttls: [86_400]), for: U.key("long.corp.example."), at: t0)
        let long = try #require(stored)
        #expect(long.ttl == 60 && !long.isFresh(at: t0 + 60))
    }

    @Test func entriesTheCacheLetsGoAreDropped() throws {
        var cache = ResponseCache(capacity: 2)
        cache.staleWindow = 10
        func store(_ name: String, at now: Double) -> CachedAnswer? {
            cache.store(U.answer(name, ttls: [300]), for: U.key(name), at: now)
        }
        let a = try #require(store("a.corp.example.", at: t0))
        // Replaced by a newer answer.
        let newer = try #require(store("a.corp.example.", at: t0 + 1))
        #expect(a.isDropped && !newer.isDropped)
        // Evicted.
        let b = try #require(store("b.corp.example.", at: t0 + 2))
        _ = store("c.corp.example.", at: t0 + 3)
        #expect(newer.isDropped && !b.isDropped)
        // Past its stale window.
        let late = cache.lookup(U.key("b.corp.example."), at: t0 + 2 + 300 + 10)
        #expect(late.isMiss && b.isDropped)
    }

    @Test func anEntryAViewServedGetsASecondChance() throws {
        var cache = ResponseCache(capacity: 2)
        func store(_ name: String, at now: Double) -> CachedAnswer? {
            cache.store(U.answer(name, ttls: [300]), for: U.key(name), at: now)
        }
        let a = try #require(store("a.corp.example.", at: t0))
        let b = try #require(store("b.corp.example.", at: t0))
        // a is the least recently used, but a view served it without the cache seeing it.
        a.markServed()
        _ = store("c.corp.example.", at: t0 + 1)
        #expect(!a.isDropped && b.isDropped)
        let gone = cache.lookup(U.key("b.corp.example."), at: t0 + 2)
        #expect(gone.isMiss)
        // The mark was used up: next time a goes like any other.
        _ = store("d.corp.example.", at: t0 + 3)
        #expect(a.isDropped)
        // Every entry marked: the walk ends, and one entry still makes room.
        var full = ResponseCache(capacity: 3)
        var entries: [CachedAnswer] = []
        for name in ["p", "q", "r"] {
            let made = full.store(U.answer("\(name).corp.example.", ttls: [300]), for: U.key("\(name).corp.example."), at: t0)
            entries.append(try #require(made))
        }
        for entry in entries { entry.markServed() }
        full.store(U.answer("s.corp.example.", ttls: [300]), for: U.key("s.corp.example."), at: t0)
        #expect(full.count == 3 && entries.filter(\.isDropped).count == 1)
    }

    /// Random stores and lookups (some past the stale window, which frees their slots for reuse)
    /// against a plain list kept in order of use: the same entries survive, in the same order.
    @Test func randomUseMatchesASimpleModel() {
        var cache = ResponseCache(capacity: 8)
        cache.staleWindow = 50
        var model: [(name: String, storedAt: Double)] = []  // least recently used first
        var generator = SystemRandomNumberGenerator()
        var now = t0
        for step in 0..<3000 {
            now += Double(Int.random(in: 0...3, using: &generator))
            let name = "n\(Int.random(in: 0..<20, using: &generator)).corp.example."
            if Bool.random(using: &generator) {
                cache.store(U.answer(name, ttls: [100]), for: U.key(name), at: now)
                model.removeAll { $0.name == name }
                if model.count >= 8 { model.removeFirst() }
                model.append((name, now))
            } else {
                let lookup = cache.lookup(U.key(name), at: now)
                guard let index = model.firstIndex(where: { $0.name == name }) else {
                    #expect(lookup.isMiss, "step \(step): \(name)")
                    continue
                }
                let age = now - model[index].storedAt
                if age < 100 {
                    #expect(lookup.isFresh, "step \(step): \(name)")
                    model.append(model.remove(at: index))
                } else if age < 150 {
                    #expect(lookup.isStale, "step \(step): \(name)")
                } else {
                    #expect(lookup.isMiss, "step \(step): \(name)")
                    model.remove(at: index)
                }
            }
            #expect(cache.count == model.count, "step \(step)")
        }
    }

    // MARK: Stale answers (RFC 8767)

    @Test func afterExpiryTheAnswerIsStaleWithTTL30WithinTheWindow() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        let ns = ResourceRecord(name: "corp.example.", ttl: 3600, data: .ns("ns1.corp.example."))
        cache.store(U.answer("www.corp.example.", ttls: [10, 20], authorities: [ns]), for: key, at: t0)
        let stale = cache.lookup(key, at: t0 + 10)
        #expect(stale.isStale)
        #expect(U.ttls(stale) == [30, 30, 30])
        #expect(stale.message?.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 10)), .a(IPv4Address(192, 0, 2, 11))])
        // Still there a day later, a second before the window closes.
        #expect(cache.lookup(key, at: t0 + 10 + 86_399).isStale)
        #expect(cache.count == 1)
    }

    @Test func afterTheWindowTheAnswerIsGone() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        cache.store(U.answer("www.corp.example.", ttls: [10]), for: key, at: t0)
        #expect(cache.lookup(key, at: t0 + 10 + 86_400).isMiss)
        #expect(cache.count == 0)
        #expect(cache.lookup(key, at: t0).isMiss, "a removed entry does not come back")
    }

    @Test func theStaleWindowAndTTLAreSettings() {
        var cache = ResponseCache(capacity: 10)
        cache.staleWindow = 5
        cache.staleTTL = 7
        let key = U.key("nope.corp.example.")
        cache.store(U.empty("nope.corp.example.", rcode: .nxDomain, soa: U.soa(ttl: 60, minimum: 2)), for: key, at: t0)
        let stale = cache.lookup(key, at: t0 + 3)
        #expect(stale.isStale)
        #expect(stale.message?.rcode == .nxDomain)
        #expect(U.ttls(stale) == [7])
        #expect(cache.lookup(key, at: t0 + 6.9).isStale)
        #expect(cache.lookup(key, at: t0 + 7).isMiss)
    }

    @Test func aStaleEntryStoredAgainIsFreshAgain() {
        var cache = ResponseCache(capacity: 10)
        let key = U.key("www.corp.example.")
        cache.store(U.answer("www.corp.example.", ttls: [10]), for: key, at: t0)
        #expect(cache.lookup(key, at: t0 + 15).isStale)
        cache.store(U.answer("www.corp.example.", ttls: [10]), for: key, at: t0 + 15)
        #expect(U.ttls(cache.lookup(key, at: t0 + 16)) == [9])
    }
}
