import DNSWire
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Timekeeping

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

    /// What `resolve(_:dnssecOK:checkingDisabled:on:outcome:)` hands over: a fresh answer as the
    /// cache keeps it (found there, or fetched and just stored), so a UDP worker writes the reply
    /// from its bytes; or any other resolution.
    public enum Outcome: Sendable {
        case cached(CachedAnswer)
        case resolved(Resolution)

        /// As a resolution: a cached answer's message with its TTLs counted down to `now`.
        public func resolution(at now: Double) -> Resolution {
            switch self {
            case .cached(let answer): .answer(answer.response(at: now))
            case .resolved(let resolution): resolution
            }
        }
    }

    public let policy: ForwardingPolicy
    let options: Options
    let transport: UpstreamTransport
    let cache: NIOLockedValueBox<ResponseCache>
    let health: NIOLockedValueBox<[Upstream: UpstreamHealth]>
    let inflight = NIOLockedValueBox<[ResponseCache.Key: [Waiter]]>([:])
    /// The one clock of forwarded answers: the cache's ages and expiries, upstream timings, and
    /// the UDP workers' views of the cache all read it.
    public let serverClock: ServerClock

    public init(policy: ForwardingPolicy, group: any EventLoopGroup, options: Options = Options(),
                clock: ServerClock = .system) {
        self.policy = policy
        self.options = options
        transport = UpstreamTransport(group: group)
        cache = NIOLockedValueBox(ResponseCache(capacity: options.cacheCapacity))
        var health: [Upstream: UpstreamHealth] = [:]
        for upstream in policy.allUpstreams { health[upstream] = UpstreamHealth() }
        self.health = NIOLockedValueBox(health)
        serverClock = clock
    }

    /// Seconds on the forwarder's clock.
    func clock() -> Double { serverClock.now() }

    /// Each upstream with its health, in the default priority order.
    public func status() -> [(upstream: Upstream, health: UpstreamHealth)] {
        let snapshot = health.withLockedValue { $0 }
        return policy.allUpstreams.map { ($0, snapshot[$0] ?? UpstreamHealth()) }
    }

    /// The most answers the cache keeps.
    public var cacheCapacity: Int { options.cacheCapacity }

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

    /// The cache's fresh entry for `key` at `now` (a reading of `serverClock`), as it is kept:
    /// what a UDP worker's view reads through to.
    public func cachedAnswer(for key: ResponseCache.Key, at now: Double) -> CachedAnswer? {
        cache.withLockedValue { $0.answer(for: key, at: now) }
    }

    /// Resolves through the cache and the upstreams on one of the group's loops; suspends until
    /// there is a result.
    public func resolve(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool) async -> Resolution {
        let loop = transport.group.next()
        let promise = loop.makePromise(of: Resolution.self)
        loop.execute {
            self.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: loop, then: { promise.succeed($0) })
        }
        return (try? await promise.futureResult.get()) ?? .failure
    }

    /// A client waiting for a question another client asked first; `then` runs on `loop`.
    struct Waiter: @unchecked Sendable {
        let loop: any EventLoop
        let then: (Outcome) -> Void

        func deliver(_ outcome: Outcome) {
            if loop.inEventLoop {
                then(outcome)
            } else {
                loop.execute { self.then(outcome) }
            }
        }
    }

    /// Resolves on `loop` without leaving it, the query path: the cache, then the upstreams
    /// through `loop`'s sockets, hedging on `loop`'s timers; no task, stream, continuation or
    /// future per query. `then` runs once, on `loop` (at once for a cached answer). Call on `loop`.
    public func resolve(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, on loop: any EventLoop,
                        then: @escaping (Resolution) -> Void) {
        resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: loop, outcome: { outcome in
            then(outcome.resolution(at: self.clock()))
        })
    }

    /// `resolve` giving a fresh answer as the cache keeps it (`Outcome.cached`), for callers
    /// that write replies from its bytes.
    public func resolve(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, on loop: any EventLoop,
                        outcome then: @escaping (Outcome) -> Void) {
        assert(loop.inEventLoop)
        let key = ResponseCache.Key(question: question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
        let now = clock()
        if let answer = cache.withLockedValue({ $0.answer(for: key, at: now) }) {
            then(.cached(answer))
            return
        }
        // Coalesce: the first asker fetches, the others wait for its result.
        let waiter = Waiter(loop: loop, then: then)
        let leader = inflight.withLockedValue { table -> Bool in
            if table[key] != nil {
                table[key]!.append(waiter)
                return false
            }
            table[key] = []
            return true
        }
        guard leader else { return }
        fetch(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: loop) { fetched in
            let result = self.settle(fetched, key: key)
            let waiters = self.inflight.withLockedValue { $0.removeValue(forKey: key) ?? [] }
            then(result)
            for waiter in waiters { waiter.deliver(result) }
        }
    }

    /// What the client hears once the upstreams are done: a usable answer (cached), or stale
    /// data, or the upstreams' error, or a failure.
    private func settle(_ fetched: Message?, key: ResponseCache.Key) -> Outcome {
        let failedAnswer = fetched.map { $0.rcode == .servFail || $0.rcode == .refused } ?? false
        if let answer = fetched, !failedAnswer {
            let stored = clock()
            if let cached = cache.withLockedValue({ $0.store(answer, for: key, at: stored) }) { return .cached(cached) }
            return .resolved(.answer(answer))
        }
        if let answer = fetched {
            // SERVFAIL or REFUSED from every upstream is a failure to refresh (RFC 8767 sec. 4):
            // expired data, if any, is served stale; otherwise the client hears the error.
            let later = clock()
            if case .stale(let message) = cache.withLockedValue({ $0.lookup(key, at: later) }) {
                return .resolved(.stale(message))
            }
            return .resolved(.answer(answer))
        }
        let later = clock()
        switch cache.withLockedValue({ $0.lookup(key, at: later) }) {
        case .fresh(let message): return .resolved(.answer(message))
        case .stale(let message): return .resolved(.stale(message))
        case .miss: return .resolved(.failure)
        }
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

    /// Asks the upstreams, hedging, and completes (on `loop`) with the first usable answer, or
    /// nil when none came. SERVFAIL and REFUSED move on to the next upstream; when every
    /// upstream says so, the last such answer is the result, so the client hears it at once.
    ///
    /// Each exchange records the upstream's health when it ends, even after another upstream has
    /// won: a silent primary thus still counts its timeouts and is marked down, and the client
    /// never waits for the losers.
    func fetch(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, on loop: any EventLoop,
               completion: @escaping (Message?) -> Void) {
        let upstreams = candidates(for: question.name)
        guard !upstreams.isEmpty else {
            completion(nil)
            return
        }
        FetchRun(forwarder: self, question: question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled,
                 upstreams: upstreams, loop: loop, completion: completion).launch()
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
