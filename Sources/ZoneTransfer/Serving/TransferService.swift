import CoreMetrics
import DNSClient
import DNSWire
import LANZone
import Logging
import NIOCore
import NIOConcurrencyHelpers
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
/// - UPDATE (RFC 2136): handed to `updates`, which checks its own keys; NOTIMP without it.
public final class TransferService: Sendable {
    /// Answers an UPDATE: the message, the client, where the reply goes.
    public typealias UpdateHandler = @Sendable ([UInt8], SocketAddress?, @escaping @Sendable ([[UInt8]]) -> Void) -> Void

    /// The newest published snapshot: every transfer is built from one.
    let snapshot: @Sendable () -> ZoneSnapshot
    /// The full responder, for a signed ordinary query (its TSIG removed); nil: no answer.
    let respond: @Sendable ([UInt8], ZoneSnapshot, DNSTransport) -> [UInt8]?
    let journal: TransferJournal?
    let access: AccessList
    let auth: TransferAuth
    let secondary: SecondaryService?
    let updates: UpdateHandler?
    /// Where transfers are built: off the event loops.
    let pool: NIOThreadPool
    let logger: Logger
    /// Per zone and secondary, the last transfer served (for the console and the API); at most
    /// 1,000 pairs are kept.
    private let served = NIOLockedValueBox<[ServedKey: ServedTransfer]>([:])
    private struct ServedKey: Hashable {
        var zone: DomainName
        var secondary: IPAddress
    }

    /// The last transfer each secondary took of each zone, by zone and secondary.
    public var servedTransfers: [ServedTransfer] {
        served.withLockedValue { Array($0.values) }.sorted {
            ($0.zone.description, $0.secondary.description) < ($1.zone.description, $1.secondary.description)
        }
    }

    public init(snapshot: @escaping @Sendable () -> ZoneSnapshot,
                respond: @escaping @Sendable ([UInt8], ZoneSnapshot, DNSTransport) -> [UInt8]?,
                journal: TransferJournal?, allow: [AddressPrefix], auth: TransferAuth,
                secondary: SecondaryService?, updates: UpdateHandler? = nil, pool: NIOThreadPool, logger: Logger) {
        self.updates = updates
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
        MessageView.with(bytes) { $0.map(claims) ?? false }
    }

    /// `claims` for a message the listener already holds a view of.
    public static func claims(_ view: MessageView) -> Bool {
        guard !view.isResponse else { return false }
        if view.opcode == .notify || view.opcode == .update { return true }
        guard view.opcode == .query, view.questionCount == 1,
              let nameEnd = view.nameEnd(at: Header.size), let type = view.uint16(at: nameEnd),
              nameEnd + 4 <= view.bytes.count else { return false }
        if type == RecordType.axfr.rawValue || type == RecordType.ixfr.rawValue { return true }
        return view.lastRecordIsTSIG
    }

    /// Answers one message; `send` gets each reply message in order (none: drop), possibly on
    /// another thread. Transfers are built on NIO's blocking pool.
    public func handle(_ bytes: [UInt8], from remote: SocketAddress?, transport: DNSTransport,
                send: @escaping @Sendable ([[UInt8]]) -> Void) {
        // An UPDATE's records may carry no RDATA (class ANY, NONE): not a `Message`.
        if let header = try? Header(flagsFrom: bytes), header.opcode == .update, !header.isResponse {
            guard let updates else {
                var response = Message(header: header.responseHeader(), questions: [])
                response.rcode = .notImp
                return send([response.serialize()])
            }
            return updates(bytes, remote, send)
        }
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
        guard let remoteAddress = IPAddress(remote), access.allows(remoteAddress) else {
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
        let logger = logger, signer = auth, served = served
        let client = remote.map(describe) ?? "?"
        pool.submit { state in
            guard state == .active else { return send([]) }
            switch TransferResponder.respond(to: query, snapshot: snapshot, journal: journal.journal) {
            case .stream(let messages, let kind):
                Counter(label: "lannamed_zone_transfers_total", dimensions: [("kind", kind.metricName)]).increment()
                if let serial = snapshot.serial(of: question.name) {
                    let record = ServedTransfer(zone: question.name, secondary: remoteAddress, serial: serial,
                                                at: signer.clock.now(), kind: kind.metricName)
                    served.withLockedValue { table in
                        if table.count >= 1_000 { table.removeAll() }
                        table[ServedKey(zone: question.name, secondary: remoteAddress)] = record
                    }
                }
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

    private func describe(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}
