import Testing

@testable import Forwarder

@Suite struct UpstreamHealthTests {
    @Test func aNewUpstreamIsUpWithTheDefaultDeadline() {
        let health = UpstreamHealth()
        #expect(health.isUp)
        #expect(health.state == .up)
        #expect(health.srtt == nil)
        #expect(health.deadline == 0.25)
        #expect(health.answers == 0 && health.failures == 0 && health.consecutiveFailures == 0)
        #expect(health.lastAnswer == nil)
    }

    @Test func smoothedRTTFollowsRFC6298() {
        var health = UpstreamHealth()
        health.recordAnswer(rtt: 0.1, at: 10)
        #expect(health.srtt == 0.1)
        #expect(abs(health.rttvar - 0.05) < 1e-12)
        #expect(abs(health.deadline - 0.3) < 1e-12)  // srtt + 4 * rttvar
        #expect(health.lastAnswer == 10)

        health.recordAnswer(rtt: 0.2, at: 11)
        // rttvar = 3/4 * 0.05 + 1/4 * |0.1 - 0.2|; srtt = 7/8 * 0.1 + 1/8 * 0.2
        #expect(abs(health.rttvar - 0.0625) < 1e-12)
        #expect(abs(health.srtt! - 0.1125) < 1e-12)
        #expect(abs(health.deadline - 0.3625) < 1e-12)
        #expect(health.answers == 2)
        #expect(health.lastAnswer == 11)
    }

    @Test func aSteadyRTTConvergesOnIt() {
        var health = UpstreamHealth()
        for second in 0..<200 { health.recordAnswer(rtt: 0.12, at: Double(second)) }
        #expect(abs(health.srtt! - 0.12) < 1e-9)
        #expect(health.rttvar < 1e-6)
        #expect(abs(health.deadline - 0.12) < 1e-5)
    }

    @Test func theDeadlineIsNeverBelow50Milliseconds() {
        var health = UpstreamHealth()
        for second in 0..<100 { health.recordAnswer(rtt: 0.0002, at: Double(second)) }
        #expect(health.srtt! < 0.001)
        #expect(health.deadline == 0.05)
    }

    @Test func theDeadlineIsNeverAboveOneSecond() {
        var health = UpstreamHealth()
        health.recordAnswer(rtt: 2.5, at: 0)
        #expect(health.srtt == 2.5)
        #expect(health.deadline == 1.0)
        health.recordAnswer(rtt: 0.6, at: 1)  // srtt ~2.26, rttvar large: still capped
        #expect(health.deadline == 1.0)
    }

    @Test func threeFailuresInARowMarkItDown() {
        var health = UpstreamHealth()
        health.recordAnswer(rtt: 0.01, at: 0)
        health.recordFailure(at: 1)
        health.recordFailure(at: 2)
        #expect(health.isUp)
        #expect(health.consecutiveFailures == 2)
        health.recordFailure(at: 3)
        #expect(!health.isUp)
        #expect(health.state == .down(since: 3))
        // More failures keep the time it went down.
        health.recordFailure(at: 4)
        #expect(health.state == .down(since: 3))
        #expect(health.failures == 4)
        #expect(health.consecutiveFailures == 4)
        // Failures do not touch the RTT estimate.
        #expect(health.srtt == 0.01)
    }

    @Test func anAnswerBetweenFailuresResetsTheCount() {
        var health = UpstreamHealth()
        health.recordFailure(at: 1)
        health.recordFailure(at: 2)
        health.recordAnswer(rtt: 0.02, at: 3)
        #expect(health.consecutiveFailures == 0)
        health.recordFailure(at: 4)
        health.recordFailure(at: 5)
        #expect(health.isUp)
        health.recordFailure(at: 6)
        #expect(health.state == .down(since: 6))
    }

    @Test func anAnswerBringsItBackUp() {
        var health = UpstreamHealth()
        for second in 1...5 { health.recordFailure(at: Double(second)) }
        #expect(!health.isUp)
        health.recordAnswer(rtt: 0.03, at: 7)
        #expect(health.isUp)
        #expect(health.state == .up)
        #expect(health.consecutiveFailures == 0)
        #expect(health.failures == 5)
        #expect(health.answers == 1)
        #expect(health.lastAnswer == 7)
        #expect(health.srtt == 0.03)
    }

    @Test func theThresholdIsASetting() {
        var health = UpstreamHealth()
        health.failureThreshold = 1
        health.recordFailure(at: 1)
        #expect(health.state == .down(since: 1))
    }
}
