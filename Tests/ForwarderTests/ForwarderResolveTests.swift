import DNSWire
import Foundation
import NIOPosix
import Testing
import Timekeeping

@testable import Forwarder

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Fake upstreams on 127.0.0.1 (nothing else is ever addressed)

/// A UDP socket on 127.0.0.1 that answers each query with what `reply` says (nil: no answer),
/// on a thread of its own, and remembers the questions it was asked.
final class FakeUpstream: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let lock = NSLock()
    private var asked: [Question] = []
    private var sourcePorts: [UInt16] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    let reply: @Sendable (Message) -> Message?

    var upstream: Upstream { Upstream(address: IPAddress("127.0.0.1")!, port: port) }

    var questions: [Question] { lock.withLock { asked } }

    /// The source port of each query received, in order.
    var ports: [UInt16] { lock.withLock { sourcePorts } }

    /// `port` 0 picks a free one.
    init(port: Int = 0, reply: @escaping @Sendable (Message) -> Message?) throws {
        guard let (fd, bound) = Loopback.udpSocket(port: port) else { throw FakeError.cannotBind }
        self.fd = fd
        self.port = bound
        self.reply = reply
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    private func serve() {
        defer { done.signal() }
        var buffer = [UInt8](repeating: 0, count: 65_535)
        while !lock.withLock({ stopped }) {
            var from = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
                }
            }
            guard count > 0, let query = try? Message(bytes: Array(buffer[0..<count])) else { continue }
            lock.withLock {
                asked.append(contentsOf: query.questions)
                sourcePorts.append(UInt16(bigEndian: from.sin_port))
            }
            guard let answer = reply(query) else { continue }
            let bytes = answer.serialize()
            _ = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, length) }
                }
            }
        }
    }

    /// Stops answering and closes the socket (a later query then meets ICMP port unreachable).
    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        _ = done.wait(timeout: .now() + 2)
        close(fd)
    }

    deinit { stop() }

    /// A reply to `query` with `answers` and `rcode`, as an authoritative server sends it.
    static func answer(_ query: Message, rcode: ResponseCode = .noError, answers: [ResourceRecord] = [],
                       authorities: [ResourceRecord] = []) -> Message {
        var message = Message(header: Header(id: query.header.id, isResponse: true, authoritative: true,
                                             recursionDesired: query.header.recursionDesired),
                              questions: query.questions, answers: answers, authorities: authorities,
                              edns: query.edns.map { _ in EDNS() })
        message.rcode = rcode
        return message
    }

    /// Answers every A question with `address`, TTL `ttl`, and a TXT marker `which`.
    static func addressing(_ address: IPv4Address, ttl: UInt32 = 300, which: String) -> @Sendable (Message) -> Message? {
        { query in
            guard let question = query.questions.first else { return nil }
            switch question.type {
            case .a:
                return answer(query, answers: [ResourceRecord(name: question.name, ttl: ttl, data: .a(address))])
            case .txt:
                return answer(query, answers: [ResourceRecord(name: question.name, ttl: 0, data: .txt([Array(which.utf8)]))])
            default:
                return answer(query)
            }
        }
    }
}

enum FakeError: Error { case cannotBind }

enum Loopback {
    static func udpSocket(port: Int) -> (Int32, Int)? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            return nil
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A bound socket that never reads: queries to it go unanswered, with no ICMP (a frozen server).
    final class BlackHole {
        let fd: Int32
        let port: Int
        init() throws {
            guard let (fd, port) = Loopback.udpSocket(port: 0) else { throw FakeError.cannotBind }
            self.fd = fd
            self.port = port
        }
        var upstream: Upstream { Upstream(address: IPAddress("127.0.0.1")!, port: port) }
        deinit { close(fd) }
    }

    /// A port nothing listens on (bound, then closed): queries meet ICMP port unreachable.
    static func closedPort() throws -> Upstream {
        guard let (fd, port) = udpSocket(port: 0) else { throw FakeError.cannotBind }
        close(fd)
        return Upstream(address: IPAddress("127.0.0.1")!, port: port)
    }
}

func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = Date()
    let value = try await body()
    return (value, Date().timeIntervalSince(start))
}

// MARK: - The forwarder against those upstreams

@Suite(.serialized) struct ForwarderResolveTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    func question(_ name: String, _ type: RecordType = .a) -> Question {
        Question(name: try! DomainName(name), type: type)
    }

    func answerMessage(_ resolution: Forwarder.Resolution) -> Message? {
        if case .answer(let message) = resolution { return message }
        return nil
    }

    func forwarder(_ upstreams: [Upstream], clock: ManualClock? = nil, configure: (inout Forwarder.Options) -> Void = { _ in })
        -> Forwarder {
        var options = Forwarder.Options()
        configure(&options)
        if let clock {
            return Forwarder(policy: ForwardingPolicy(defaults: upstreams), group: Self.group, options: options,
                             clock: clock.clock)
        }
        return Forwarder(policy: ForwardingPolicy(defaults: upstreams), group: Self.group, options: options)
    }

    @Test func answersFromThePrimaryAndCachesIt() async throws {
        let primary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 1), which: "primary"))
        let secondary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 2), which: "secondary"))
        defer { primary.stop(); secondary.stop() }
        let forwarder = forwarder([primary.upstream, secondary.upstream])

        let first = try #require(answerMessage(await forwarder.resolve(question("www.example."), dnssecOK: false, checkingDisabled: false)))
        #expect(first.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 1))])
        #expect(secondary.questions.isEmpty)
        #expect(forwarder.cached(question("www.example."), dnssecOK: false, checkingDisabled: false) != nil)
        #expect(forwarder.cached(question("www.example."), dnssecOK: true, checkingDisabled: false) == nil)
        _ = await forwarder.resolve(question("WWW.example."), dnssecOK: false, checkingDisabled: false)
        #expect(primary.questions.count == 1, "the second ask is a cache hit: \(primary.questions)")
        #expect(forwarder.cacheStatistics.entries == 1)
        let status = forwarder.status()
        #expect(status.map(\.upstream) == [primary.upstream, secondary.upstream])
        #expect(status[0].health.answers == 1)
    }

    @Test func aClosedPrimaryFailsOverAtOnceAndIsMarkedDownAfterThreeFailures() async throws {
        let dead = try Loopback.closedPort()
        let secondary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 2), which: "secondary"))
        defer { secondary.stop() }
        let forwarder = forwarder([dead, secondary.upstream])
        for index in 0..<3 {
            let (resolution, seconds) = await elapsed {
                await forwarder.resolve(question("n\(index).example."), dnssecOK: false, checkingDisabled: false)
            }
            let message = try #require(answerMessage(resolution), "query \(index)")
            #expect(message.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 2))])
            // ICMP port unreachable is immediate: no waiting for a timeout or even the hedge.
            #expect(seconds < 0.5, "query \(index) took \(seconds) s")
        }
        let status = forwarder.status()
        #expect(!status[0].health.isUp, "\(status[0].health)")
        #expect(status[0].health.consecutiveFailures >= 3)
        #expect(status[1].health.isUp)
        // Down upstreams go last.
        #expect(forwarder.candidates(for: "x.example.") == [secondary.upstream, dead])
    }

    // Regression test (was a bug): when the primary is a black hole (a frozen server, SIGSTOP), the hedge asks the
    // secondary after the primary's deadline and the secondary answers at once, but `fetch`
    // returns from inside `withTaskGroup`, which waits for every child task: the primary's
    // exchange awaits an EventLoopFuture that ignores cancellation, so the answer is held until
    // the primary's own timeout (1.5 s). The primary's failure is then never recorded either
    // (the group loop has already returned), so it is never marked down and every new name waits
    // 1.5 s: clients with a 1 s timeout see every query fail.
    @Test func aBlackHolePrimaryIsHedgedWithinItsDeadline() async throws {
        let hole = try Loopback.BlackHole()
        let secondary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 2), which: "secondary"))
        defer { secondary.stop() }
        let forwarder = forwarder([hole.upstream, secondary.upstream])
        var times: [Double] = []
        for index in 0..<4 {
            let (resolution, seconds) = await elapsed {
                await forwarder.resolve(question("h\(index).example."), dnssecOK: false, checkingDisabled: false)
            }
            times.append(seconds)
            let message = try #require(answerMessage(resolution), "query \(index)")
            #expect(message.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 2))])
        }
        print("black-hole primary: resolve times \(times.map { String(format: "%.3f", $0) }) s; primary health \(forwarder.status()[0].health)")
        // The initial deadline is 0.25 s; the hedge should answer well within a second, and the
        // silent primary should count as failing.
        #expect(times.allSatisfy { $0 < 1.0 }, "hedged answers waited for the black hole: \(times)")
        // The primary's own exchanges time out later (1.5 s) and are recorded then.
        for _ in 0..<40 where forwarder.status()[0].health.failures == 0 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(forwarder.status()[0].health.failures > 0, "the black hole's timeouts were never recorded")
    }

    @Test func servfailFromThePrimaryMovesOnToTheSecondary() async throws {
        let primary = try FakeUpstream(reply: { FakeUpstream.answer($0, rcode: .servFail) })
        let secondary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 2), which: "secondary"))
        defer { primary.stop(); secondary.stop() }
        let forwarder = forwarder([primary.upstream, secondary.upstream])
        let (resolution, seconds) = await elapsed {
            await forwarder.resolve(question("sf.example."), dnssecOK: false, checkingDisabled: false)
        }
        let message = try #require(answerMessage(resolution))
        #expect(message.rcode == .noError)
        #expect(message.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 2))])
        #expect(seconds < 0.5, "\(seconds) s")
        #expect(primary.questions.count == 1 && secondary.questions.count == 1)
        #expect(forwarder.status()[0].health.failures == 1)
    }

    @Test func whenEveryUpstreamSaysServfailTheClientHearsItAtOnce() async throws {
        let primary = try FakeUpstream(reply: { FakeUpstream.answer($0, rcode: .servFail) })
        let secondary = try FakeUpstream(reply: { FakeUpstream.answer($0, rcode: .refused) })
        defer { primary.stop(); secondary.stop() }
        let forwarder = forwarder([primary.upstream, secondary.upstream])
        let (resolution, seconds) = await elapsed {
            await forwarder.resolve(question("sf.example."), dnssecOK: false, checkingDisabled: false)
        }
        let message = try #require(answerMessage(resolution))
        #expect(message.rcode == .refused || message.rcode == .servFail)
        #expect(seconds < 0.5, "\(seconds) s")
        #expect(forwarder.cacheStatistics.entries == 0)
    }

    @Test func identicalQuestionsInFlightAreAskedOnce() async throws {
        let slow = try FakeUpstream(reply: { query in
            usleep(300_000)
            return FakeUpstream.addressing(IPv4Address(192, 0, 2, 9), which: "slow")(query)
        })
        defer { slow.stop() }
        let forwarder = forwarder([slow.upstream])
        let results = await withTaskGroup(of: Forwarder.Resolution.self) { group in
            for _ in 0..<20 {
                group.addTask { await forwarder.resolve(self.question("same.example."), dnssecOK: false, checkingDisabled: false) }
            }
            var all: [Forwarder.Resolution] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { answerMessage($0)?.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 9))] })
        #expect(slow.questions.count == 1, "asked \(slow.questions.count) times")
    }

    @Test func withEveryUpstreamDownAnExpiredAnswerIsServedStaleAndAnUnknownNameFails() async throws {
        let clock = ManualClock()
        let primary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 1), ttl: 10, which: "primary"))
        let forwarder = forwarder([primary.upstream], clock: clock)
        _ = await forwarder.resolve(question("short.example."), dnssecOK: false, checkingDisabled: false)
        primary.stop()
        clock.advance(by: 60)
        #expect(forwarder.cached(question("short.example."), dnssecOK: false, checkingDisabled: false) == nil)
        let stale = await forwarder.resolve(question("short.example."), dnssecOK: false, checkingDisabled: false)
        guard case .stale(let message) = stale else {
            Issue.record("expected a stale answer, got \(stale)")
            return
        }
        #expect(message.answers.map(\.ttl) == [30])
        #expect(message.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 1))])

        let unknown = await forwarder.resolve(question("never.example."), dnssecOK: false, checkingDisabled: false)
        guard case .failure = unknown else {
            Issue.record("expected a failure, got \(unknown)")
            return
        }
    }

    /// A box the fake upstream's reply reads, so the test can change what it says.
    final class Switch: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isOn: Bool { lock.withLock { value } }
        func turnOn() { lock.withLock { value = true } }
    }

    // Regression test (was a bug): RFC 8767 sec. 4 says an upstream answer with an RCODE other than NOERROR/NXDOMAIN
    // "SHOULD be considered a failure to refresh the data and therefore leave any previous state
    // intact": a resolver upstream that can only say SERVFAIL (a router whose WAN is down) is as
    // good as no upstream, and expired data should be served stale. `fetch` returns the last
    // SERVFAIL as if it were an answer, so `resolve` never looks for stale data and the client
    // gets SERVFAIL for a name it had cached.
    @Test func anUpstreamThatOnlySaysServfailLeavesStaleDataServable() async throws {
        let clock = ManualClock()
        let broken = Switch()
        let resolver = try FakeUpstream(reply: { query in
            broken.isOn ? FakeUpstream.answer(query, rcode: .servFail)
                : FakeUpstream.addressing(IPv4Address(192, 0, 2, 1), ttl: 10, which: "resolver")(query)
        })
        defer { resolver.stop() }
        let forwarder = forwarder([resolver.upstream], clock: clock)
        _ = await forwarder.resolve(question("short.example."), dnssecOK: false, checkingDisabled: false)
        broken.turnOn()
        clock.advance(by: 60)
        let resolution = await forwarder.resolve(question("short.example."), dnssecOK: false, checkingDisabled: false)
        switch resolution {
        case .stale(let message):
            #expect(message.answers.map(\.data) == [.a(IPv4Address(192, 0, 2, 1))])
            #expect(message.answers.map(\.ttl) == [30])
        case .answer(let message):
            Issue.record("expected the expired answer served stale, got an answer with \(message.rcode)")
        case .failure:
            Issue.record("expected the expired answer served stale, got a failure")
        }
        #expect(resolver.questions.count == 2)
    }

    @Test func aDownUpstreamIsProbedAndComesBack() async throws {
        let dead = try Loopback.closedPort()
        let secondary = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(192, 0, 2, 2), which: "secondary"))
        defer { secondary.stop() }
        let forwarder = forwarder([dead, secondary.upstream]) { $0.probeInterval = 0.1 }
        for index in 0..<3 {
            _ = await forwarder.resolve(question("p\(index).example."), dnssecOK: false, checkingDisabled: false)
        }
        #expect(!forwarder.status()[0].health.isUp)
        let prober = Task { await forwarder.probeDownUpstreams() }
        defer { prober.cancel() }
        // The primary comes back on its old port (REFUSED to `. NS` counts as an answer).
        let revived = try FakeUpstream(port: dead.port, reply: { FakeUpstream.answer($0, rcode: .refused) })
        defer { revived.stop() }
        var up = false
        for _ in 0..<40 where !up {
            try await Task.sleep(for: .milliseconds(50))
            up = forwarder.status()[0].health.isUp
        }
        #expect(up, "the probe did not bring the primary back within 2 s")
        #expect(revived.questions.contains { $0.name == .root && $0.type == .ns })
        #expect(forwarder.candidates(for: "x.example.").first == dead)
    }
}
