import NIOCore
import NIOEmbedded
import Testing

@testable import Forwarder

/// The per-loop timers of upstream queries, on an embedded loop whose clock the test moves.
@Suite struct LoopTimersTests {
    final class Log {
        var fired: [String] = []
    }

    @Test func timersFireInDeadlineOrderOnlyOnceDue() {
        let loop = EmbeddedEventLoop()
        let timers = LoopTimers(loop: loop, now: { loop.now })
        let log = Log()
        timers.schedule(in: .milliseconds(30)) { log.fired.append("30") }
        timers.schedule(in: .milliseconds(10)) { log.fired.append("10") }
        timers.schedule(in: .milliseconds(20)) { log.fired.append("20") }
        loop.advanceTime(by: .milliseconds(9))
        #expect(log.fired.isEmpty)
        loop.advanceTime(by: .milliseconds(6))
        #expect(log.fired == ["10"])
        loop.advanceTime(by: .milliseconds(20))
        #expect(log.fired == ["10", "20", "30"])
        #expect(timers.count == 0)
    }

    @Test func equalDeadlinesFireInTheOrderScheduled() {
        let loop = EmbeddedEventLoop()
        let timers = LoopTimers(loop: loop, now: { loop.now })
        let log = Log()
        for index in 0..<20 { timers.schedule(in: .milliseconds(5)) { log.fired.append("\(index)") } }
        loop.advanceTime(by: .milliseconds(5))
        #expect(log.fired == (0..<20).map { "\($0)" })
    }

    @Test func aTimerEarlierThanTheArmedOneStillFiresOnTime() {
        let loop = EmbeddedEventLoop()
        let timers = LoopTimers(loop: loop, now: { loop.now })
        let log = Log()
        timers.schedule(in: .seconds(1)) { log.fired.append("timeout") }
        loop.advanceTime(by: .milliseconds(100))
        // From inside an action too: a hedge armed by a timer that just fired.
        timers.schedule(in: .milliseconds(50)) {
            log.fired.append("hedge")
            timers.schedule(in: .milliseconds(10)) { log.fired.append("nested") }
        }
        loop.advanceTime(by: .milliseconds(50))
        #expect(log.fired == ["hedge"])
        loop.advanceTime(by: .milliseconds(10))
        #expect(log.fired == ["hedge", "nested"])
        loop.advanceTime(by: .seconds(1))
        #expect(log.fired == ["hedge", "nested", "timeout"])
    }

    @Test func manyRandomTimersAllFireInOrder() {
        let loop = EmbeddedEventLoop()
        let timers = LoopTimers(loop: loop, now: { loop.now })
        var generator = SystemRandomNumberGenerator()
        final class Fired { var deadlines: [Int64] = [] }
        let fired = Fired()
        for _ in 0..<2_000 {
            let delay = Int64.random(in: 0...500, using: &generator)
            timers.schedule(in: .milliseconds(delay)) { fired.deadlines.append(delay) }
        }
        for _ in 0..<60 { loop.advanceTime(by: .milliseconds(10)) }
        #expect(fired.deadlines.count == 2_000)
        #expect(fired.deadlines == fired.deadlines.sorted())
        #expect(timers.count == 0)
    }
}
