import DNSWire
import DynamicDNS

/// A backend held in memory: secrets to credentials, rate states, and the hosts' addresses, which
/// `apply` changes (so a second request sees the first one's change).
actor MemoryBackend: DynDNSBackend {
    struct Failure: Error {}

    var credentials: [String: DynDNSCredential]
    var states: [String: RateState] = [:]
    var applied: [[DynDNSChange]] = []
    var lookups = 0
    /// The hosts each lookup asked for (nil: none named).
    var lookedUp: [[DomainName]?] = []
    var failLookups = false
    var refuseWrites = false

    /// The credentials as given, for building variants before the actor exists.
    nonisolated let credentialsSnapshot: [String: DynDNSCredential]

    init(credentials: [String: DynDNSCredential]) {
        self.credentials = credentials
        credentialsSnapshot = credentials
    }

    func credential(secret: String, user: String?, hosts: [DomainName]?) async throws -> DynDNSCredential? {
        lookups += 1
        lookedUp.append(hosts)
        if failLookups { throw Failure() }
        guard var credential = credentials[secret] else { return nil }
        credential.tokenState = states[AbuseLimiter.tokenKey(credential.tokenID)]
        return credential
    }

    func rateStates(_ keys: [String]) async throws -> [String: RateState] {
        states.filter { keys.contains($0.key) }
    }

    func saveRateStates(_ new: [String: RateState]) async throws {
        states.merge(new) { _, latest in latest }
    }

    func apply(_ changes: [DynDNSChange], account: String, token: String, rateStates: [String: RateState], now: Double) async -> Bool {
        if refuseWrites { return false }
        applied.append(changes)
        states.merge(rateStates) { _, latest in latest }
        for (secret, var credential) in credentials where credential.account == account {
            for change in changes {
                guard let index = credential.hosts.firstIndex(where: { $0.name == change.name }) else { continue }
                credential.hosts[index].ipv4 = change.ipv4
                credential.hosts[index].ipv6 = change.ipv6
                credential.hosts[index].lastUpdate = now
            }
            credentials[secret] = credential
        }
        return true
    }

    func setFailLookups(_ value: Bool) { failLookups = value }
    func setRefuseWrites(_ value: Bool) { refuseWrites = value }
}
