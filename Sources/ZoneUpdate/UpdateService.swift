import DNSWire
import LANZone
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Timekeeping
import ZoneTransfer

/// Dynamic updates (RFC 2136) of the hosted zones, signed with TSIG (RFC 8945):
///
/// - unsigned: REFUSED; a key we do not know or a bad MAC: NOTAUTH with the TSIG error (RFC 8945
///   sec. 5.2); a zone we do not host: NOTAUTH;
/// - the key's policy decides what it may change (REFUSED otherwise); the prerequisites and the
///   updates follow `UpdateRules`; everything or nothing is applied;
/// - `apply` stores the change and publishes the new snapshot before the answer leaves, so the
///   next UPDATE (and every query) sees it; the serial, the IXFR journal and NOTIFY follow from
///   the publication as for any other change;
/// - the answer is signed with the request's key.
///
/// One UPDATE at a time: prerequisites are checked against the zone the change is applied to.
public final class UpdateService: Sendable {
    public typealias Apply = @Sendable (_ zone: DomainName, _ changes: UpdateRules.Changes) throws -> Void

    let snapshot: @Sendable () -> ZoneSnapshot
    /// The key of this name, with its policy.
    let keys: @Sendable (DomainName) -> UpdateKey?
    /// Records of a zone that come from the config (never removed by an UPDATE).
    let fixed: @Sendable (DomainName) -> Set<ResourceRecord>
    let apply: Apply
    let clock: ServerClock
    let pool: NIOThreadPool
    let logger: Logger
    private let serial = NIOLock()

    public init(snapshot: @escaping @Sendable () -> ZoneSnapshot, keys: @escaping @Sendable (DomainName) -> UpdateKey?,
                fixed: @escaping @Sendable (DomainName) -> Set<ResourceRecord>, apply: @escaping Apply,
                clock: ServerClock, pool: NIOThreadPool, logger: Logger) {
        self.snapshot = snapshot
        self.keys = keys
        self.fixed = fixed
        self.apply = apply
        self.clock = clock
        self.pool = pool
        self.logger = logger
    }

    /// Answers one UPDATE on the blocking pool; `send` gets the reply (none: drop).
    public func handle(_ bytes: [UInt8], from remote: SocketAddress?, send: @escaping @Sendable ([[UInt8]]) -> Void) {
        pool.submit { state in
            guard state == .active else { return send([]) }
            send(self.answer(bytes, from: remote).map { [$0] } ?? [])
        }
    }

    /// The reply to one UPDATE (nil: nothing to send).
    public func answer(_ bytes: [UInt8], from remote: SocketAddress?) -> [UInt8]? {
        guard bytes.count >= Header.size, let header = try? Header(flagsFrom: bytes), !header.isResponse else { return nil }
        let client = remote.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        let request: UpdateRequest
        switch UpdateRequest.parse(bytes) {
        case .failure(let failure):
            logger.info("UPDATE refused", metadata: ["client": "\(client)", "why": "\(failure)"])
            return reply(header: header, zone: nil, rcode: failure.rcode, signedWith: nil)
        case .success(let parsed):
            request = parsed
        }
        let zoneQuestion = Question(name: request.zone, type: request.zoneType, recordClass: request.zoneClass)
        let now = UInt64(max(0, clock.now()))
        let known = request.keyName.flatMap(keys)
        let verification = TSIG.verify(bytes, keys: known.map { [$0.key] } ?? [], now: now)
        let signer: (key: TSIGKey, mac: [UInt8])
        switch verification {
        case .unsigned:
            logger.info("UPDATE refused: unsigned (a TSIG key is required)", metadata: ["client": "\(client)", "zone": "\(request.zone)"])
            return reply(header: header, zone: zoneQuestion, rcode: .refused, signedWith: nil)
        case .valid(let key, let mac, _):
            signer = (key, mac)
        default:
            logger.warning("UPDATE refused: bad TSIG", metadata: ["client": "\(client)", "zone": "\(request.zone)",
                                                                 "why": "\(verification)"])
            let base = reply(header: header, zone: zoneQuestion, rcode: .noError, signedWith: nil)
            return (try? TSIG.errorResponse(base, for: verification, now: now)) ?? base
        }
        guard let key = known else { return nil }
        func answer(_ rcode: ResponseCode, _ why: String) -> [UInt8] {
            logger.info("UPDATE", metadata: ["client": "\(client)", "zone": "\(request.zone)", "key": "\(key.key.name)",
                                            "rcode": "\(rcode)", "result": "\(why)"])
            return reply(header: header, zone: zoneQuestion, rcode: rcode, signedWith: signer)
        }
        guard request.zoneClass == .in else { return answer(.notAuth, "class \(request.zoneClass) is not served") }
        guard key.policy.zone == request.zone else {
            return answer(.refused, "the key is for \(key.policy.zone), not \(request.zone)")
        }

        serial.lock()
        defer { serial.unlock() }
        guard let zone = snapshot().hosted?.zones[request.zone] else {
            return answer(.notAuth, "\(request.zone) is not a hosted zone of this server")
        }
        switch UpdateRules.evaluate(request, zone: zone, policy: key.policy, fixed: fixed(request.zone)) {
        case .failure(let failure):
            return answer(failure.rcode, failure.why)
        case .success(let changes):
            guard !changes.isEmpty else { return answer(.noError, "no change") }
            do {
                try apply(request.zone, changes)
            } catch {
                logger.error("UPDATE could not be stored", metadata: ["zone": "\(request.zone)", "error": "\(error)"])
                return answer(.servFail, "not stored: \(error)")
            }
            return answer(.noError, "\(changes.removed.count) removed, \(changes.added.count) added")
        }
    }

    /// The answer: the request's ID and opcode, its zone section, the RCODE, signed when asked.
    func reply(header: Header, zone: Question?, rcode: ResponseCode, signedWith signer: (key: TSIGKey, mac: [UInt8])?) -> [UInt8] {
        var response = Message(header: header.responseHeader(), questions: zone.map { [$0] } ?? [])
        response.rcode = rcode
        let bytes = response.serialize()
        guard let signer, let signed = try? TSIG.sign(bytes, key: signer.key, now: UInt64(max(0, clock.now())),
                                                      requestMAC: signer.mac) else { return bytes }
        return signed.bytes
    }
}
