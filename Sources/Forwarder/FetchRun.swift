import DNSWire
import NIOCore

/// One question asked of the upstreams, on one event loop: the first upstream at once, the next
/// one when the current one's adaptive deadline passes (hedging) or at once when it fails or says
/// SERVFAIL/REFUSED; the first usable answer goes to `completion`, once. Everything here runs on
/// `loop`, so the state needs no lock.
final class FetchRun: @unchecked Sendable {
    let forwarder: Forwarder
    let question: Question
    let dnssecOK: Bool
    let checkingDisabled: Bool
    let upstreams: [Upstream]
    let loop: any EventLoop
    let timers: LoopTimers
    let completion: (Message?) -> Void
    let started: Double

    private var next = 0
    private var running = 0
    private var fallback: Message?
    private var done = false

    init(forwarder: Forwarder, question: Question, dnssecOK: Bool, checkingDisabled: Bool,
         upstreams: [Upstream], loop: any EventLoop, completion: @escaping (Message?) -> Void) {
        self.forwarder = forwarder
        self.question = question
        self.dnssecOK = dnssecOK
        self.checkingDisabled = checkingDisabled
        self.upstreams = upstreams
        self.loop = loop
        self.completion = completion
        timers = forwarder.transport.timers(on: loop)
        started = forwarder.clock()
    }

    /// Asks the next upstream, and arms the hedge that asks the one after it.
    func launch() {
        guard !done, next < upstreams.count else { return }
        let upstream = upstreams[next]
        next += 1
        running += 1
        let query = Message(
            header: Header(id: UInt16.random(in: 0...UInt16.max), recursionDesired: true, checkingDisabled: checkingDisabled),
            questions: [question], edns: EDNS(udpPayloadSize: 1232, dnssecOK: dnssecOK))
        let options = forwarder.options
        let clock = forwarder.serverClock
        let timeout = max(0.05, min(options.upstreamTimeout, options.totalBudget - (clock.now() - started)))
        let sent = clock.now()
        let health = forwarder.health
        forwarder.transport.exchange(query, with: upstream, timeout: timeout, on: loop) { result in
            let now = clock.now()
            switch result {
            case .success(let answer):
                if answer.rcode == .servFail || answer.rcode == .refused {
                    health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordFailure(at: now) }
                } else {
                    health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordAnswer(rtt: now - sent, at: now) }
                }
                self.answered(answer)
            case .failure:
                health.withLockedValue { $0[upstream, default: UpstreamHealth()].recordFailure(at: now) }
                self.failed()
            }
        }
        if next < upstreams.count {
            let wait = forwarder.deadline(for: upstream)
            timers.schedule(in: .nanoseconds(Int64(wait * 1e9))) { [self] in
                if !done && running > 0 { launch() }
            }
        }
    }

    private func answered(_ answer: Message) {
        running -= 1
        guard !done else { return }
        if answer.rcode == .servFail || answer.rcode == .refused {
            fallback = answer
            if next < upstreams.count { launch() } else if running == 0 { finish(fallback) }
        } else {
            finish(answer)
        }
    }

    private func failed() {
        running -= 1
        guard !done else { return }
        if next < upstreams.count { launch() } else if running == 0 { finish(fallback) }
    }

    private func finish(_ answer: Message?) {
        done = true
        completion(answer)
    }
}
