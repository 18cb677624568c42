import DNSClient
import DNSWire
import Foundation
import LANZone
import Logging
import NIOCore
import ServiceLifecycle

/// Keeps copies of a primary's zones (RFC 1034 sec. 4.3.5, RFC 1996, RFC 1995): the LAN zone
/// and the reverse zones of its addresses, found by asking the primary for the SOA of each.
///
/// Each zone is checked every SOA REFRESH seconds (at once on NOTIFY), by its SOA serial; a newer
/// serial brings an IXFR (the whole zone when the primary cannot send differences, or when this
/// server holds nothing yet). A failed check is retried after SOA RETRY; without any contact for
/// SOA EXPIRE seconds the zone answers SERVFAIL until the primary is back. Every copy is stored
/// in SQLite, so a restart while the primary is down still answers.
public actor SecondaryService: Service {
    struct Tracked {
        var zone: TransferredZone?
        /// Unix time of the last contact with the primary about this zone.
        var refreshed: Double
        var due: ContinuousClock.Instant
        var failures = 0
    }

    let primary: Endpoint
    let origin: DomainName
    /// Zones always copied, whatever the LAN zone holds: the LAN zone and the hosted zones.
    let required: Set<DomainName>
    let auth: TransferAuth
    let store: HostStore
    let logger: Logger
    let group: any EventLoopGroup
    /// Hands the current set of zones to the query path.
    let publish: @Sendable (SecondaryZones) -> Void
    private var zones: [DomainName: Tracked] = [:]
    /// Reverse zones the primary said it does not serve (asked again when the LAN zone changes).
    private var notOffered = Set<DomainName>()
    private var published: [DomainName: Bool] = [:]
    private let clock = ContinuousClock()
    private let primaryAddress: IPAddress
    private var loaded = false

    public init(primary: Endpoint, origin: DomainName, hosted: [DomainName] = [], auth: TransferAuth, store: HostStore,
                group: any EventLoopGroup, logger: Logger, publish: @escaping @Sendable (SecondaryZones) -> Void) {
        self.primary = primary
        self.origin = origin
        required = Set([origin] + hosted)
        self.auth = auth
        self.store = store
        self.logger = logger
        self.group = group
        self.publish = publish
        primaryAddress = primary.address
    }

    /// Loads the stored copies and publishes them (expired ones as SERVFAIL). The daemon calls
    /// it before it says it is ready, so a restarted secondary answers from its copies at once.
    public func load() {
        guard !loaded else { return }
        loaded = true
        let now = clock.now
        do {
            for stored in try store.secondaryZones() {
                do {
                    let zone = try TransferredZone(records: stored.records)
                    zones[stored.apex] = Tracked(zone: zone, refreshed: stored.refreshed, due: now)
                } catch {
                    logger.warning("a stored secondary zone cannot be read; transferring it again",
                                   metadata: ["zone": "\(stored.apex)", "error": "\(error)"])
                }
            }
        } catch {
            logger.error("cannot read the stored secondary zones", metadata: ["error": "\(error)"])
        }
        for apex in required where zones[apex] == nil { zones[apex] = Tracked(zone: nil, refreshed: 0, due: now) }
        republish(force: true)
    }

    nonisolated func acceptsNotify(for apex: DomainName, from remote: SocketAddress?) -> Bool {
        guard let remote, IPAddress(remote) == primaryAddress else { return false }
        return true
    }

    nonisolated func notified(_ apex: DomainName) {
        Task { await self.checkSoon(apex) }
    }

    func checkSoon(_ apex: DomainName) {
        guard zones[apex] != nil else {
            // A NOTIFY for a zone we do not hold yet (a new reverse zone): find out.
            notOffered.remove(apex)
            zones[apex] = Tracked(zone: nil, refreshed: 0, due: clock.now)
            return
        }
        zones[apex]?.due = clock.now
    }

    public func run() async throws {
        load()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.tick()
                do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
            }
        }
    }

    /// Checks the zones that are due, one at a time, and (once a second) publishes expiry
    /// changes. Cheap when nothing is due: it runs ten times a second.
    func tick() async {
        let now = clock.now
        let due = zones.compactMap { $0.value.due <= now ? $0.key : nil }
        for apex in due { await check(apex) }
        if now - lastExpiryCheck >= .seconds(1) {
            lastExpiryCheck = now
            republish(force: false)
        }
    }

    private var lastExpiryCheck = ContinuousClock.now

    private func timers(_ zone: TransferredZone?) -> SOA? {
        guard let zone, case .soa(let soa) = zone.soa.data else { return nil }
        return soa
    }

    private func isExpired(_ tracked: Tracked, at unix: Double) -> Bool {
        guard let soa = timers(tracked.zone) else { return true }
        return unix - tracked.refreshed > Double(soa.expire)
    }

    /// One refresh of one zone: SOA check, then a transfer when the primary is ahead.
    func check(_ apex: DomainName) async {
        guard var tracked = zones[apex] else { return }
        let soa = timers(tracked.zone)
        do {
            guard let theirs = try await soaSerial(of: apex) else {
                // The primary does not serve it (any more).
                if !required.contains(apex) {
                    zones[apex] = nil
                    notOffered.insert(apex)
                    try? store.removeSecondaryZone(apex)
                    if tracked.zone != nil { logger.info("primary no longer serves the zone; dropped", metadata: ["zone": "\(apex)"]) }
                    republish(force: true)
                    return
                }
                throw DNSClient.Failure(description: "the primary is not authoritative for \(apex)")
            }
            let now = auth.clock.now()
            tracked.refreshed = now
            tracked.failures = 0
            if let zone = tracked.zone, !SerialNumber.isNewer(theirs, than: zone.serial) {
                try? store.touchSecondaryZone(apex, refreshed: now)
            } else {
                let started = clock.now
                let (zone, how) = try await transfer(apex, holding: tracked.zone)
                try store.saveSecondaryZone(apex, source: primary.description, serial: zone.serial, records: zone.records,
                                            refreshed: now)
                tracked.zone = zone
                zones[apex] = tracked
                republish(force: true)
                let elapsed = clock.now - started
                logger.info("zone copied from the primary", metadata: [
                    "zone": "\(apex)", "serial": "\(zone.serial)", "records": "\(zone.recordCount)", "how": "\(how)",
                    "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)"])
                if apex == origin { discoverReverseZones(from: zone) }
            }
            tracked.due = clock.now + .seconds(Int64(timers(tracked.zone)?.refresh ?? 3600))
        } catch {
            tracked.failures += 1
            let retry = soa.map { Int64($0.retry) } ?? 60
            // Quick retries at first (a primary restarting), then the SOA's RETRY.
            let wait = min(retry, Int64(1) << min(tracked.failures, 6))
            tracked.due = clock.now + .seconds(max(1, wait))
            if tracked.failures == 1 || tracked.failures % 20 == 0 {
                logger.warning("cannot refresh a secondary zone from the primary",
                               metadata: ["zone": "\(apex)", "primary": "\(primary)", "error": "\(error)", "failures": "\(tracked.failures)"])
            }
        }
        zones[apex] = tracked
    }

    /// The primary's serial for the zone; nil when it says it does not serve it.
    private func soaSerial(of apex: DomainName) async throws -> UInt32? {
        let id = UInt16.random(in: 0...UInt16.max)
        let query = Message(header: Header(id: id), questions: [Question(name: apex, type: .soa)])
        let (bytes, mac) = auth.sign(query.serialize())
        let reply = try await DNSClient.udp(bytes, to: primary, timeout: .seconds(2), group: group)
        if case .failed(let why) = auth.checkResponse(reply, to: mac) {
            throw DNSClient.Failure(description: "the primary's SOA answer fails TSIG: \(why)")
        }
        let response = try Message(bytes: reply)
        switch response.rcode {
        case .noError:
            guard response.header.authoritative,
                  let record = response.answers.first(where: { $0.type == .soa && $0.name == apex }),
                  case .soa(let soa) = record.data else { return nil }
            return soa.serial
        case .notAuth, .refused, .nxDomain:
            return nil
        default:
            throw DNSClient.Failure(description: "the primary answered the SOA check with \(response.rcode)")
        }
    }

    /// IXFR when holding a copy, AXFR otherwise; an IXFR that cannot be applied falls back to AXFR.
    private func transfer(_ apex: DomainName, holding current: TransferredZone?) async throws -> (TransferredZone, String) {
        if let current {
            do {
                switch try await exchange(apex, type: .ixfr, holding: current) {
                case .incremental(let diffs):
                    return (try current.applying(diffs), "IXFR, \(diffs.count) changes")
                case .full(let records):
                    return (try TransferredZone(records: records), "IXFR answered with the whole zone")
                case .upToDate:
                    return (current, "up to date")
                }
            } catch let error as ZoneError {
                logger.warning("IXFR could not be applied; taking the whole zone", metadata: ["zone": "\(apex)", "error": "\(error)"])
            }
        }
        guard case .full(let records) = try await exchange(apex, type: .axfr, holding: nil) else {
            throw DNSClient.Failure(description: "the AXFR of \(apex) did not carry the zone")
        }
        return (try TransferredZone(records: records), "AXFR")
    }

    private func exchange(_ apex: DomainName, type: RecordType, holding current: TransferredZone?) async throws -> TransferReader.Result {
        let id = UInt16.random(in: 0...UInt16.max)
        var query = Message(header: Header(id: id), questions: [Question(name: apex, type: type)])
        if let current { query.authorities = [current.soa] }
        let (bytes, mac) = auth.sign(query.serialize())
        var reader = TransferReader(apex: apex, clientSerial: current?.serial, queryID: id)
        var verifier = auth.streamVerifier(requestMAC: mac)
        let auth = auth
        try await DNSClient.tcp(bytes, to: primary, timeout: .seconds(120), group: group) { message in
            if verifier != nil, case .failed(let failure) = verifier!.verify(message, now: auth.now()) {
                throw DNSClient.Failure(description: "the transfer fails TSIG: \(failure)")
            }
            return try reader.read(message)
        }
        if let verifier, case .failed(let failure) = verifier.finish() {
            throw DNSClient.Failure(description: "the transfer fails TSIG: \(failure)")
        }
        guard let result = reader.result else { throw DNSClient.Failure(description: "the transfer of \(apex) ended early") }
        return result
    }

    /// The reverse zones that would hold the LAN zone's addresses: each is asked for at the
    /// primary (and dropped there if the primary does not serve it).
    private func discoverReverseZones(from zone: TransferredZone) {
        var candidates = Set<DomainName>()
        for record in zone.records {
            switch record.data {
            case .a(let a): candidates.insert(ZoneSnapshot.reverseZone(for: .v4(a)))
            case .aaaa(let aaaa): candidates.insert(ZoneSnapshot.reverseZone(for: .v6(aaaa)))
            default: break
            }
        }
        let now = clock.now
        for apex in candidates where zones[apex] == nil && !notOffered.contains(apex) {
            zones[apex] = Tracked(zone: nil, refreshed: 0, due: now)
        }
        // Zones refused before may be served now that the LAN zone changed.
        for apex in notOffered where candidates.contains(apex) && zones[apex] == nil {
            zones[apex] = Tracked(zone: nil, refreshed: 0, due: now + .seconds(1))
        }
        notOffered.subtract(candidates)
    }

    /// Publishes the zones when one was added, changed or dropped (`force`), or when one expired
    /// or came back.
    private func republish(force: Bool) {
        let unix = auth.clock.now()
        var expiry: [DomainName: Bool] = [:]
        var entries: [SecondaryZones.Entry] = []
        for (apex, tracked) in zones {
            // Zones never loaded other than the required ones are not served at all yet (the local
            // reverse zones answer for them meanwhile).
            guard tracked.zone != nil || required.contains(apex) else { continue }
            let expired = isExpired(tracked, at: unix)
            expiry[apex] = expired
            entries.append(SecondaryZones.Entry(apex: apex, zone: tracked.zone, expired: expired))
        }
        guard force || expiry != published else { return }
        for (apex, expired) in expiry where expired && published[apex] == false {
            logger.error("secondary zone expired: no contact with the primary for its SOA EXPIRE; answering SERVFAIL",
                         metadata: ["zone": "\(apex)", "primary": "\(primary)"])
        }
        published = expiry
        publish(SecondaryZones(entries))
    }
}
