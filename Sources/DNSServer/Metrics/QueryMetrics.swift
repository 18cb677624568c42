import NIOConcurrencyHelpers

/// Every thread's query counters, summed for a scrape: one `QueryCounters` per UDP worker (its
/// own writer) and one shared by the event loops (TCP queries, forwarded replies).
public final class QueryMetrics: Sendable {
    private let workers = NIOLockedValueBox<[QueryCounters]>([])
    /// Counted atomically, from any thread.
    public let shared = QueryCounters(singleWriter: false)

    public init() {}

    /// Counters for one more worker thread, which alone writes them.
    func workerCounters() -> QueryCounters {
        let counters = QueryCounters(singleWriter: true)
        workers.withLockedValue { $0.append(counters) }
        return counters
    }

    /// The counts so far, over every thread.
    public var totals: QueryTotals {
        var totals = QueryTotals()
        for counters in workers.withLockedValue({ $0 }) { totals.add(counters) }
        totals.add(shared)
        return totals
    }
}
