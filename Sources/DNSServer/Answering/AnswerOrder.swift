import DNSWire
import Forwarder
import LANZone
import NIOCore
import ZoneTransfer

/// The order in which every query is answered, written once; the UDP workers and the TCP
/// connections both go through `answer`:
///
/// 1. a direct answer from the snapshot (a host's A/AAAA, an address's PTR),
/// 2. a local template (the responder's sections for this question, kept as bytes),
/// 3. a forwarded template (a warm forwarded answer, its TTLs counted down),
/// 4. the transfer service (AXFR/IXFR, NOTIFY, anything signed),
/// 5. the full responder (every protocol rule),
/// 6. the forwarder.
///
/// Steps 1-3 are the fast lanes: they need the tables in `lanes`, which a UDP worker keeps for
/// its own thread; a TCP connection has none and starts at step 4. Each step hands on what it
/// cannot answer, so every lane gives the bytes the full responder would.
struct AnswerOrder {
    /// The fast lanes' tables, owned by one thread.
    struct Lanes {
        var templates = AnswerTemplates()
        /// The thread's view of the forwarder's cache.
        var forwardTemplates: ForwardTemplates
        /// The forwarder's clock as this batch reads it: once, at its first forwarded question (a
        /// batch is answered within a millisecond; TTLs count whole seconds).
        var now: Double?
    }

    /// A question found to go upstream and not in the cache, with what its reply needs.
    struct ForwardMiss {
        var query: AnswerTemplates.Query
        var checkingDisabled: Bool

        /// The question's key in the forwarder's cache.
        var key: ResponseCache.Key {
            ResponseCache.Key(lowercasedName: query.key.name, type: query.key.type, dnssecOK: query.dnssecOK,
                              checkingDisabled: checkingDisabled)
        }
    }

    /// What became of a query.
    enum Outcome {
        /// The reply is written into the buffer, by this lane.
        case replied(QueryCounters.Lane)
        /// Nothing is sent (unreadable, or a response).
        case drop
        /// The transfer service answers it, possibly later and in several messages.
        case transfer
        /// The forwarder answers it; `shape` is set when the reply can be written from the cache's
        /// bytes (a question the fast lanes read). `query` is the query's own copy and `message`
        /// the responder's reading of it, when it ran: the reply is made from them, not again.
        case forward(Question, dnssecOK: Bool, checkingDisabled: Bool, shape: ForwardMiss?, query: [UInt8],
                     message: Message?)

        /// The lane that took the query (for counting).
        var lane: QueryCounters.Lane {
            switch self {
            case .replied(let lane): lane
            case .drop: .dropped
            case .transfer: .transfer
            case .forward: .forwarded
            }
        }
    }

    /// Mutated in place only: a copy would copy its tables on the next write.
    private(set) var lanes: Lanes
    /// Whether steps 1-3 are taken (a UDP worker's thread; not a TCP connection).
    let fastLanes: Bool
    let gate: ForwardingGate
    let transfers: TransferService?

    init(fastLanes: Bool, gate: ForwardingGate, transfers: TransferService?) {
        self.fastLanes = fastLanes
        self.gate = gate
        self.transfers = transfers
        lanes = Lanes(forwardTemplates: ForwardTemplates(capacity: min(65_536, gate.forwarder?.cacheCapacity ?? 1)))
    }

    /// Drops the templates made for an older snapshot.
    mutating func snapshotChanged() {
        lanes.templates.clear()
    }

    /// A cache entry the event loop resolved for this thread joins its view.
    mutating func keep(_ answer: CachedAnswer, for key: ResponseCache.Key) {
        lanes.forwardTemplates.insert(answer, for: key)
    }

    /// A new batch of queries: the forwarder's clock is read again at its first forwarded one.
    mutating func newBatch() {
        lanes.now = nil
    }

    /// Answers `view` (the query's bytes, read once) from `client`, writing a reply made now into
    /// `out`.
    mutating func answer(_ view: MessageView, client: IPAddress?, snapshot: ZoneSnapshot, transport: DNSTransport,
                         into out: inout ByteBuffer) -> Outcome {
        var miss: ForwardMiss?
        if fastLanes, let query = lanes.templates.inspect(view) {
            let limit = query.payload
            // 1. A direct answer.
            if let direct = snapshot.directAnswer(lowercasedWire: query.key.name, type: query.key.type) {
                if AnswerTemplates.write(direct, ttl: snapshot.config.hostTTL, recursionAvailable: gate.forwarder != nil,
                                         query: query, bytes: view.bytes, limit: limit, into: &out) {
                    return .replied(.direct)
                }
                return answerInFull(view, client: client, snapshot: snapshot, transport: transport, miss: nil, into: &out)
            }
            let forwarding: QueryResponder.Forwarding = gate.forwarder == nil ? .none : .allowed
            switch lanes.templates.lookup(query, snapshot: snapshot, forwarding: forwarding) {
            case .local(let template):
                // 2. A local template.
                if AnswerTemplates.write(template, query: query, bytes: view.bytes, limit: limit, into: &out) {
                    return .replied(.template)
                }
            case .forward:
                // 3. A forwarded template (the cache's bytes), for clients that may use the forwarder.
                if gate.forwarding(for: client) == .allowed, let forwarder = gate.forwarder {
                    let asked = ForwardMiss(query: query, checkingDisabled: view.checkingDisabled)
                    let now = lanes.now ?? forwarder.serverClock.now()
                    lanes.now = now
                    if let answer = lanes.forwardTemplates.answer(for: asked.key, at: now,
                                                                  readThrough: forwarder.cachedAnswer) {
                        if ForwardTemplates.write(answer, at: now, query: query, bytes: view.bytes, limit: limit, into: &out) {
                            return .replied(.forwardedTemplate)
                        }
                    } else {
                        miss = asked
                    }
                }
            case .none:
                break
            }
        }
        return answerInFull(view, client: client, snapshot: snapshot, transport: transport, miss: miss, into: &out)
    }

    /// Steps 4-6.
    private func answerInFull(_ view: MessageView, client: IPAddress?, snapshot: ZoneSnapshot, transport: DNSTransport,
                              miss: ForwardMiss?, into out: inout ByteBuffer) -> Outcome {
        if let miss, let owner = try? DomainName(wire: miss.query.key.name) {
            // Known to be forwarded and allowed: no need to run the responder.
            return .forward(Question(name: owner, type: RecordType(miss.query.key.type)), dnssecOK: miss.query.dnssecOK,
                            checkingDisabled: miss.checkingDisabled, shape: miss, query: Array(view.bytes), message: nil)
        }
        // 4. The transfer service.
        if transfers != nil, TransferService.claims(view) { return .transfer }
        // 5. The full responder, which says when 6. the forwarder is to answer.
        let query = Array(view.bytes)
        switch QueryResponder.decide(query, snapshot: snapshot, transport: transport, forwarding: gate.forwarding(for: client)) {
        case .reply(let reply):
            out.writeBytes(reply)
            return .replied(.responder)
        case .drop:
            return .drop
        case .forward(let message, _):
            guard let question = message.questions.first else { return .drop }
            return .forward(question, dnssecOK: message.edns?.dnssecOK ?? false,
                            checkingDisabled: message.header.checkingDisabled, shape: nil, query: query, message: message)
        }
    }
}
