import DNSWire
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Testing

@testable import Forwarder

/// The pool of connected sockets to one upstream (Transport/UpstreamSocketPool.swift), against a
/// fake upstream on 127.0.0.1 that records the source port of every query.
@Suite(.serialized) struct UpstreamSocketPoolTests {
    /// A pool on a loop of its own, to a fake upstream that answers every query.
    final class Fixture: @unchecked Sendable {
        let upstream: FakeUpstream
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop: any EventLoop
        let pool: UpstreamSocketPool
        /// How far the pool's clock is ahead of the loop's: moved by the test instead of sleeping.
        let ahead = NIOLockedValueBox(TimeAmount.zero)

        init(size: Int, maxUses: Int = 32, maxAge: TimeAmount = .seconds(1)) throws {
            upstream = try FakeUpstream(reply: FakeUpstream.addressing(IPv4Address(198, 51, 100, 7), which: "pool"))
            loop = group.next()
            let ahead = ahead
            let timers = LoopTimers(loop: loop) { .now() + ahead.withLockedValue { $0 } }
            pool = UpstreamSocketPool(loop: loop, remote: try UpstreamTransport.socketAddress(upstream.upstream),
                                      timers: timers, size: size, maxUses: maxUses, maxAge: maxAge)
        }

        func advance(by amount: TimeAmount) {
            ahead.withLockedValue { $0 = $0 + amount }
        }

        func ask(_ name: String) async throws -> Message {
            let query = Message(header: Header(id: UInt16.random(in: 0...UInt16.max), recursionDesired: true),
                                questions: [Question(name: try DomainName(name), type: .a)])
            let promise = loop.makePromise(of: Message.self)
            let pool = pool
            loop.execute {
                pool.exchange(query, timeout: .seconds(2)) { result in promise.completeWith(result.mapError { $0 as any Error }) }
            }
            return try await promise.futureResult.get()
        }

        func stop() async {
            try? await group.shutdownGracefully()
            upstream.stop()
        }
    }

    @Test func underLoadEachPortServesAtMostMaxUsesQueries() async throws {
        let fixture = try Fixture(size: 4, maxUses: 8)
        var answered = 0
        for index in 0..<64 {
            if let answer = try? await fixture.ask("n\(index).example."), answer.answers.count == 1 { answered += 1 }
        }
        let ports = fixture.upstream.ports
        await fixture.stop()
        #expect(answered == 64)
        #expect(ports.count == 64)
        var perPort: [UInt16: Int] = [:]
        for port in ports { perPort[port, default: 0] += 1 }
        // 64 queries at 8 per socket: at least 8 sockets (should the kernel hand out a port twice,
        // it carries two sockets' worth).
        #expect(perPort.count >= 8, "\(perPort)")
        #expect(perPort.values.allSatisfy { $0 <= 16 }, "\(perPort)")
    }

    @Test func aQuietPoolGetsAFreshPortOnceItsSocketsAreOld() async throws {
        let fixture = try Fixture(size: 2, maxAge: .milliseconds(30))
        for index in 0..<8 {
            _ = try? await fixture.ask("q\(index).example.")
            fixture.advance(by: .milliseconds(60))
        }
        let ports = fixture.upstream.ports
        await fixture.stop()
        // Every query after the pool filled found its socket too old: eight sockets in all.
        #expect(ports.count == 8)
        #expect(Set(ports).count >= 7, "\(ports)")
    }

    @Test func youngSocketsAreReused() async throws {
        let fixture = try Fixture(size: 2, maxAge: .seconds(30))
        for index in 0..<8 {
            _ = try? await fixture.ask("r\(index).example.")
        }
        let ports = fixture.upstream.ports
        await fixture.stop()
        // Two sockets fill the pool; the other six queries reuse them.
        #expect(ports.count == 8)
        #expect(Set(ports).count == 2, "\(ports)")
    }
}
