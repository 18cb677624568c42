import DNSWire
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Resolves names outside the local zones through the configured upstreams: cache first, then
/// the upstreams in priority order with hedging (if an upstream has not answered within its
/// adaptive deadline, the next one is asked too and the first valid answer wins), SERVFAIL and
/// REFUSED moving on at once, identical questions in flight coalesced into one, and stale answers
/// when every upstream is down (RFC 8767).
public final class Forwarder: Sendable {
    public struct Options: Sendable {
        public var cacheCapacity = 100_000
        /// How long one upstream gets before its query counts as failed.
        public var upstreamTimeout = 1.5
        /// The most a client waits in all.
        public var totalBudget = 2.0
        /// How often an upstream marked down is asked whether it is back.
        public var probeInterval = 1.0

        public init() {}
    }

    public enum Resolution: Sendable {
        case answer(Message)
        /// Expired data served because no upstream answered.
        case stale(Message)
        /// No upstream answered and nothing stale was cached.
        case failure
    }

    public let policy: ForwardingPolicy
    let options: Options
    let transport: UpstreamTransport
    let cache: NIOLockedValueBox<ResponseCache>
    let health: NIOLockedValueBox<[Upstream: UpstreamHealth]>
    let inflight = NIOLockedValueBox<[ResponseCache.Key: [CheckedContinuation<Resolution, Never>]]>([:])
    let clock: @Sendable () -> Double

    public init(policy: ForwardingPolicy, group: any EventLoopGroup, options: Options = Options(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.policy = policy
        self.options = options
        transport = UpstreamTransport(group: group)
        cache = NIOLockedValueBox(ResponseCache(capacity: options.cacheCapacity))
        var health: [Upstream: UpstreamHealth] = [:]
        for upstream in policy.allUpstreams { health[upstream] = UpstreamHealth() }
        self.health = NIOLockedValueBox(health)
        self.clock = clock
    }

    /// Each upstream with its health, in the default priority order.
    public func status() -> [(upstream: Upstream, health: UpstreamHealth)] {
        let snapshot = health.withLockedValue { $0 }
        return policy.allUpstreams.map { ($0, snapshot[$0] ?? UpstreamHealth()) }
    }

    public var cacheStatistics: (entries: Int, hits: Int, misses: Int) {
        cache.withLockedValue { ($0.count, $0.hits, $0.misses) }
    }

    /// Answers from the cache without waiting, or nil (the fast path for warm names).
    public func cached(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool) -> Message? {
        let key = ResponseCache.Key(question: question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
        let now = clock()
        if case .fresh(let message) = cache.withLockedValue({ $0.lookup(key, at: now) }) { return message }
        return nil
    }

    public func resolve(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool) async -> Resolution {
        let key = ResponseCache.Key(question: question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
        let now = clock()
        if case .fresh(let message) = cache.withLockedValue({ $0.lookup(key, at: now) }) { return .answer(message) }

        // Coalesce: the first asker fetches, the others wait for its result.
        let leader = inflight.withLockedValue { table -> Bool in
            if table[key] != nil { return false }
            table[key] = []
            return true
        }
        if !leader {
            return await withCheckedContinuation { continuation in
                let queued = inflight.withLockedValue { table -> Bool in
                    guard table[key] != nil else { return false }
                    table[key]!.append(continuation)
                    return true
                }
                if !queued {
                    // The leader finished in between: its answer is in the cache (or it failed).
                    let now = clock()
                    switch cache.withLockedValue({ $0.lookup(key, at: now) }) {
                    case .fresh(let message): continuation.resume(returning: .answer(message))
                    case .stale(let message): continuation.resume(returning: .stale(message))
                    case .miss: continuation.resume(returning: .failure)
                    }
                }
            }
        }

        let result: Resolution
        let fetched = await fetch(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
        let failedAnswer = fetched.map { $0.rcode == .servFail || $0.rcode == .refused } ?? false
        if let answer = fetched, !failedAnswer {
            let stored = clock()
            cache.withLockedValue { $0.store(answer, for: key, at: stored) }
            result = .answer(answer)
        } else if let answer = fetched {
            // SERVFAIL or REFUSED from every upstream is a failure to refresh (RFC 8767 sec. 4):
            // expired data, if any, is served stale; otherwise the client hears the error.
            let later = clock()
            if case .stale(let message) = cache.withLockedValue({ $0.lookup(key, at: later) }) {
                result = .stale(message)
            } else {
                result = .answer(answer)
            }
        } else {
            let later = clock()
            switch cache.withLockedValue({ $0.lookup(key, at: later) }) {
            case .fresh(let message): result = .answer(message)
            case .stale(let message): result = .stale(message)
            case .miss: result = .failure
            }
        }
        let waiters = inflight.withLockedValue { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiters { waiter.resume(returning: result) }
        return result
    }

    /// Upstreams to try, in order: those up in priority order, then those marked down (a last
    /// resort, in case one came back before its probe noticed).
    func candidates(for name: DomainName) -> [Upstream] {
        let list = policy.upstreams(for: name)
        let states = health.withLockedValue { $0 }
        let up = list.filter { states[$0]?.isUp ?? true }
        return up + list.filter { !(states[$0]?.isUp ?? true) }
    }

    func deadline(for upstream: Upstream) -> Double {
        health.withLockedValue { $0[upstream]?.deadline ?? 0.25 }
    }

    enum Attempt: Sendable {
        case answered(Int, Message, rtt: Double)
        case failed(Int)
        case hedge
    }

    /// Asks the upstreams, hedging, and returns the first usable answer; nil when none came.
    /// SERVFAIL and REFUSED move on to the next upstream; when every upstream says so, the last
    /// such answer is returned so the client hears it at once.
    ///
    /// Each exchange runs as a task of its own that records the upstream's health when it ends,
    /// even after another upstream has won: a silent primary thus still counts its timeouts and
    /// is marked down, and the client never waits for the losers.
    func fetch(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool) async -> Message? {
        let upstreams = candidates(for: question.name)
        guard !upstreams.isEmpty else { return nil }
        let (attempts, report) = AsyncStream.makeStream(of: Attempt.self)
        let started = clock()
        var next = 0
        var running = 0
        var fallback: Message?

        func launch() {
            guard next < upstreams.count else { return }
            let index = next
            next += 1
            running += 1
            let upstream = upstreams[index]
            let query = Message(
                header: Header(id: UInt16.random(in: 0...UInt16.max), recursionDesired: true, checkingDisabled: checkingDisabled),
                questions: [question], edns: EDNS(udpPayloadSize: 1232, dnssecOK: dnssecOK))
            let timeout = max(0.05, min(options.upstreamTimeout, options.totalBudget - (clock() - started)))
            let transport = transport
            let clock = clock
            let health = health
            Task {
                let sent = clock()
                let attempt: Attempt
                do {
                    let answer = try await transport.exchange(query, with: upstream, timeout: timeout)
                    let now = clock()
                    if answer.rcode == .servFail || answer.rcode == .refused {
                        health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordFailure(at: now) }
                    } else {
                        health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordAnswer(rtt: now - sent, at: now) }
                    }
                    attempt = .answered(index, answer, rtt: now - sent)
                } catch {
                    let now = clock()
                    health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordFailure(at: now) }
                    attempt = .failed(index)
                }
                report.yield(attempt)
            }
            if next < upstreams.count {
                let wait = deadline(for: upstream)
                Task {
                    try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                    report.yield(.hedge)
                }
            }
        }

        launch()
        for await attempt in attempts {
            switch attempt {
            case .hedge:
                if running > 0 && next < upstreams.count { launch() }
            case .answered(_, let answer, _):
                running -= 1
                if answer.rcode == .servFail || answer.rcode == .refused {
                    fallback = answer
                    if next < upstreams.count { launch() }
                } else {
                    report.finish()
                    return answer
                }
            case .failed:
                running -= 1
                if next < upstreams.count { launch() }
            }
            if running == 0 && next >= upstreams.count { break }
        }
        report.finish()
        return fallback
    }

    /// Asks every upstream marked down whether it is back (`. NS`, any matching answer counts),
    /// until cancelled.
    public func probeDownUpstreams() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(Int(options.probeInterval * 1000))) } catch { return }
            let down = health.withLockedValue { table in table.filter { !$0.value.isUp }.map(\.key) }
            for upstream in down {
                let query = Message(header: Header(id: UInt16.random(in: 0...UInt16.max), recursionDesired: true),
                                    questions: [Question(name: .root, type: .ns)], edns: EDNS(udpPayloadSize: 1232))
                let sent = clock()
                if (try? await transport.exchange(query, with: upstream, timeout: 1)) != nil {
                    let now = clock()
                    health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordAnswer(rtt: now - sent, at: now) }
                }
            }
        }
    }
}
