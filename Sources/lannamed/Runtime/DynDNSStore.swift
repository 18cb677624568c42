import DNSServer
import DNSWire
import DynamicDNS
import LANZone
import NIOPosix

/// The dyndns2 service's view of the database: credentials by secret, rate states, and changes
/// stored and published before the answer leaves (a router that resolves its name right after
/// updating sees the new address). Store calls run on the blocking pool, off the event loops.
struct DynDNSStore: DynDNSBackend {
    let store: HostStore
    let refresher: ZoneRefresher
    /// The hosted zones, for the TTL of the records an update makes.
    let zones: [HostedZoneConfig]
    let pool: NIOThreadPool
    let now: @Sendable () -> Double

    /// What `changes` do to the served zone: each host's current addresses go, the new ones come.
    /// Nil (the zone is rebuilt instead) when the hosts are in several zones or one has a wildcard.
    static func change(_ changes: [DynamicAddressChange], in snapshot: ZoneSnapshot,
                       zones: [HostedZoneConfig]) -> (apex: DomainName, change: ZoneChange)? {
        guard let hosted = snapshot.hosted else { return nil }
        var apex: DomainName?
        var change = ZoneChange()
        for host in changes {
            guard let config = zones.filter({ host.host.isSubdomain(of: $0.apex) }).max(by: { $0.apex.labelCount < $1.apex.labelCount }),
                  apex == nil || apex == config.apex, let zone = hosted.zones[config.apex] else { return nil }
            apex = config.apex
            if let star = try? host.host.prepending([UInt8(ascii: "*")]), !zone.records(at: star).isEmpty { return nil }
            change.removed += zone.rrset(host.host, .a) + zone.rrset(host.host, .aaaa)
            change.added += config.dynamicRecords(name: host.host, addresses: host.addresses, wildcard: false)
        }
        return apex.map { ($0, change) }
    }

    func credential(secret: String, user: String?) async throws -> DynDNSCredential? {
        let store = store, now = now()
        guard let found = try await pool.runIfActive({ try store.dynamicCredential(secret: secret, now: now) }) else { return nil }
        let status: DynDNSCredential.AccountStatus = found.account.suspended ? .suspended : found.accountExpired ? .expired : .active
        let hosts = found.hosts.map { host in
            DynDNSHost(name: host.fqdn,
                       ipv4: host.addresses.compactMap { if case .v4(let v4) = $0 { v4 } else { nil } },
                       ipv6: host.addresses.compactMap { if case .v6(let v6) = $0 { v6 } else { nil } },
                       lastUpdate: host.updated)
        }
        return DynDNSCredential(tokenID: found.token.id, account: found.account.name, status: status,
                                allowedHosts: found.token.hosts, allowedSources: found.token.subnets,
                                minimumInterval: found.minInterval, hosts: hosts)
    }

    func rateStates(_ keys: [String]) async throws -> [String: RateState] {
        let store = store
        let stored = try await pool.runIfActive { try store.rateStates(keys: keys) }
        return stored.mapValues { RateState(windowStart: $0.windowStart, count: $0.count, blockedUntil: $0.blockedUntil ?? 0) }
    }

    func saveRateStates(_ states: [String: RateState]) async throws {
        let store = store
        let rows = states.map { DynamicRateState(key: $0.key, windowStart: $0.value.windowStart, count: $0.value.count,
                                                 blockedUntil: $0.value.blockedUntil > 0 ? $0.value.blockedUntil : nil) }
        try await pool.runIfActive { try store.storeRateStates(rows) }
    }

    func apply(_ changes: [DynDNSChange], account: String, now: Double) async -> Bool {
        let store = store, refresher = refresher
        let list = changes.map { DynamicAddressChange(host: $0.name, addresses: $0.ipv4.map(IPAddress.v4) + $0.ipv6.map(IPAddress.v6)) }
        let zones = zones
        do {
            try await pool.runIfActive {
                try refresher.publish(hostedChange: { Self.change(list, in: $0, zones: zones) }) {
                    try store.applyDynamicUpdate(account: account, token: nil, changes: list, now: now)
                }
            }
            return true
        } catch {
            return false
        }
    }
}
