import DNSWire
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
        var forwardTemplates = ForwardTemplates()
    }

    /// What became of a query.
    enum Outcome {
        /// The reply is written into the buffer.
        case replied
        /// Nothing is sent (unreadable, or a response).
        case drop
        /// The transfer service answers it, possibly later and in several messages.
        case transfer
        /// The forwarder answers it; `shape` is set when the answer can become a forwarded template.
        case forward(Question, dnssecOK: Bool, checkingDisabled: Bool,
                     shape: (key: ForwardTemplates.Key, query: AnswerTemplates.Query)?)
    }

    /// Mutated in place only: a copy would copy its tables on the next write.
    private(set) var lanes = Lanes()
    /// Whether steps 1-3 are taken (a UDP worker's thread; not a TCP connection).
    let fastLanes: Bool
    let gate: ForwardingGate
    let transfers: TransferService?

    init(fastLanes: Bool, gate: ForwardingGate, transfers: TransferService?) {
        self.fastLanes = fastLanes
        self.gate = gate
        self.transfers = transfers
    }

    /// Drops the templates made for an older snapshot.
    mutating func snapshotChanged() {
        lanes.templates.clear()
    }

    /// A forwarded answer made on the event loop joins the table.
    mutating func keep(_ entry: ForwardTemplates.Entry, for key: ForwardTemplates.Key) {
        lanes.forwardTemplates.insert(entry, for: key)
    }

    /// Answers `view` (the query's bytes, read once) from `client`, writing a reply made now into
    /// `out`.
    mutating func answer(_ view: MessageView, client: IPAddress?, snapshot: ZoneSnapshot, transport: DNSTransport,
                         into out: inout ByteBuffer) -> Outcome {
        var miss: (key: ForwardTemplates.Key, query: AnswerTemplates.Query)?
        if fastLanes, let query = lanes.templates.inspect(view) {
            let limit = query.payload
            // 1. A direct answer.
            if let direct = snapshot.directAnswer(lowercasedWire: query.key.name, type: query.key.type) {
                if AnswerTemplates.write(direct, ttl: snapshot.config.hostTTL, recursionAvailable: gate.forwarder != nil,
                                         query: query, bytes: view.bytes, limit: limit, into: &out) {
                    return .replied
                }
                return answerInFull(view, client: client, snapshot: snapshot, transport: transport, miss: nil, into: &out)
            }
            let forwarding: QueryResponder.Forwarding = gate.forwarder == nil ? .none : .allowed
            switch lanes.templates.lookup(query, snapshot: snapshot, forwarding: forwarding) {
            case .local(let template):
                // 2. A local template.
                if AnswerTemplates.write(template, query: query, bytes: view.bytes, limit: limit, into: &out) { return .replied }
            case .forward:
                // 3. A forwarded template, for clients that may use the forwarder.
                if gate.forwarding(for: client) == .allowed {
                    let key = ForwardTemplates.Key(question: query.key, dnssecOK: query.dnssecOK,
                                                   checkingDisabled: view.checkingDisabled)
                    let now = ForwardTemplates.now()
                    if let entry = lanes.forwardTemplates.entry(for: key, at: now) {
                        if ForwardTemplates.write(entry, query: query, bytes: view.bytes, limit: limit, now: now, into: &out) {
                            return .replied
                        }
                    } else {
                        miss = (key, query)
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
                              miss: (key: ForwardTemplates.Key, query: AnswerTemplates.Query)?,
                              into out: inout ByteBuffer) -> Outcome {
        if let (key, shape) = miss, let owner = try? DomainName(wire: key.question.name) {
            // Known to be forwarded and allowed: no need to run the responder.
            return .forward(Question(name: owner, type: RecordType(key.question.type)), dnssecOK: key.dnssecOK,
                            checkingDisabled: key.checkingDisabled, shape: (key, shape))
        }
        // 4. The transfer service.
        if transfers != nil, TransferService.claims(view) { return .transfer }
        // 5. The full responder, which says when 6. the forwarder is to answer.
        switch QueryResponder.decide(Array(view.bytes), snapshot: snapshot, transport: transport,
                                     forwarding: gate.forwarding(for: client)) {
        case .reply(let reply):
            out.writeBytes(reply)
            return .replied
        case .drop:
            return .drop
        case .forward(let message, _):
            guard let question = message.questions.first else { return .drop }
            return .forward(question, dnssecOK: message.edns?.dnssecOK ?? false,
                            checkingDisabled: message.header.checkingDisabled, shape: nil)
        }
    }
}
