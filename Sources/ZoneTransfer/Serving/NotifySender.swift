import CoreMetrics
import DNSClient
import DNSWire
import LANZone
import Logging
import NIOCore
import ServiceLifecycle

/// Tells secondaries that a zone changed (RFC 1996): one NOTIFY per zone and secondary, retried
/// until the secondary acknowledges it, and never more often than `interval` per zone and
/// secondary, so a burst of DHCP changes sends one NOTIFY (with the latest serial), not hundreds.
public actor NotifySender: Service {
    struct Key: Hashable {
        var apex: DomainName
        var target: Endpoint
    }

    struct Pending {
        var soa: ResourceRecord
        var attempts = 0
        var due: ContinuousClock.Instant
        /// When the first unacknowledged NOTIFY for this zone went out (retries stop an hour later).
        var since: ContinuousClock.Instant?
    }

    let targets: [Endpoint]
    let auth: TransferAuth
    let interval: Duration
    let logger: Logger
    let group: any EventLoopGroup
    private var pending: [Key: Pending] = [:]
    private var inFlight = Set<Key>()
    private var lastSent: [Key: ContinuousClock.Instant] = [:]
    private let clock = ContinuousClock()
    /// Sent and acknowledged NOTIFY messages, for status and tests.
    private(set) var acknowledged = 0

    /// Retries: 1, 2, 4, 8, 16 s, then every 60 s for up to an hour.
    static func backoff(after attempts: Int) -> Duration {
        attempts >= 6 ? .seconds(60) : .seconds(1 << max(0, attempts - 1))
    }

    public init(targets: [Endpoint], auth: TransferAuth, interval: Double, group: any EventLoopGroup, logger: Logger) {
        self.group = group
        self.targets = targets
        self.auth = auth
        self.interval = .milliseconds(Int(interval * 1000))
        self.logger = logger
    }

    /// Called (from any thread) with the zones whose serial moved.
    public nonisolated func zonesChanged(_ apexes: [DomainName], in snapshot: ZoneSnapshot) {
        let records = apexes.compactMap { snapshot.soa(of: $0) }
        Task { await self.enqueue(records) }
    }

    func enqueue(_ soas: [ResourceRecord]) async {
        let now = clock.now
        for soa in soas {
            for target in targets {
                let key = Key(apex: soa.name, target: target)
                let earliest = lastSent[key].map { $0 + interval } ?? now
                if var existing = pending[key] {
                    // A newer serial replaces the one waiting; the schedule stays (rate limit).
                    existing.soa = soa
                    existing.attempts = 0
                    existing.due = earliest
                    existing.since = nil
                    pending[key] = existing
                } else {
                    pending[key] = Pending(soa: soa, due: max(now, earliest))
                }
            }
        }
        await sendDue()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
                await self.sendDue()
            }
        }
    }

    private func sendDue() async {
        let now = clock.now
        let due = pending.filter { $0.value.due <= now && !inFlight.contains($0.key) }
        guard !due.isEmpty else { return }
        for key in due.keys { inFlight.insert(key) }
        await withTaskGroup(of: (Key, UInt32, Outcome).self) { group in
            for (key, item) in due {
                var item = item
                item.attempts += 1
                item.since = item.since ?? now
                pending[key] = item
                lastSent[key] = now
                let auth = auth, logger = logger, loops = self.group
                group.addTask {
                    let serial: UInt32
                    if case .soa(let soa) = item.soa.data { serial = soa.serial } else { serial = 0 }
                    return (key, serial, await Self.send(item.soa, to: key.target, auth: auth, group: loops, logger: logger))
                }
            }
            for await (key, serial, outcome) in group {
                inFlight.remove(key)
                guard var item = pending[key] else { continue }
                let current: UInt32? = if case .soa(let soa) = item.soa.data { soa.serial } else { nil }
                switch outcome {
                case .acknowledged:
                    acknowledged += 1
                    // A newer serial queued while this one was in flight still goes out.
                    if current == serial { pending[key] = nil }
                case .refused(let rcode):
                    logger.warning("secondary refused NOTIFY; not retrying",
                                   metadata: ["zone": "\(key.apex)", "secondary": "\(key.target)", "rcode": "\(rcode)"])
                    if current == serial { pending[key] = nil }
                case .noAnswer:
                    if let since = item.since, clock.now - since > .seconds(3600) {
                        logger.warning("secondary never acknowledged NOTIFY; it will find the change at its next refresh",
                                       metadata: ["zone": "\(key.apex)", "secondary": "\(key.target)"])
                        pending[key] = nil
                    } else {
                        item.due = clock.now + Self.backoff(after: item.attempts)
                        pending[key] = item
                    }
                }
            }
        }
    }

    enum Outcome { case acknowledged, refused(ResponseCode), noAnswer }

    static func send(_ soa: ResourceRecord, to target: Endpoint, auth: TransferAuth, group: any EventLoopGroup,
                     logger: Logger) async -> Outcome {
        var header = Header(id: UInt16.random(in: 0...UInt16.max), opcode: .notify, authoritative: true)
        header.rcode = 0
        let message = Message(header: header, questions: [Question(name: soa.name, type: .soa)], answers: [soa])
        let (bytes, signature) = auth.sign(message.serialize())
        do {
            let reply = try await DNSClient.udp(bytes, to: target, timeout: .seconds(2), group: group)
            guard let response = try? Message(bytes: reply), response.header.isResponse,
                  response.header.opcode == .notify else { return .noAnswer }
            if case .failed(let why) = auth.checkResponse(reply, to: signature) {
                logger.warning("NOTIFY answer with a bad signature", metadata: ["secondary": "\(target)", "why": "\(why)"])
                return .noAnswer
            }
            Counter(label: "lannamed_notifies_total", dimensions: [("result", response.rcode == .noError ? "acknowledged" : "refused")])
                .increment()
            if response.rcode == .noError {
                logger.debug("NOTIFY acknowledged", metadata: ["zone": "\(soa.name)", "secondary": "\(target)"])
                return .acknowledged
            }
            return .refused(response.rcode)
        } catch {
            Counter(label: "lannamed_notifies_total", dimensions: [("result", "no_answer")]).increment()
            logger.debug("NOTIFY not acknowledged", metadata: ["zone": "\(soa.name)", "secondary": "\(target)", "error": "\(error)"])
            return .noAnswer
        }
    }
}
