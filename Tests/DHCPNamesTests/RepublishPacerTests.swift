import Testing

@testable import DHCPNames

/// The republish pacing as a table: each row is one step fed to the pacer and the action expected.
@Suite struct RepublishPacerTests {
    enum Step {
        /// `events` stored, the newest seen at `seen`.
        case stored(events: Int, seen: Double)
        /// Ask at `now` with `queued` events waiting and the last rebuild's duration.
        case decide(now: Double, queued: Int, rebuild: Double, expect: RepublishPacer.Action)
        case tickRang
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var minimumGap = 0.0
        var steps: [Step]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing stored, nothing to do", steps: [
            .decide(now: 100, queued: 0, rebuild: 0.01, expect: .none),
        ]),
        Case(name: "a lease after a quiet spell is published at once", steps: [
            .stored(events: 1, seen: 99.5),
            .decide(now: 100, queued: 0, rebuild: 0.01, expect: .publish(events: 1, newest: 99.5)),
            .decide(now: 100.001, queued: 0, rebuild: 0.01, expect: .none),
        ]),
        Case(name: "leases within the gap wait for a tick, then go out together", minimumGap: 1.0, steps: [
            .stored(events: 1, seen: 100),
            .decide(now: 100, queued: 0, rebuild: 0.01, expect: .publish(events: 1, newest: 100)),
            .stored(events: 1, seen: 100.1),
            .decide(now: 100.1, queued: 0, rebuild: 0.01, expect: .tick(after: 0.9)),
            .stored(events: 2, seen: 100.2),
            // One tick is already on its way: no second one.
            .decide(now: 100.2, queued: 0, rebuild: 0.01, expect: .none),
            .tickRang,
            .decide(now: 101.0, queued: 0, rebuild: 0.01, expect: .publish(events: 3, newest: 100.2)),
        ]),
        Case(name: "the gap is twice the last rebuild, at most 50 ms", steps: [
            .stored(events: 1, seen: 10),
            .decide(now: 10, queued: 0, rebuild: 0.01, expect: .publish(events: 1, newest: 10)),
            .stored(events: 1, seen: 10.005),
            .decide(now: 10.005, queued: 0, rebuild: 0.01, expect: .tick(after: 0.015)),
            .tickRang,
            .decide(now: 10.02, queued: 0, rebuild: 0.5, expect: .tick(after: 0.03)),
            .tickRang,
            .decide(now: 10.05, queued: 0, rebuild: 0.5, expect: .publish(events: 1, newest: 10.005)),
        ]),
        Case(name: "with more events queued, at most every 100 ms: the next batch publishes", steps: [
            .stored(events: 4096, seen: 50),
            .decide(now: 50, queued: 4096, rebuild: 0.01, expect: .publish(events: 4096, newest: 50)),
            .stored(events: 4096, seen: 50.05),
            .decide(now: 50.05, queued: 4096, rebuild: 0.01, expect: .none),
            .stored(events: 10, seen: 50.15),
            .decide(now: 50.15, queued: 0, rebuild: 0.01, expect: .publish(events: 4106, newest: 50.15)),
        ]),
    ]

    @Test(arguments: cases) func pacing(_ test: Case) {
        var pacer = RepublishPacer(minimumGap: test.minimumGap, maximumGap: 0.05)
        for (index, step) in test.steps.enumerated() {
            switch step {
            case .stored(let events, let seen):
                pacer.stored(events: events, newest: seen)
            case .tickRang:
                pacer.tickRang()
            case .decide(let now, let queued, let rebuild, let expected):
                let action = pacer.decide(now: now, queued: queued, lastRebuild: rebuild)
                switch (action, expected) {
                case (.tick(let a), .tick(let b)):
                    #expect(abs(a - b) < 1e-9, "step \(index): tick after \(a), expected \(b)")
                default:
                    #expect(action == expected, "step \(index)")
                }
            }
        }
    }
}
