import Testing
import DNSWire
@testable import DynamicDNS

@Suite("AbuseLimiter")
struct AbuseLimiterTests {
    let limiter = AbuseLimiter(failureLimit: 3, failureWindow: 100, failureBlock: 500, requestLimit: 2, requestWindow: 60, minimumBlock: 60)

    @Test(arguments: [
        ("198.51.100.7", "src:198.51.100.7/32"),
        ("::ffff:198.51.100.7", "src:198.51.100.7/32"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "src:2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "src:2001:db8:1:2::/64"),
    ])
    func sourceKeys(address: String, key: String) {
        #expect(AbuseLimiter.sourceKey(IPAddress(address)!) == key)
    }

    @Test func tokenKey() {
        #expect(AbuseLimiter.tokenKey("t42") == "token:t42")
    }

    @Test func failuresBlockAtTheLimitWithinTheWindow() {
        var state: RateState?
        state = limiter.recordingFailure(state, now: 1000)
        state = limiter.recordingFailure(state, now: 1010)
        #expect(limiter.blockRemaining(state, now: 1010) == nil)
        state = limiter.recordingFailure(state, now: 1020)
        #expect(state == RateState(windowStart: 1000, count: 3, blockedUntil: 1520))
        #expect(limiter.blockRemaining(state, now: 1020) == 500)
        #expect(limiter.blockRemaining(state, now: 1519.5) == 1)
        #expect(limiter.blockRemaining(state, now: 1520) == nil)
    }

    @Test func failuresSpreadOverWindowsDoNotBlock() {
        var state: RateState?
        for window in 0..<10 {
            state = limiter.recordingFailure(state, now: Double(window) * 150)
            state = limiter.recordingFailure(state, now: Double(window) * 150 + 1)
            #expect(state?.count == 2)
            #expect(limiter.blockRemaining(state, now: Double(window) * 150 + 1) == nil)
        }
    }

    @Test func aBlockOutlivesANewWindow() {
        let blocked = RateState(windowStart: 0, count: 3, blockedUntil: 500)
        let next = limiter.recordingFailure(blocked, now: 200)
        #expect(next.count == 1)
        #expect(next.blockedUntil == 500)
    }

    @Test func clockGoingBackStartsANewWindow() {
        let state = RateState(windowStart: 1000, count: 2)
        #expect(limiter.recordingFailure(state, now: 900) == RateState(windowStart: 900, count: 1))
    }

    @Test func requestLimitBlocksForTheLongerOfIntervalAndMinimum() {
        var state = limiter.recordingRequest(nil, now: 0, minimumInterval: 300)
        #expect(!state.blocked)
        state = limiter.recordingRequest(state.state, now: 1, minimumInterval: 300)
        #expect(!state.blocked)
        state = limiter.recordingRequest(state.state, now: 2, minimumInterval: 300)
        #expect(state.blocked)
        #expect(state.state.blockedUntil == 302)
        #expect(limiter.blocking(nil, now: 10, minimumInterval: 5).blockedUntil == 70)
    }

    @Test func expiry() {
        #expect(!limiter.isExpired(RateState(windowStart: 0, count: 1), now: 99))
        #expect(limiter.isExpired(RateState(windowStart: 0, count: 1), now: 100))
        #expect(!limiter.isExpired(RateState(windowStart: 0, count: 1, blockedUntil: 200), now: 150))
    }
}
