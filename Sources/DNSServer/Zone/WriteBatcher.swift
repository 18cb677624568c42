import NIOConcurrencyHelpers
import NIOPosix

/// Group commit: jobs submitted from many requests at once are handed to `process` together, on
/// one thread of the blocking pool, one batch after another.
///
/// A write's fixed costs (the transaction's sync to disk, a new snapshot and its publication)
/// are paid once per batch instead of once per job. Nothing waits to fill a batch: a job that
/// comes while the pool is idle runs alone at once; jobs that come while a batch runs make up
/// the next one. So under light load nothing is delayed, and under heavy load the batches grow
/// with it (up to `maximumBatch`).
public final class WriteBatcher<Job: Sendable, Outcome: Sendable>: Sendable {
    private struct Waiting: Sendable {
        let job: Job
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private let pending = NIOLockedValueBox((jobs: [Waiting](), draining: false))
    private let pool: NIOThreadPool
    private let maximumBatch: Int
    /// The outcome of a job the pool will never run (it is shutting down).
    private let abandoned: Outcome
    /// Runs a batch; returns one outcome per job, in order.
    private let process: @Sendable ([Job]) -> [Outcome]

    public init(pool: NIOThreadPool, maximumBatch: Int = 256, abandoned: Outcome,
                process: @escaping @Sendable ([Job]) -> [Outcome]) {
        self.pool = pool
        self.maximumBatch = Swift.max(1, maximumBatch)
        self.abandoned = abandoned
        self.process = process
    }

    /// Runs `job` in the next batch and returns its outcome.
    public func submit(_ job: Job) async -> Outcome {
        await withCheckedContinuation { continuation in
            let start = pending.withLockedValue { state -> Bool in
                state.jobs.append(Waiting(job: job, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            guard start else { return }
            pool.submit { [self] state in
                guard case .active = state else { return abandonAll() }
                drain()
            }
        }
    }

    /// Jobs submitted and not yet taken into a batch.
    var waiting: Int { pending.withLockedValue { $0.jobs.count } }

    /// Runs batches until no job is left.
    private func drain() {
        while true {
            let batch = pending.withLockedValue { state -> [Waiting] in
                guard !state.jobs.isEmpty else {
                    state.draining = false
                    return []
                }
                let count = Swift.min(maximumBatch, state.jobs.count)
                let batch = Array(state.jobs.prefix(count))
                state.jobs.removeFirst(count)
                return batch
            }
            guard !batch.isEmpty else { return }
            let outcomes = process(batch.map(\.job))
            for (index, waiting) in batch.enumerated() {
                waiting.continuation.resume(returning: index < outcomes.count ? outcomes[index] : abandoned)
            }
        }
    }

    private func abandonAll() {
        let jobs = pending.withLockedValue { state -> [Waiting] in
            defer { state = (jobs: [], draining: false) }
            return state.jobs
        }
        for waiting in jobs { waiting.continuation.resume(returning: abandoned) }
    }
}
