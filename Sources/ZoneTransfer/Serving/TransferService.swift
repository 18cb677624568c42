import DNSWire
import LANZone
import Logging
import NIOCore
import NIOPosix

/// The messages that are not plain queries: zone transfer requests (AXFR, IXFR), NOTIFY, and
/// anything signed with TSIG. Plain queries never come here (the listeners ask `claims` first,
/// on their slow path only).
///
/// - AXFR/IXFR: only from `--allow-transfer` prefixes (else REFUSED), only signed when a key is
///   set (unsigned: REFUSED; wrongly signed: NOTAUTH with the TSIG error), only over TCP (IXFR
///   over UDP gets the current SOA, which tells the client to come back over TCP, RFC 1995
///   sec. 2); the response comes from one snapshot, built on the blocking pool.
/// - NOTIFY: accepted from the primary of a secondary zone, which is then checked at once;
///   NOTAUTH for zones this server is not a secondary of.
/// - A signed query (a secondary's SOA check): answered from the local zones and signed.
public final class TransferService: Sendable {
    /// The newest published snapshot: every transfer is built from one.
    let snapshot: @Sendable () -> ZoneSnapshot
    /// The full responder, for a signed ordinary query (its TSIG removed); nil: no answer.
    let respond: @Sendable ([UInt8], ZoneSnapshot, DNSTransport) -> [UInt8]?
    let journal: TransferJournal?
    let access: AccessList
    let auth: TransferAuth
    let secondary: SecondaryService?
    /// Where transfers are built: off the event loops.
    let pool: NIOThreadPool
    let logger: Logger

    public init(snapshot: @escaping @Sendable () -> ZoneSnapshot,
                respond: @escaping @Sendable ([UInt8], ZoneSnapshot, DNSTransport) -> [UInt8]?,
                journal: TransferJournal?, allow: [AddressPrefix], auth: TransferAuth,
                secondary: SecondaryService?, pool: NIOThreadPool, logger: Logger) {
        self.snapshot = snapshot
        self.respond = respond
        self.journal = journal
        access = AccessList(allow)
        self.auth = auth
        self.secondary = secondary
        self.pool = pool
        self.logger = logger
    }

    /// Whether a message is this service's: opcode NOTIFY, a transfer question, or a TSIG (the
    /// last record of the message, RFC 8945 sec. 5.1). Walks the records without building them:
    /// it runs on the slow path of every query while transfers are on.
    public static func claims(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 12, bytes[2] & 0x80 == 0 else { return false }
        let opcode = (bytes[2] >> 3) & 0x0F
        if opcode == OpCode.notify.rawValue { return true }
        guard opcode == 0, bytes[4] == 0, bytes[5] == 1 else { return false }
        guard var at = skipName(bytes, from: 12), at + 4 <= bytes.count else { return false }
        let qtype = UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
        if qtype == RecordType.axfr.rawValue || qtype == RecordType.ixfr.rawValue { return true }
        at += 4
        let records = (Int(bytes[6]) << 8 | Int(bytes[7])) + (Int(bytes[8]) << 8 | Int(bytes[9]))
            + (Int(bytes[10]) << 8 | Int(bytes[11]))
        guard bytes[10] != 0 || bytes[11] != 0 else { return false }
        var lastType: UInt16 = 0
        for _ in 0..<records {
            guard let end = skipName(bytes, from: at), end + 10 <= bytes.count else { return false }
            lastType = UInt16(bytes[end]) << 8 | UInt16(bytes[end + 1])
            at = end + 10 + (Int(bytes[end + 8]) << 8 | Int(bytes[end + 9]))
            guard at <= bytes.count else { return false }
        }
        return lastType == 250
    }

    /// The offset just past a (possibly compressed) name, or nil if it runs off the end.
    private static func skipName(_ bytes: [UInt8], from start: Int) -> Int? {
        var at = start
        while at < bytes.count {
            let length = Int(bytes[at])
            if length == 0 { return at + 1 }
            if length & 0xC0 == 0xC0 { return at + 2 <= bytes.count ? at + 2 : nil }
            guard length <= 63 else { return nil }
            at += 1 + length
        }
        return nil
    }

    /// Answers one message; `send` gets each reply message in order (none: drop), possibly on
    /// another thread. Transfers are built on NIO's blocking pool.
    public func handle(_ bytes: [UInt8], from remote: SocketAddress?, transport: DNSTransport,
                send: @escaping @Sendable ([[UInt8]]) -> Void) {
        let query: Message, header: Header
        do {
            query = try Message(bytes: bytes)
            header = try Header(flagsFrom: bytes)
        } catch {
            logger.debug("unreadable message", metadata: ["client": "\(remote.map(describe) ?? "?")", "error": "\(error)"])
            send([])
            return
        }
        let question = query.questions.first
        func errorBase(_ rcode: ResponseCode = .noError) -> [UInt8] {
            var response = Message(header: header.responseHeader(), questions: question.map { [$0] } ?? [])
            response.rcode = rcode
            return response.serialize()
        }
        let requestMAC: [UInt8]?
        switch auth.checkRequest(bytes, errorBase: { errorBase() }) {
        case .rejected(let reply, let why):
            logger.warning("refused a badly signed request", metadata: ["client": "\(remote.map(describe) ?? "?")", "why": "\(why)"])
            send([reply])
            return
        case .unsigned:
            // A key is set: transfers and NOTIFY need it; other unsigned queries never come here.
            logger.warning("refused an unsigned request (a TSIG key is required)",
                           metadata: ["client": "\(remote.map(describe) ?? "?")", "question": "\(question.map { "\($0.name) \($0.type)" } ?? "")"])
            send([errorBase(.refused)])
            return
        case .open:
            requestMAC = nil
        case .signed(let mac):
            requestMAC = mac
        }
        func reply(_ rcode: ResponseCode) { send([auth.signResponse(errorBase(rcode), requestMAC: requestMAC)]) }

        if header.opcode == .notify {
            guard let question, question.type == .soa, let secondary else { return reply(.notAuth) }
            guard secondary.acceptsNotify(for: question.name, from: remote) else {
                logger.warning("NOTIFY for a zone this server is not a secondary of, or not from its primary",
                               metadata: ["zone": "\(question.name)", "from": "\(remote.map(describe) ?? "?")"])
                return reply(.notAuth)
            }
            var response = Message(header: header.responseHeader(), questions: [question])
            response.header.authoritative = true
            send([auth.signResponse(response.serialize(), requestMAC: requestMAC)])
            secondary.notified(question.name)
            return
        }

        guard let question else { return reply(.formErr) }
        guard question.type == .axfr || question.type == .ixfr else {
            // A signed ordinary query: answered from the local zones, signed.
            var plain = query
            plain.additionals.removeAll { $0.type == RecordType(250) }
            let answer = respond(plain.serialize(), snapshot(), transport)
            send(answer.map { [auth.signResponse($0, requestMAC: requestMAC)] } ?? [])
            return
        }
        guard let remoteAddress = remote.flatMap(ipAddress), access.allows(remoteAddress) else {
            logger.warning("refused a zone transfer: client not in --allow-transfer",
                           metadata: ["client": "\(remote.map(describe) ?? "?")", "zone": "\(question.name)"])
            return reply(.refused)
        }
        guard let journal else { return reply(.refused) }
        if transport == .udp {
            guard question.type == .ixfr else { return reply(.formErr) }
            let snapshot = snapshot()
            guard let soa = snapshot.soa(of: question.name), snapshot.isTransferable(question.name) else { return reply(.notAuth) }
            var response = Message(header: header.responseHeader(), questions: [question], answers: [soa])
            response.header.authoritative = true
            send([auth.signResponse(response.serialize(), requestMAC: requestMAC)])
            return
        }
        let snapshot = snapshot()
        let logger = logger, signer = auth
        let client = remote.map(describe) ?? "?"
        pool.submit { state in
            guard state == .active else { return send([]) }
            switch TransferResponder.respond(to: query, snapshot: snapshot, journal: journal.journal) {
            case .stream(let messages, let kind):
                logger.info("zone transfer", metadata: ["zone": "\(question.name)", "client": "\(client)",
                                                       "serial": "\(snapshot.serial(of: question.name) ?? 0)",
                                                       "what": "\(kind)", "messages": "\(messages.count)"])
                send(signer.signStream(messages, requestMAC: requestMAC))
            case .error(let rcode):
                var response = Message(header: header.responseHeader(), questions: [question])
                response.rcode = rcode
                send([signer.signResponse(response.serialize(), requestMAC: requestMAC)])
            }
        }
    }

    private func ipAddress(_ address: SocketAddress) -> IPAddress? {
        switch address {
        case .v4(let v4): IPAddress(v4.host)
        case .v6(let v6): IPAddress(v6.host)
        default: nil
        }
    }

    private func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}
