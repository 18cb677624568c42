import NIOConcurrencyHelpers
import NIOPosix
import Testing
@testable import DNSServer

@Suite("Write batcher (group commit)")
struct WriteBatcherTests {
    @Test func jobsThatComeTogetherRunTogetherAndEachGetsItsOwnOutcome() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let batches = NIOLockedValueBox<[[Int]]>([])
        let gate = NIOLockedValueBox(false)
        let batcher = WriteBatcher<Int, Int>(pool: pool, maximumBatch: 50, abandoned: -1) { jobs in
            batches.withLockedValue { $0.append(jobs) }
            // The first batch holds the pool until the others have queued up behind it.
            if jobs == [0] {
                for _ in 0..<2_000 where !gate.withLockedValue({ $0 }) { usleep(1_000) }
            }
            return jobs.map { $0 * 10 }
        }
        async let first = batcher.submit(0)
        while batches.withLockedValue({ $0.isEmpty }) { await Task.yield() }
        let outcomes = await withTaskGroup(of: (Int, Int).self) { group in
            for job in 1...120 { group.addTask { (job, await batcher.submit(job)) } }
            // Once they all wait, release the first batch.
            for _ in 0..<100_000 where batcher.waiting < 120 { await Task.yield() }
            gate.withLockedValue { $0 = true }
            var all: [(Int, Int)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(await first == 0)
        #expect(outcomes.count == 120 && outcomes.allSatisfy { $0.1 == $0.0 * 10 })
        let seen = batches.withLockedValue { $0 }
        #expect(seen.flatMap { $0 }.sorted() == Array(0...120))
        // 120 waiting jobs ran 50 at a time: three batches after the first, not one by one.
        #expect(seen.map(\.count) == [1, 50, 50, 20])
        #expect(seen.allSatisfy { $0.count <= 50 })
        try await pool.shutdownGracefully()
    }

    @Test func aPoolThatIsGoneAbandonsTheJob() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        try await pool.shutdownGracefully()
        let batcher = WriteBatcher<Int, Int>(pool: pool, abandoned: -1) { $0 }
        #expect(await batcher.submit(5) == -1)
    }
}
