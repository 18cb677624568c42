import NIOCore

/// The timers of one event loop's upstream queries: every query has a timeout and most a hedge
/// deadline, thousands a second, and nearly all are moot before they fire. NIO's own scheduled
/// tasks cost a promise each and are cancelled by a linear search; here a timer is an entry in a
/// binary heap, never cancelled: its action checks whether it still matters (the query is still
/// waiting, the run is not done) when it fires. One NIO task is armed for the earliest deadline.
/// Used on `loop` only.
final class LoopTimers: @unchecked Sendable {
    /// A heap entry: plain numbers, so sifting moves no references; the action waits in `actions`.
    private struct Entry {
        var deadline: UInt64
        var order: UInt64
        var slot: Int

        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : order < other.order
        }
    }

    let loop: any EventLoop
    private var heap: [Entry] = []
    private var actions = Slab<() -> Void>()
    private var counter: UInt64 = 0
    /// Deadlines of the NIO tasks armed and not yet run, ascending (usually one).
    private var armed: [UInt64] = []

    private let now: () -> NIODeadline

    /// `now` is the loop's clock (a test's embedded loop has its own).
    init(loop: any EventLoop, now: @escaping () -> NIODeadline = { .now() }) {
        self.loop = loop
        self.now = now
    }

    var count: Int { heap.count }

    /// The time on this loop's clock (the socket pool ages its sockets by it too).
    var current: NIODeadline { now() }

    /// Runs `action` on the loop once `amount` has passed.
    func schedule(in amount: TimeAmount, _ action: @escaping () -> Void) {
        assert(loop.inEventLoop)
        let deadline = (now() + amount).uptimeNanoseconds
        counter &+= 1
        push(Entry(deadline: deadline, order: counter, slot: actions.insert(action)))
        if armed.first.map({ deadline < $0 }) ?? true { arm(deadline) }
    }

    private func arm(_ deadline: UInt64) {
        let index = armed.firstIndex { $0 > deadline } ?? armed.count
        armed.insert(deadline, at: index)
        loop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: .uptimeNanoseconds(deadline)) { [self] in
            fire()
        }
    }

    private func fire() {
        // Tasks run in deadline order: this is the earliest one armed.
        if !armed.isEmpty { armed.removeFirst() }
        let current = now().uptimeNanoseconds
        var ran = 0
        while let first = heap.first, first.deadline <= current, ran < 100_000 {
            actions.remove(pop().slot)()
            ran += 1
        }
        if let next = heap.first?.deadline, armed.first.map({ next < $0 }) ?? true { arm(next) }
    }

    // MARK: - Binary heap ordered by deadline, then by insertion

    private func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
