import CoreMetrics
import DNSWire
import LANZone
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Timekeeping
import ZoneTransfer

/// Dynamic updates (RFC 2136) of the hosted zones and the LAN zone, signed with TSIG (RFC 8945):
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
/// The LAN zone (when `lan` is given) takes UPDATEs from DHCP servers (Kea's DHCP-DDNS, ISC
/// dhcpd) signed with a key whose zone is the LAN zone: A and AAAA become hosts of source
/// `update`, DHCID records are kept for the servers' conflict resolution, and the same key may
/// send the PTR changes to any reverse zone (at or below `in-addr.arpa.` or `ip6.arpa.`, served
/// yet or not): those are checked and answered NOERROR but never stored, since the PTRs always
/// follow the hosts' addresses (`ReverseZoneView`).
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
    let lan: LANUpdates?
    let clock: ServerClock
    let pool: NIOThreadPool
    let logger: Logger
    private let serial = NIOLock()

    public init(snapshot: @escaping @Sendable () -> ZoneSnapshot, keys: @escaping @Sendable (DomainName) -> UpdateKey?,
                fixed: @escaping @Sendable (DomainName) -> Set<ResourceRecord>, apply: @escaping Apply,
                lan: LANUpdates? = nil, clock: ServerClock, pool: NIOThreadPool, logger: Logger) {
        self.snapshot = snapshot
        self.keys = keys
        self.fixed = fixed
        self.apply = apply
        self.lan = lan
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

        serial.lock()
        defer { serial.unlock() }
        let current = snapshot()
        let hostedZone = current.hosted?.zones[request.zone]
        let lanKey = lan != nil && key.policy.zone == current.config.origin
        // A LAN-zone key may send the PTR half of a DHCP server's update to the reverse zones.
        let reverse = lanKey && hostedZone == nil && ReverseZoneView.isReverse(request.zone)
        guard key.policy.zone == request.zone || reverse else {
            return answer(.refused, "the key is for \(key.policy.zone), not \(request.zone)")
        }
        if hostedZone == nil, let lan, lanKey {
            if reverse { return answerReverse(request, snapshot: current, answer: answer) }
            return answerLAN(request, lan: lan, snapshot: current, policy: key.policy, answer: answer)
        }
        guard let zone = hostedZone else {
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

    /// An UPDATE of the LAN zone: the rules against the snapshot and the stored DHCIDs, then
    /// each name's addresses and DHCIDs to the store (which refuses administrators' names).
    func answerLAN(_ request: UpdateRequest, lan: LANUpdates, snapshot: ZoneSnapshot, policy: UpdatePolicy,
                   answer: (ResponseCode, String) -> [UInt8]) -> [UInt8] {
        let view = LANZoneView(snapshot: snapshot, dhcid: lan.dhcid, sniffed: lan.sniffed)
        switch UpdateRules.evaluate(request, zone: view, policy: policy, fixed: []) {
        case .failure(let failure):
            return answer(failure.rcode, failure.why)
        case .success(let changes):
            guard !changes.isEmpty else { return answer(.noError, "no change") }
            let updates = UpdateRules.hostUpdates(changes, zone: view)
            let outcome: HostUpdateOutcome
            do {
                outcome = try lan.apply(updates)
            } catch {
                logger.error("UPDATE could not be stored", metadata: ["zone": "\(request.zone)", "error": "\(error)"])
                return answer(.servFail, "not stored: \(error)")
            }
            switch outcome {
            case .refused(let name, let reason):
                return answer(.refused, "\(name) not registered: \(reason)")
            case .applied:
                let described = updates.map { update in
                    var parts = [update.name]
                    if let addresses = update.addresses {
                        parts.append(addresses.isEmpty ? "removed" : addresses.map(\.description).joined(separator: " "))
                    }
                    if let dhcid = update.dhcid { parts.append("\(dhcid.count) DHCID") }
                    return parts.joined(separator: " ")
                }
                return answer(.noError, "hosts (source update): \(described.joined(separator: "; "))")
            }
        }
    }

    /// A DHCP server's PTR changes in a reverse zone: checked, never stored (the PTRs follow the
    /// A/AAAA records).
    func answerReverse(_ request: UpdateRequest, snapshot: ZoneSnapshot, answer: (ResponseCode, String) -> [UInt8]) -> [UInt8] {
        let view = ReverseZoneView(apex: request.zone, snapshot: snapshot)
        switch UpdateRules.evaluate(request, zone: view, policy: UpdatePolicy(zone: request.zone), fixed: []) {
        case .failure(let failure):
            return answer(failure.rcode, failure.why)
        case .success(let changes):
            return answer(.noError, "reverse zone: \(changes.removed.count) removed, \(changes.added.count) added, not stored (PTRs follow the A/AAAA records)")
        }
    }

    /// The answer: the request's ID and opcode, its zone section, the RCODE, signed when asked.
    func reply(header: Header, zone: Question?, rcode: ResponseCode, signedWith signer: (key: TSIGKey, mac: [UInt8])?) -> [UInt8] {
        Counter(label: "lannamed_dns_updates_total", dimensions: [("rcode", rcode.description)]).increment()
        var response = Message(header: header.responseHeader(), questions: zone.map { [$0] } ?? [])
        response.rcode = rcode
        let bytes = response.serialize()
        guard let signer, let signed = try? TSIG.sign(bytes, key: signer.key, now: UInt64(max(0, clock.now())),
                                                      requestMAC: signer.mac) else { return bytes }
        return signed.bytes
    }
}
