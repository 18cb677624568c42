import DNSServer
import DNSWire
import DynamicDNS
import LANZone
import NIOPosix

/// The dyndns2 service's view of the database: credentials by secret, rate states, and changes
/// stored and published before the answer leaves (a router that resolves its name right after
/// updating sees the new address). Store calls run on the blocking pool, off the event loops;
/// changes arriving together are written in one transaction and published as one snapshot.
struct DynDNSStore: DynDNSBackend {
    let store: HostStore
    let pool: NIOThreadPool
    let now: @Sendable () -> Double
    let writer: WriteBatcher<DynamicUpdate, Bool>

    init(store: HostStore, refresher: ZoneRefresher, zones: [HostedZoneConfig], pool: NIOThreadPool,
         now: @escaping @Sendable () -> Double) {
        self.store = store
        self.pool = pool
        self.now = now
        writer = WriteBatcher(pool: pool, abandoned: false) { updates in
            Self.write(updates, store: store, refresher: refresher, zones: zones, now: now())
        }
    }

    /// One batch: one transaction, then one patch of the served zones with what it changed.
    static func write(_ updates: [DynamicUpdate], store: HostStore, refresher: ZoneRefresher, zones: [HostedZoneConfig],
                      now: Double) -> [Bool] {
        do {
            let results = try refresher.publish(hostedChanges: { served, results in
                // The hosts whose update went in; a later one in the batch wins.
                var latest: [DomainName: DynamicAddressChange] = [:]
                for (update, result) in zip(updates, results) {
                    guard case .success = result else { continue }
                    for change in update.changes { latest[change.host] = change }
                }
                return Self.changes(Array(latest.values), in: served, zones: zones)
            }) {
                try store.applyDynamicUpdates(updates, now: now)
            }
            return results.map { if case .success = $0 { true } else { false } }
        } catch {
            return updates.map { _ in false }
        }
    }

    /// What `changes` do to the served zones: each host's current addresses go, the new ones
    /// come. Nil (the zones are rebuilt instead) when a host is in no hosted zone or has a wildcard.
    static func changes(_ changes: [DynamicAddressChange], in snapshot: ZoneSnapshot,
                        zones: [HostedZoneConfig]) -> [DomainName: ZoneChange]? {
        guard let hosted = snapshot.hosted else { return nil }
        var result: [DomainName: ZoneChange] = [:]
        for host in changes {
            guard let config = zones.filter({ host.host.isSubdomain(of: $0.apex) }).max(by: { $0.apex.labelCount < $1.apex.labelCount }),
                  let zone = hosted.zones[config.apex] else { return nil }
            if let star = try? host.host.prepending([UInt8(ascii: "*")]), !zone.records(at: star).isEmpty { return nil }
            result[config.apex, default: ZoneChange()].removed += zone.rrset(host.host, .a) + zone.rrset(host.host, .aaaa)
            result[config.apex, default: ZoneChange()].added += config.dynamicRecords(name: host.host, addresses: host.addresses,
                                                                                       wildcard: false)
        }
        return result
    }

    func credential(secret: String, user: String?, hosts: [DomainName]?) async throws -> DynDNSCredential? {
        let store = store, now = now()
        let selection: DynamicHostSelection = hosts.map { .named($0) } ?? .firstTwo
        // The token's rate state in the same trip to the pool: each trip is a thread handoff.
        let read = try await pool.runIfActive { () throws -> (DynamicCredential, DynamicRateState?)? in
            guard let found = try store.dynamicCredential(secret: secret, now: now, hosts: selection) else { return nil }
            let key = AbuseLimiter.tokenKey(found.token.id)
            return (found, try store.rateStates(keys: [key])[key])
        }
        guard let (found, state) = read else { return nil }
        let status: DynDNSCredential.AccountStatus = found.account.suspended ? .suspended : found.accountExpired ? .expired : .active
        let hosts = found.hosts.map { host in
            DynDNSHost(name: host.fqdn,
                       ipv4: host.addresses.compactMap { if case .v4(let v4) = $0 { v4 } else { nil } },
                       ipv6: host.addresses.compactMap { if case .v6(let v6) = $0 { v6 } else { nil } },
                       lastUpdate: host.updated)
        }
        return DynDNSCredential(tokenID: found.token.id, account: found.account.name, status: status,
                                allowedHosts: found.token.hosts, allowedSources: found.token.subnets,
                                minimumInterval: found.minInterval, hosts: hosts,
                                tokenState: state.map(Self.state))
    }

    func rateStates(_ keys: [String]) async throws -> [String: RateState] {
        let store = store
        // Known in memory (the usual case): no trip to the pool.
        var stored = store.cachedRateStates(keys: keys)
        if stored == nil { stored = try await pool.runIfActive { try store.rateStates(keys: keys) } }
        return (stored ?? [:]).mapValues(Self.state)
    }

    /// A stored rate state as the limiter reads it (no block: 0).
    static func state(_ stored: DynamicRateState) -> RateState {
        RateState(windowStart: stored.windowStart, count: stored.count, blockedUntil: stored.blockedUntil ?? 0)
    }

    func saveRateStates(_ states: [String: RateState]) async throws {
        let store = store
        try await pool.runIfActive { try store.storeRateStates(Self.rows(states)) }
    }

    func apply(_ changes: [DynDNSChange], account: String, token: String, rateStates: [String: RateState], now: Double) async -> Bool {
        let list = changes.map { DynamicAddressChange(host: $0.name, addresses: $0.ipv4.map(IPAddress.v4) + $0.ipv6.map(IPAddress.v6)) }
        return await writer.submit(DynamicUpdate(account: account, token: token, changes: list, rateStates: Self.rows(rateStates)))
    }

    static func rows(_ states: [String: RateState]) -> [DynamicRateState] {
        states.map { DynamicRateState(key: $0.key, windowStart: $0.value.windowStart, count: $0.value.count,
                                      blockedUntil: $0.value.blockedUntil > 0 ? $0.value.blockedUntil : nil) }
    }
}
