import DNSWire
import Forwarder
import LANZone

/// Turns one query's bytes into the response's bytes: the whole of the server's DNS behaviour,
/// with no I/O, so it is tested without sockets.
///
/// - No readable header, or a response (QR=1): dropped (nil), never answered.
/// - A header but an unreadable rest: FORMERR. Unknown opcode: NOTIMP. Unknown EDNS version:
///   BADVERS. Zone transfers: REFUSED (not offered). Names outside every local zone: REFUSED.
/// - Over UDP the answer fits the client's EDNS payload size (512 without EDNS); what does not fit
///   is sent empty with TC set, so the client retries over TCP (RFC 7766).
public enum QueryResponder {
    public typealias Transport = DNSTransport

    /// The largest UDP payload we send, whatever the client offers (RFC 9715's 1232 is what we
    /// advertise; larger client buffers are honoured up to this).
    static let maxUDPPayload = 4096
    static let advertisedPayload: UInt16 = 1232

    /// Whether names outside the local zones may be forwarded for this client.
    enum Forwarding: Sendable {
        /// No upstreams: REFUSED, and RA is clear.
        case none
        case allowed
        /// The client is outside the allowed prefixes: REFUSED for forwarded names.
        case denied
    }

    enum Decision {
        case reply([UInt8])
        case drop
        /// Ask the forwarder, then answer with `forwardedResponse`.
        case forward(Message, limit: Int)
    }

    /// The local-only answer (no forwarder): what tests of the protocol rules call.
    public static func respond(to bytes: [UInt8], snapshot: ZoneSnapshot, transport: Transport) -> [UInt8]? {
        switch decide(bytes, snapshot: snapshot, transport: transport, forwarding: .none) {
        case .reply(let reply): return reply
        case .drop: return nil
        case .forward(let query, _): return errorResponse(to: query.header, question: query.questions.first, rcode: .refused,
                                                          edns: query.edns.map { _ in EDNS(udpPayloadSize: advertisedPayload) })
        }
    }

    static func decide(_ bytes: [UInt8], snapshot: ZoneSnapshot, transport: Transport, forwarding: Forwarding) -> Decision {
        guard let header = try? Header(flagsFrom: bytes), !header.isResponse else { return .drop }
        let recursion = forwarding != .none
        func reply(_ bytes: [UInt8]?) -> Decision { bytes.map(Decision.reply) ?? .drop }

        let query: Message
        do {
            query = try Message(bytes: bytes)
        } catch {
            return reply(errorResponse(to: header, question: firstQuestion(of: bytes), rcode: .formErr, edns: nil, recursion: recursion))
        }

        let edns = query.edns.map { _ in EDNS(udpPayloadSize: advertisedPayload, dnssecOK: query.edns!.dnssecOK) }
        guard query.header.opcode == .query else {
            return reply(errorResponse(to: header, question: query.questions.first, rcode: .notImp, edns: edns, recursion: recursion))
        }
        if let version = query.edns?.version, version != 0 {
            return reply(errorResponse(to: header, question: query.questions.first, rcode: .badVers, edns: edns ?? EDNS(), recursion: recursion))
        }
        guard query.questions.count == 1, let question = query.questions.first else {
            return reply(errorResponse(to: header, question: query.questions.first, rcode: .formErr, edns: edns, recursion: recursion))
        }
        guard query.answers.isEmpty && query.authorities.isEmpty else {
            return reply(errorResponse(to: header, question: question, rcode: .formErr, edns: edns, recursion: recursion))
        }
        switch question.type {
        case .opt:
            return reply(errorResponse(to: header, question: question, rcode: .formErr, edns: edns, recursion: recursion))
        case .axfr, .ixfr:
            return reply(errorResponse(to: header, question: question, rcode: .refused, edns: edns, recursion: recursion))
        case let type where type.isMetaType && type != .any:
            return reply(errorResponse(to: header, question: question, rcode: .notImp, edns: edns, recursion: recursion))
        default:
            break
        }
        guard question.recordClass == .in || question.recordClass == .any else {
            return reply(errorResponse(to: header, question: question, rcode: .refused, edns: edns, recursion: recursion))
        }

        var response = Message(header: header.responseHeader(recursion: recursion), questions: [question], edns: edns)
        switch snapshot.answer(question) {
        case .answer(let records, let additional):
            response.header.authoritative = true
            response.answers = records
            response.additionals = additional
        case .noData(let soa):
            response.header.authoritative = true
            response.authorities = [soa]
        case .nxDomain(let soa):
            response.header.authoritative = true
            response.rcode = .nxDomain
            if let soa { response.authorities = [soa] }
        case .delegation(let ns, let glue):
            // A referral: not authoritative for what lies below the cut.
            response.authorities = ns
            response.additionals = glue
        case .serverFailure:
            response.rcode = .servFail
        case .notAuthoritative:
            if forwarding == .allowed { return .forward(query, limit: sizeLimit(for: query, transport: transport)) }
            response.rcode = .refused
        }
        return .reply(serialize(response, limit: sizeLimit(for: query, transport: transport)))
    }

    static func sizeLimit(for query: Message, transport: Transport) -> Int {
        switch transport {
        case .tcp: return 65535
        case .udp:
            guard let edns = query.edns else { return 512 }
            return min(max(512, Int(edns.udpPayloadSize)), maxUDPPayload)
        }
    }

    /// Serialises; if the result is over `limit`, sends the header, question and OPT with TC set.
    static func serialize(_ message: Message, limit: Int) -> [UInt8] {
        let bytes = message.serialize()
        guard bytes.count > limit else { return bytes }
        var truncated = message
        truncated.header.truncated = true
        truncated.answers = []
        truncated.authorities = []
        truncated.additionals = []
        return truncated.serialize()
    }

    static func errorResponse(to query: Header, question: Question?, rcode: ResponseCode, edns: EDNS?,
                              recursion: Bool = false) -> [UInt8] {
        var response = Message(header: query.responseHeader(recursion: recursion), questions: question.map { [$0] } ?? [],
                               edns: edns)
        response.rcode = rcode
        return response.serialize()
    }

    /// The answer to a forwarded query: the upstream's sections and RCODE under the client's ID,
    /// question (as asked) and flags; AD passes through to clients that asked for DNSSEC data (DO
    /// or AD set, RFC 6840 sec. 5.7); SERVFAIL when no upstream answered and nothing stale was kept.
    static func forwardedResponse(to query: Message, resolution: Forwarder.Resolution, limit: Int) -> [UInt8] {
        var header = query.header.responseHeader(recursion: true)
        let edns = query.edns.map { EDNS(udpPayloadSize: advertisedPayload, dnssecOK: $0.dnssecOK) }
        var response = Message(header: header, questions: query.questions, edns: edns)
        switch resolution {
        case .answer(let upstream), .stale(let upstream):
            let wantsDNSSEC = (query.edns?.dnssecOK ?? false) || query.header.authenticData
            header.authenticData = upstream.header.authenticData && wantsDNSSEC
            response.header = header
            response.answers = upstream.answers
            response.authorities = upstream.authorities
            response.additionals = upstream.additionals
            response.rcode = upstream.rcode
            if edns == nil && upstream.rcode.rawValue > 15 { response.rcode = .servFail }
        case .failure:
            response.rcode = .servFail
        }
        return serialize(response, limit: limit)
    }

    /// The question of a message whose later sections are broken, for the FORMERR answer (only
    /// when it is the one question).
    static func firstQuestion(of bytes: [UInt8]) -> Question? {
        MessageView.with(bytes) { view in
            guard let view, view.questionCount == 1, let span = view.firstQuestion(),
                  let name = view.name(at: span.nameStart) else { return nil }
            return Question(name: name, type: RecordType(span.type), recordClass: RecordClass(span.recordClass))
        }
    }
}
