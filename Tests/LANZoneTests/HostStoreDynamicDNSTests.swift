import DNSWire
import Foundation
import GRDB
import Testing
@testable import LANZone

/// Dynamic DNS accounts in the store (HostStore+DynamicDNS, HostStore+DynamicAccounts), on a
/// temporary database, with the time given to each call.
@Suite("Dynamic DNS store")
struct HostStoreDynamicDNSTests {
    static let zones: [DomainName] = ["dyn.example.net."]
    static let t0: Double = 1_800_000_000

    /// A store with plan basic (3 hosts), account shop with hosts shop and nas.
    static func store(_ directory: TemporaryDirectory) throws -> HostStore {
        let store = try HostStore(path: directory.databasePath)
        try store.addDynamicPlan(DynamicPlan(name: "basic", maxHosts: 3, minInterval: 300))
        try store.addDynamicAccount(name: "shop", plan: "basic", now: t0)
        try store.addDynamicHost("shop.dyn.example.net", account: "shop", hostedZones: zones, now: t0)
        try store.addDynamicHost("nas.dyn.example.net", account: "shop", wildcard: true, hostedZones: zones, now: t0)
        return store
    }

    /// The `DynamicDNSError` `body` throws; nil when it throws none (or another error).
    func dynamicError<T>(_ body: () throws -> T) -> DynamicDNSError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? DynamicDNSError
        }
    }

    @Test func hostsStartWithoutAddressesAndUpdatesSetThem() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        var hosts = try store.activeDynamicHosts(now: Self.t0).sorted { $0.fqdn < $1.fqdn }
        #expect(hosts.map(\.fqdn) == ["nas.dyn.example.net.", "shop.dyn.example.net."])
        #expect(hosts.allSatisfy { $0.addresses.isEmpty && $0.updated == nil })
        #expect(hosts.map(\.wildcard) == [true, false])

        let before = try store.state().generation
        let outcome = try store.applyDynamicUpdate(
            account: "shop", token: nil,
            changes: [DynamicAddressChange(host: "SHOP.dyn.example.net.", addresses: ips("2001:db8::1", "198.51.100.7", "198.51.100.7"))],
            now: Self.t0 + 10)
        #expect(outcome.changed.count == 1 && outcome.unchanged.isEmpty)
        #expect(try store.state().generation == before + 1)
        hosts = try store.activeDynamicHosts(now: Self.t0 + 10)
        let shop = try #require(hosts.first { $0.fqdn == "shop.dyn.example.net." })
        #expect(shop.addresses == ips("198.51.100.7", "2001:db8::1"))
        #expect(shop.updated == Self.t0 + 10)
    }

    @Test func anUnchangedUpdateCountsNochgAndDoesNotBump() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let change = DynamicAddressChange(host: "shop.dyn.example.net.", addresses: ips("198.51.100.7"))
        try store.applyDynamicUpdate(account: "shop", token: nil, changes: [change], now: Self.t0)
        let generation = try store.state().generation
        let outcome = try store.applyDynamicUpdate(account: "shop", token: nil, changes: [change], refused: 1, now: Self.t0 + 600)
        #expect(outcome.unchanged == ["shop.dyn.example.net."])
        #expect(try store.state().generation == generation)
        let usage = try #require(try store.dynamicUsage(since: Self.t0).first)
        #expect((usage.account, usage.plan, usage.hosts) == ("shop", "basic", 2))
        #expect((usage.good, usage.nochg, usage.refused) == (1, 1, 1))
        // The updated time moves on even when nothing changed: it is when the router last checked in.
        #expect(try store.activeDynamicHosts(now: Self.t0).first { $0.fqdn == "shop.dyn.example.net." }?.updated == Self.t0 + 600)
    }

    @Test func aMultiHostUpdateWithOneForeignHostChangesNothing() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        try store.addDynamicAccount(name: "other", plan: "basic", now: Self.t0)
        try store.addDynamicHost("other.dyn.example.net", account: "other", hostedZones: Self.zones, now: Self.t0)
        let generation = try store.state().generation
        let error = dynamicError {
            try store.applyDynamicUpdate(account: "shop", token: nil, changes: [
                DynamicAddressChange(host: "shop.dyn.example.net.", addresses: ips("198.51.100.7")),
                DynamicAddressChange(host: "other.dyn.example.net.", addresses: ips("198.51.100.8")),
            ], now: Self.t0)
        }
        #expect(error == .unknownHost("other.dyn.example.net.", "shop"))
        #expect(try store.activeDynamicHosts(now: Self.t0).allSatisfy { $0.addresses.isEmpty && $0.updated == nil })
        #expect(try store.state().generation == generation)
        #expect(try store.dynamicUsage(since: Self.t0).allSatisfy { $0.good == 0 && $0.nochg == 0 })
    }

    @Test func planLimitsAreEnforcedWithTheCounts() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        try store.addDynamicHost("www.shop.dyn.example.net", account: "shop", hostedZones: Self.zones, now: Self.t0)
        let error = dynamicError { try store.addDynamicHost("cam.dyn.example.net", account: "shop", hostedZones: Self.zones, now: Self.t0) }
        #expect(error?.description == "account shop has 3 of 3 hosts (plan basic)")
    }

    @Test func importedHostsComeInOneTransactionOrNotAtAll() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        try store.addDynamicPlan(DynamicPlan(name: "bulk", maxHosts: 2000, minInterval: 0))
        try store.addDynamicAccount(name: "fleet", plan: "bulk", now: Self.t0)
        let before = try store.state().generation
        let names = (1...1000).map { "H\($0).dyn.example.net" } + ["www.h7.dyn.example.net"]
        let added = try store.importDynamicHosts(names, account: "fleet", hostedZones: Self.zones, now: Self.t0)
        #expect(added.count == 1001)
        #expect(added.first?.fqdn == "h1.dyn.example.net.")
        #expect(try store.state().generation == before + 1)
        #expect(try store.activeDynamicHosts(now: Self.t0).count == 1001)
        // One refused name (reserved, taken, or past the plan's limit): nothing of the list is added.
        for (list, want) in [(["new1.dyn.example.net", "mail.dyn.example.net"], "reserved"),
                             (["new1.dyn.example.net", "h5.dyn.example.net"], "already exists"),
                             ((0..<1000).map { "more\($0).dyn.example.net" }, "would go over the 2000 of plan bulk")] {
            let error = dynamicError { try store.importDynamicHosts(list, account: "fleet", hostedZones: Self.zones, now: Self.t0) }
            #expect(error?.description.contains(want) == true, "\(String(describing: error))")
        }
        #expect(try store.activeDynamicHosts(now: Self.t0).count == 1001)
        #expect(try store.state().generation == before + 1)
    }

    @Test func namesAreCheckedAgainstThePlanAndOtherAccounts() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        try store.addDynamicPlan(DynamicPlan(name: "home", maxHosts: 5, zones: ["home.example.org."]))
        try store.addDynamicAccount(name: "alice", plan: "home", now: Self.t0)
        let zones: [DomainName] = ["dyn.example.net.", "home.example.org."]
        #expect(dynamicError { try store.addDynamicHost("pc.dyn.example.net", account: "alice", hostedZones: zones, now: Self.t0) }
            == .zoneNotInPlan("pc.dyn.example.net.", "dyn.example.net.", "home"))
        #expect(dynamicError { try store.addDynamicHost("Shop.dyn.example.net", account: "shop", hostedZones: zones, now: Self.t0) }
            == .exists("host", "shop.dyn.example.net."))
        // Below another account's host: alice owns no ancestor of it.
        #expect(dynamicError { try store.addDynamicHost("x.shop.dyn.example.net", account: "alice", hostedZones: zones, now: Self.t0) }
            == .zoneNotInPlan("x.shop.dyn.example.net.", "dyn.example.net.", "home"))
        #expect(dynamicError { try store.addDynamicHost("pc.home.example.org", account: "bob", hostedZones: zones, now: Self.t0) }
            == .notFound("account", "bob"))
        #expect(dynamicError { try store.addDynamicAccount(name: "bob", plan: "gold", now: Self.t0) } == .notFound("plan", "gold"))
        #expect(dynamicError { try store.addDynamicAccount(name: "SHOP", plan: "basic", now: Self.t0) } == .exists("account", "shop"))
        #expect(dynamicError { try store.addDynamicPlan(DynamicPlan(name: "basic", maxHosts: 1)) } == .exists("plan", "basic"))
    }

    @Test func suspensionAndExpiryHideHostsAndKeepTheirAddresses() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        try store.applyDynamicUpdate(account: "shop", token: nil, changes: [
            DynamicAddressChange(host: "shop.dyn.example.net.", addresses: ips("198.51.100.7"))], now: Self.t0)

        var generation = try store.state().generation
        #expect(try store.setDynamicAccount("shop", suspended: true, now: Self.t0))
        #expect(try store.state().generation == generation + 1)
        #expect(try store.activeDynamicHosts(now: Self.t0).isEmpty)
        #expect(try !store.setDynamicAccount("shop", suspended: true, now: Self.t0))

        #expect(try store.setDynamicAccount("shop", suspended: false, now: Self.t0))
        #expect(try store.activeDynamicHosts(now: Self.t0).first { $0.fqdn == "shop.dyn.example.net." }?.addresses == ips("198.51.100.7"))

        generation = try store.state().generation
        try store.setDynamicAccount("shop", expires: Self.t0 + 3600, now: Self.t0)
        #expect(try store.state().generation == generation + 1)
        #expect(try store.nextDynamicExpiry(after: Self.t0) == Self.t0 + 3600)
        #expect(try store.nextDynamicExpiry(after: Self.t0 + 3600) == nil)
        #expect(try store.activeDynamicHosts(now: Self.t0 + 3599).count == 2)
        #expect(try store.activeDynamicHosts(now: Self.t0 + 3600).isEmpty)
    }

    @Test func removingAnAccountRemovesItsHostsAndTokensButKeepsUsage() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let (_, secret) = try store.createDynamicToken(account: "shop", now: Self.t0)
        try store.applyDynamicUpdate(account: "shop", token: nil, changes: [
            DynamicAddressChange(host: "nas.dyn.example.net.", addresses: ips("198.51.100.9"))], now: Self.t0)
        try store.removeDynamicAccount("shop", now: Self.t0)
        let listing = try store.dynamicListing()
        #expect(listing.accounts.isEmpty && listing.hosts.isEmpty && listing.tokens.isEmpty)
        #expect(try store.dynamicCredential(secret: secret, now: Self.t0) == nil)
        let count = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ddns_host_address") }
        #expect(count == 0)
        #expect(try store.dynamicUsage(since: Self.t0) == [DynamicUsage(account: "shop", plan: nil, hosts: 0, good: 1, nochg: 0, refused: 0)])
        #expect(dynamicError { try store.removeDynamicAccount("shop", now: Self.t0) } == .notFound("account", "shop"))
    }

    @Test func tokensAreFoundByTheirSecretOnly() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let (token, secret) = try store.createDynamicToken(
            account: "shop", hosts: ["NAS.dyn.example.net"], subnets: [try AddressPrefix(parsing: "198.51.100.0/24")],
            expires: Self.t0 + 100, now: Self.t0)
        #expect(token.id.count == 8 && token.id.allSatisfy(\.isHexDigit))
        let stored = try store.read { db in try Row.fetchOne(db, sql: "SELECT * FROM ddns_token") }
        let row = try #require(stored)
        // Only the hash is kept.
        #expect((row["secret_hash"] as Data) == Data(DynamicSecret.hash(secret)))
        #expect(!row.databaseValues.contains { $0.storage.value as? String == secret })

        let credential = try #require(try store.dynamicCredential(secret: secret, now: Self.t0 + 1))
        #expect(credential.token.id == token.id && credential.account.name == "shop" && credential.minInterval == 300)
        #expect(credential.hosts.count == 2)
        #expect(credential.host("nas.dyn.example.net.")?.wildcard == true)
        #expect(credential.host("shop.dyn.example.net.") == nil)
        #expect(credential.permits(source: ip("198.51.100.200")) && !credential.permits(source: ip("203.0.113.1")))
        #expect(credential.tsig == nil)

        #expect(try store.dynamicCredential(secret: secret + "x", now: Self.t0) == nil)
        #expect(try store.dynamicCredential(secret: secret, now: Self.t0 + 100) == nil)
        try store.revokeDynamicToken(token.id, now: Self.t0 + 2)
        #expect(try store.dynamicCredential(secret: secret, now: Self.t0 + 3) == nil)
        #expect(dynamicError { try store.revokeDynamicToken(token.id, now: Self.t0) } == .invalid("token \(token.id) is already revoked"))
        #expect(dynamicError { try store.revokeDynamicToken("00000000", now: Self.t0) } == .notFound("token", "00000000"))
        #expect(dynamicError { try store.createDynamicToken(account: "shop", hosts: ["cam.dyn.example.net"], now: Self.t0) }
            == .unknownHost("cam.dyn.example.net", "shop"))
    }

    @Test func aCredentialReadsOnlyTheHostsARequestNeeds() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let (_, secret) = try store.createDynamicToken(account: "shop", now: Self.t0)
        func hosts(_ selection: DynamicHostSelection) throws -> [String] {
            try #require(try store.dynamicCredential(secret: secret, now: Self.t0, hosts: selection)).hosts.map(\.fqdn.description).sorted()
        }
        #expect(try hosts(.all) == ["nas.dyn.example.net.", "shop.dyn.example.net."])
        #expect(try hosts(.named(["SHOP.dyn.example.net.", "cam.dyn.example.net."])) == ["shop.dyn.example.net."])
        #expect(try hosts(.named([])) == [])
        try store.addDynamicHost("cam.dyn.example.net", account: "shop", hostedZones: Self.zones, now: Self.t0)
        // Two of three: enough to see that the token has no only host.
        #expect(try hosts(.firstTwo).count == 2)
        let (_, scoped) = try store.createDynamicToken(account: "shop", hosts: ["cam.dyn.example.net"], now: Self.t0)
        let credential = try #require(try store.dynamicCredential(secret: scoped, now: Self.t0, hosts: .firstTwo))
        #expect(credential.hosts.map(\.fqdn) == ["cam.dyn.example.net."])
    }

    @Test func aBatchOfUpdatesIsOneTransactionAndOneFailureStaysAlone() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let before = try store.state().generation
        let results = try store.applyDynamicUpdates([
            DynamicUpdate(account: "shop", changes: [DynamicAddressChange(host: "shop.dyn.example.net.", addresses: ips("198.51.100.7"))],
                          rateStates: [DynamicRateState(key: "token:a", windowStart: Self.t0, count: 1)]),
            DynamicUpdate(account: "shop", changes: [DynamicAddressChange(host: "nas.dyn.example.net.", addresses: ips("198.51.100.8")),
                                                     DynamicAddressChange(host: "cam.dyn.example.net.", addresses: ips("198.51.100.9"))],
                          rateStates: [DynamicRateState(key: "token:b", windowStart: Self.t0, count: 1)]),
            DynamicUpdate(account: "shop", changes: [DynamicAddressChange(host: "nas.dyn.example.net.", addresses: ips("2001:db8::8"))]),
        ], now: Self.t0 + 5)
        #expect(results.count == 3)
        #expect((try? results[0].get())?.changed == ["shop.dyn.example.net."])
        #expect(results[1].failureValue == .unknownHost("cam.dyn.example.net.", "shop"))
        #expect((try? results[2].get())?.changed == ["nas.dyn.example.net."])
        // One generation for the batch; the failed update left nothing, not even its rate state.
        #expect(try store.state().generation == before + 1)
        let hosts = Dictionary(uniqueKeysWithValues: try store.activeDynamicHosts(now: Self.t0 + 5).map { ($0.fqdn, $0.addresses) })
        #expect(hosts["shop.dyn.example.net."] == ips("198.51.100.7"))
        #expect(hosts["nas.dyn.example.net."] == ips("2001:db8::8"))
        #expect(try store.rateStates(keys: ["token:a", "token:b"]).keys.sorted() == ["token:a"])
        #expect(try store.dynamicUsage(since: Self.t0).first?.good == 2)
    }

    @Test func aSuspendedAccountsCredentialSaysSo() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let (_, secret) = try store.createDynamicToken(account: "shop", now: Self.t0)
        try store.setDynamicAccount("shop", suspended: true, now: Self.t0)
        try store.setDynamicAccount("shop", expires: Self.t0 + 10, now: Self.t0)
        let credential = try #require(try store.dynamicCredential(secret: secret, now: Self.t0 + 20))
        #expect(credential.account.suspended && credential.accountExpired)
    }

    @Test func tsigTokensKeepTheirKeyAndUpdateLastUsed() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let (token, secret) = try store.createDynamicToken(account: "shop", hosts: ["shop.dyn.example.net"],
                                                          tsigAlgorithm: "HMAC-SHA256", now: Self.t0)
        let name = try #require(token.tsigName)
        #expect(name.description == "\(token.id).shop.ddns.")
        let credential = try #require(try store.dynamicCredential(tsigKey: name, now: Self.t0))
        #expect(credential.tsig == DynamicTSIGKey(name: name, algorithm: "hmac-sha256", secret: Array(Data(base64Encoded: secret) ?? Data())))
        #expect(credential.tsig?.secret.count == 32)
        // Printing the credential does not print the key.
        #expect(!String(describing: credential).contains(secret) && !String(reflecting: credential).contains(secret))
        #expect(!String(describing: credential).contains("\(credential.tsig?.secret ?? [])"))
        // The key is not a dyndns2 password.
        #expect(try store.dynamicCredential(secret: secret, now: Self.t0) == nil)

        try store.applyDynamicUpdate(account: "shop", token: token.id, changes: [
            DynamicAddressChange(host: "shop.dyn.example.net.", addresses: ips("2001:db8::5"))], now: Self.t0 + 5)
        #expect(try store.dynamicListing().tokens.first?.lastUsed == Self.t0 + 5)
        #expect(dynamicError { try store.createDynamicToken(account: "shop", tsigAlgorithm: "hmac-md5", now: Self.t0) } != nil)
    }

    @Test func rateStatesSurviveReopening() throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try Self.store(directory)
            try store.storeRateStates([DynamicRateState(key: "host:shop.dyn.example.net.", windowStart: Self.t0, count: 3),
                                       DynamicRateState(key: "ip:203.0.113.9", windowStart: Self.t0, count: 40, blockedUntil: Self.t0 + 900)])
            try store.applyDynamicUpdate(account: "shop", token: nil, changes: [],
                                         rateStates: [DynamicRateState(key: "host:shop.dyn.example.net.", windowStart: Self.t0, count: 4)],
                                         now: Self.t0)
        }
        let store = try HostStore(path: directory.databasePath)
        let states = try store.rateStates(keys: ["host:shop.dyn.example.net.", "ip:203.0.113.9", "ip:unknown"])
        #expect(states.count == 2)
        #expect(states["host:shop.dyn.example.net."]?.count == 4)
        #expect(states["ip:203.0.113.9"] == DynamicRateState(key: "ip:203.0.113.9", windowStart: Self.t0, count: 40, blockedUntil: Self.t0 + 900))
        #expect(try store.pruneRateStates(before: Self.t0 + 60) == 1)
        #expect(try store.rateStates(keys: ["host:shop.dyn.example.net.", "ip:203.0.113.9"]).keys.sorted() == ["ip:203.0.113.9"])
    }

    @Test func usageIsCountedPerUTCDay() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let day: Double = 86_400
        let start = (Self.t0 / day).rounded(.down) * day
        try store.countRefusedDynamicUpdates(account: "shop", now: start - 1)
        try store.countRefusedDynamicUpdates(account: "shop", count: 2, now: start)
        try store.countRefusedDynamicUpdates(account: "shop", now: start + day - 1)
        #expect(try store.dynamicUsage(since: start + 10).first?.refused == 3)
        #expect(try store.dynamicUsage(since: start - day).first?.refused == 4)
        #expect(try store.dynamicUsage(since: start + day).first?.refused == 0)
    }

    @Test func hostRemovalBumpsAndForgetsTheHost() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let generation = try store.state().generation
        try store.removeDynamicHost("NAS.dyn.example.net.", now: Self.t0)
        #expect(try store.state().generation == generation + 1)
        #expect(try store.activeDynamicHosts(now: Self.t0).map(\.fqdn) == ["shop.dyn.example.net."])
        #expect(dynamicError { try store.removeDynamicHost("nas.dyn.example.net", now: Self.t0) } == .notFound("host", "nas.dyn.example.net."))
    }

    @Test func aDatabaseFromBeforeDynamicDNSKeepsItsHosts() throws {
        let directory = try TemporaryDirectory()
        let queue = try DatabaseQueue(path: directory.databasePath)
        try HostStore.migrator().migrate(queue, upTo: HostStore.displacedByMigration)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO host (id, name, source, first_seen, last_seen) VALUES (1, 'printer', 'static', 1000, 1000);
                INSERT INTO host_address (host_id, address) VALUES (1, '198.51.100.20');
                """)
        }
        try queue.close()
        let store = try HostStore(path: directory.databasePath)
        #expect(try store.host(named: "printer")?.addresses == ips("198.51.100.20"))
        try store.addDynamicPlan(DynamicPlan(name: "basic", maxHosts: 1))
        #expect(try store.dynamicPlans().map(\.name) == ["basic"])
    }

    @Test func theMigrationIsRecorded() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        let applied = try store.read { db in try HostStore.migrator().appliedIdentifiers(db) }
        #expect(applied.contains(HostStore.dynamicMigration))
    }
}

extension Result {
    /// The error of a failure, nil for a success.
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
