import Testing
@testable import LANZone

@Suite("Rate states in memory in front of the database")
struct RateStateCacheTests {
    let a = DynamicRateState(key: "src:a", windowStart: 10, count: 1)
    let b = DynamicRateState(key: "src:b", windowStart: 20, count: 2, blockedUntil: 900)

    @Test func writesAreKnownAndReadsFillIn() {
        let cache = RateStateCache()
        #expect(cache.lookup(["src:a"]).found == nil)
        cache.remember(written: [a])
        #expect(cache.lookup(["src:a"]).found == ["src:a": a])
        // A key the database has no state for is known as none.
        let miss = cache.lookup(["src:a", "src:c"])
        #expect(miss.found == nil)
        cache.remember(read: ["src:a", "src:c"], ["src:a": a], writes: miss.writes)
        #expect(cache.lookup(["src:a", "src:c"]).found == ["src:a": a])
    }

    @Test func aReadThatRacedAWriteIsNotKept() {
        let cache = RateStateCache()
        let miss = cache.lookup(["src:b"])
        cache.remember(written: [b])
        // The read started before the write and saw no state: it must not hide the write.
        cache.remember(read: ["src:b"], [:], writes: miss.writes)
        #expect(cache.lookup(["src:b"]).found == ["src:b": b])
    }

    @Test func clearingAndTheLimitSendReadsBackToTheDatabase() {
        let cache = RateStateCache(limit: 2)
        cache.remember(written: [a, b])
        cache.remember(written: [DynamicRateState(key: "src:c", windowStart: 1, count: 1)])
        #expect(cache.lookup(["src:a"]).found == nil)
        #expect(cache.lookup(["src:c"]).found?.count == 1)
        cache.clear()
        #expect(cache.lookup(["src:c"]).found == nil)
    }

    @Test func theStoreAnswersFromMemoryAfterAWriteAndStillPersists() throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try HostStore(path: directory.databasePath)
            #expect(store.cachedRateStates(keys: ["src:a"]) == nil)
            try store.storeRateStates([a])
            #expect(store.cachedRateStates(keys: ["src:a"]) == ["src:a": a])
            #expect(try store.rateStates(keys: ["src:a", "src:z"]) == ["src:a": a])
            #expect(store.cachedRateStates(keys: ["src:z"]) == [:])
            #expect(try store.pruneRateStates(before: 100) == 1)
            #expect(store.cachedRateStates(keys: ["src:a"]) == nil)
            try store.storeRateStates([b])
        }
        let reopened = try HostStore(path: directory.databasePath)
        #expect(try reopened.rateStates(keys: ["src:a", "src:b"]) == ["src:b": b])
    }
}
