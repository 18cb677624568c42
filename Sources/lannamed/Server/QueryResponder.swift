import DNSWire
import LANZone

/// Turns one query's bytes into the response's bytes: the whole of the server's DNS behaviour,
/// with no I/O, so it is tested without sockets.
///
/// - No readable header, or a response (QR=1): dropped (nil), never answered.
/// - A header but an unreadable rest: FORMERR. Unknown opcode: NOTIMP. Unknown EDNS version:
///   BADVERS. Zone transfers: REFUSED (not offered). Names outside every local zone: REFUSED.
/// - Over UDP the answer fits the client's EDNS payload size (512 without EDNS); what does not fit
///   is sent empty with TC set, so the client retries over TCP (RFC 7766).
enum QueryResponder {
    enum Transport: Sendable { case udp, tcp }

    /// The largest UDP payload we send, whatever the client offers (RFC 9715's 1232 is what we
    /// advertise; larger client buffers are honoured up to this).
    static let maxUDPPayload = 4096
    static let advertisedPayload: UInt16 = 1232

    static func respond(to bytes: [UInt8], snapshot: ZoneSnapshot, transport: Transport) -> [UInt8]? {
        guard let header = try? Header(flagsFrom: bytes), !header.isResponse else { return nil }

        let query: Message
        do {
            query = try Message(bytes: bytes)
        } catch {
            return errorResponse(to: header, question: firstQuestion(of: bytes), rcode: .formErr, edns: nil)
        }

        let edns = query.edns.map { _ in EDNS(udpPayloadSize: advertisedPayload, dnssecOK: query.edns!.dnssecOK) }
        guard query.header.opcode == .query else {
            return errorResponse(to: header, question: query.questions.first, rcode: .notImp, edns: edns)
        }
        if let version = query.edns?.version, version != 0 {
            return errorResponse(to: header, question: query.questions.first, rcode: .badVers, edns: edns ?? EDNS())
        }
        guard query.questions.count == 1, let question = query.questions.first else {
            return errorResponse(to: header, question: query.questions.first, rcode: .formErr, edns: edns)
        }
        guard query.answers.isEmpty && query.authorities.isEmpty else {
            return errorResponse(to: header, question: question, rcode: .formErr, edns: edns)
        }
        switch question.type {
        case .opt:
            return errorResponse(to: header, question: question, rcode: .formErr, edns: edns)
        case .axfr, .ixfr:
            return errorResponse(to: header, question: question, rcode: .refused, edns: edns)
        case let type where type.isMetaType && type != .any:
            return errorResponse(to: header, question: question, rcode: .notImp, edns: edns)
        default:
            break
        }
        guard question.recordClass == .in || question.recordClass == .any else {
            return errorResponse(to: header, question: question, rcode: .refused, edns: edns)
        }

        var response = Message(header: responseHeader(for: header), questions: [question], edns: edns)
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
        case .notAuthoritative:
            response.rcode = .refused
        }
        return serialize(response, limit: sizeLimit(for: query, transport: transport))
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

    static func responseHeader(for query: Header) -> Header {
        Header(id: query.id, isResponse: true, opcode: query.opcode, recursionDesired: query.recursionDesired,
               checkingDisabled: query.checkingDisabled)
    }

    static func errorResponse(to query: Header, question: Question?, rcode: ResponseCode, edns: EDNS?) -> [UInt8] {
        var response = Message(header: responseHeader(for: query), questions: question.map { [$0] } ?? [], edns: edns)
        response.rcode = rcode
        return response.serialize()
    }

    /// The question of a message whose later sections are broken, for the FORMERR answer.
    static func firstQuestion(of bytes: [UInt8]) -> Question? {
        guard bytes.count > 12, bytes[4] == 0, bytes[5] == 1 else { return nil }
        var reader = DNSReader(bytes, offset: 12)
        return try? Question(parsing: &reader)
    }
}
