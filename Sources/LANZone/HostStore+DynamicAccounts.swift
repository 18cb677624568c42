import DNSWire
import Foundation
import GRDB

/// The operator's changes to dynamic DNS: plans, accounts, hosts and tokens (`lannamed ddns`).
/// Changes that alter what a hosted zone answers (hosts, an account's suspension, expiry or
/// removal) bump the generation in their transaction; adding or removing a host always does,
/// since an empty host answers NODATA where there was NXDOMAIN.
extension HostStore {
    /// TSIG algorithms a token's key may use, with the key length made for each (the hash's size).
    public static let dynamicTSIGAlgorithms: [String: Int] = [
        "hmac-sha1": 20, "hmac-sha256": 32, "hmac-sha384": 48, "hmac-sha512": 64,
    ]

    // MARK: - Plans

    public func addDynamicPlan(_ plan: DynamicPlan) throws(DynamicDNSError) {
        let name = try DynamicHostName.accountLabel(plan.name, kind: "plan")
        guard plan.maxHosts >= 0 else { throw .invalid("plan \(name): the host limit cannot be negative") }
        guard plan.minInterval >= 0, plan.minInterval.isFinite else {
            throw .invalid("plan \(name): the minimum interval must be 0 or more seconds")
        }
        try dynamicWrite { db in
            guard try Self.planID(db, name) == nil else { throw DynamicDNSError.exists("plan", name) }
            try db.execute(sql: "INSERT INTO ddns_plan (name, max_hosts, min_interval, zones) VALUES (?, ?, ?, ?)",
                           arguments: [name, plan.maxHosts, plan.minInterval, Self.text(plan.zones)])
        }
    }

    public func dynamicPlans() throws(DynamicDNSError) -> [DynamicPlan] {
        try dynamicRead { db in try Self.plans(db) }
    }

    static func plans(_ db: Database) throws -> [DynamicPlan] {
        try Row.fetchAll(db, sql: "SELECT name, max_hosts, min_interval, zones FROM ddns_plan ORDER BY name").map { row in
            DynamicPlan(name: row[0], maxHosts: row[1], minInterval: row[2], zones: names(row[3]))
        }
    }

    static func planID(_ db: Database, _ name: String) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM ddns_plan WHERE name = ?"), arguments: [name])
    }

    static func accountID(_ db: Database, _ name: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM ddns_account WHERE name = ?"), arguments: [name]) else {
            throw DynamicDNSError.notFound("account", name)
        }
        return id
    }

    // MARK: - Accounts

    @discardableResult
    public func addDynamicAccount(name: String, plan: String, expires: Double? = nil, now: Double) throws(DynamicDNSError) -> DynamicAccount {
        let name = try DynamicHostName.accountLabel(name, kind: "account")
        return try dynamicWrite { db in
            guard let planID = try Self.planID(db, plan) else { throw DynamicDNSError.notFound("plan", plan) }
            if try Int64.fetchOne(db, sql: "SELECT id FROM ddns_account WHERE name = ?", arguments: [name]) != nil {
                throw DynamicDNSError.exists("account", name)
            }
            try db.execute(sql: "INSERT INTO ddns_account (name, plan_id, expires, created) VALUES (?, ?, ?, ?)",
                           arguments: [name, planID, expires, now])
            return DynamicAccount(name: name, plan: plan.lowercased(), expires: expires, created: now)
        }
    }

    /// Suspends or resumes an account: its hosts leave the zone or come back with their last
    /// addresses. Returns false when it already was so.
    @discardableResult
    public func setDynamicAccount(_ name: String, suspended: Bool, now: Double) throws(DynamicDNSError) -> Bool {
        try dynamicWrite { db in
            let id = try Self.accountID(db, name)
            try db.execute(sql: "UPDATE ddns_account SET suspended = ? WHERE id = ? AND suspended != ?",
                           arguments: [suspended, id, suspended])
            guard db.changesCount > 0 else { return false }
            try Self.bump(db, now: now)
            return true
        }
    }

    /// Sets when an account expires (nil = never), a renewal or a shortened term.
    public func setDynamicAccount(_ name: String, expires: Double?, now: Double) throws(DynamicDNSError) {
        try dynamicWrite { db in
            let id = try Self.accountID(db, name)
            try db.execute(sql: "UPDATE ddns_account SET expires = ? WHERE id = ?", arguments: [expires, id])
            try Self.bump(db, now: now)
        }
    }

    /// Removes an account with its hosts and tokens. Its usage counts stay, for billing.
    public func removeDynamicAccount(_ name: String, now: Double) throws(DynamicDNSError) {
        try dynamicWrite { db in
            let id = try Self.accountID(db, name)
            try db.execute(sql: "DELETE FROM ddns_account WHERE id = ?", arguments: [id])
            try Self.bump(db, now: now)
        }
    }

    // MARK: - Hosts

    /// Adds a host, without addresses, after `DynamicHostName`'s rules and the plan's limit.
    /// - Parameter hostedZones: the zones this server hosts for dynamic names.
    @discardableResult
    public func addDynamicHost(_ text: String, account: String, wildcard: Bool = false, hostedZones: [DomainName],
                               now: Double) throws(DynamicDNSError) -> DynamicHost {
        try dynamicWrite { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT a.id, a.name, p.name, p.max_hosts, p.zones FROM ddns_account a JOIN ddns_plan p ON p.id = a.plan_id
                WHERE a.name = ?
                """, arguments: [account]) else { throw DynamicDNSError.notFound("account", account) }
            let accountID: Int64 = row[0]
            let accountName: String = row[1], plan: String = row[2], maximum: Int = row[3]
            let owned = try String.fetchAll(db, sql: "SELECT fqdn FROM ddns_host WHERE account_id = ?", arguments: [accountID])
                .compactMap { try? DomainName($0) }
            let name = try DynamicHostName(text, hostedZones: hostedZones, planZones: Self.names(row[4]), plan: plan,
                                           account: accountName, accountHosts: owned)
            if try Int64.fetchOne(db, sql: "SELECT id FROM ddns_host WHERE fqdn = ?", arguments: [name.fqdn.description]) != nil {
                throw DynamicDNSError.exists("host", name.fqdn.description)
            }
            guard owned.count < maximum else {
                throw DynamicDNSError.hostLimit(account: accountName, hosts: owned.count, maximum: maximum, plan: plan)
            }
            try db.execute(sql: "INSERT INTO ddns_host (fqdn, zone, account_id, wildcard, created) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name.fqdn.description, name.zone.description, accountID, wildcard, now])
            try Self.bump(db, now: now)
            return DynamicHost(fqdn: name.fqdn, zone: name.zone, account: accountName, wildcard: wildcard, created: now)
        }
    }

    /// Adds many hosts to one account in one transaction (`lannamed ddns host import`), each
    /// after the same rules as `addDynamicHost` (a name of several labels may lie below a host
    /// added earlier in the list). All or nothing: one bad name, a name taken, or going over the
    /// plan's limit fails the whole list. The generation moves once.
    /// - Returns: the hosts added, in the order given.
    @discardableResult
    public func importDynamicHosts(_ texts: [String], account: String, wildcard: Bool = false, hostedZones: [DomainName],
                                   now: Double) throws(DynamicDNSError) -> [DynamicHost] {
        guard !texts.isEmpty else { return [] }
        return try dynamicWrite { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT a.id, a.name, p.name, p.max_hosts, p.zones FROM ddns_account a JOIN ddns_plan p ON p.id = a.plan_id
                WHERE a.name = ?
                """, arguments: [account]) else { throw DynamicDNSError.notFound("account", account) }
            let accountID: Int64 = row[0]
            let accountName: String = row[1], plan: String = row[2], maximum: Int = row[3]
            let planZones = Self.names(row[4])
            var owned = try String.fetchAll(db, sql: "SELECT fqdn FROM ddns_host WHERE account_id = ?", arguments: [accountID])
                .compactMap { try? DomainName($0) }
            guard owned.count + texts.count <= maximum else {
                throw DynamicDNSError.invalid("account \(accountName) has \(owned.count) hosts; \(texts.count) more would go over "
                                              + "the \(maximum) of plan \(plan)")
            }
            let taken = try db.cachedStatement(sql: "SELECT id FROM ddns_host WHERE fqdn = ?")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO ddns_host (fqdn, zone, account_id, wildcard, created) VALUES (?, ?, ?, ?, ?)
                """)
            var added: [DynamicHost] = []
            added.reserveCapacity(texts.count)
            for text in texts {
                let name = try DynamicHostName(text, hostedZones: hostedZones, planZones: planZones, plan: plan,
                                               account: accountName, accountHosts: owned)
                if try Int64.fetchOne(taken, arguments: [name.fqdn.description]) != nil {
                    throw DynamicDNSError.exists("host", name.fqdn.description)
                }
                try insert.execute(arguments: [name.fqdn.description, name.zone.description, accountID, wildcard, now])
                owned.append(name.fqdn)
                added.append(DynamicHost(fqdn: name.fqdn, zone: name.zone, account: accountName, wildcard: wildcard, created: now))
            }
            try Self.bump(db, now: now)
            return added
        }
    }

    /// Removes a host and its addresses (tokens that named it no longer can update it).
    public func removeDynamicHost(_ text: String, now: Double) throws(DynamicDNSError) {
        let name = (try? DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root))?.lowercased.description ?? text
        try dynamicWrite { db in
            try db.execute(sql: "DELETE FROM ddns_host WHERE fqdn = ?", arguments: [name])
            guard db.changesCount > 0 else { throw DynamicDNSError.notFound("host", name) }
            try Self.bump(db, now: now)
        }
    }

    // MARK: - Tokens

    /// Creates a token and returns it with its secret, the only time the secret is known: a
    /// dyndns2 token's secret (only its SHA-256 is stored), or with `tsigAlgorithm` the base64 key
    /// of an RFC 2136 token named `<id>.<account>.ddns.` (stored as it is: see `DynamicTSIGKey`).
    /// - Parameters:
    ///   - hosts: hosts of the account it may update; empty = all of them.
    ///   - subnets: source prefixes it may be used from; empty = any.
    public func createDynamicToken(account: String, hosts: [String] = [], subnets: [AddressPrefix] = [],
                                   expires: Double? = nil, tsigAlgorithm: String? = nil,
                                   now: Double) throws(DynamicDNSError) -> (token: DynamicToken, secret: String) {
        var keyLength: Int?
        if let tsigAlgorithm {
            guard let length = Self.dynamicTSIGAlgorithms[tsigAlgorithm.lowercased()] else {
                throw .invalid("TSIG algorithm \(tsigAlgorithm) is not one of \(Self.dynamicTSIGAlgorithms.keys.sorted().joined(separator: ", "))")
            }
            keyLength = length
        }
        return try dynamicWrite { db in
            let accountID = try Self.accountID(db, account)
            let accountName = try String.fetchOne(db, sql: "SELECT name FROM ddns_account WHERE id = ?", arguments: [accountID]) ?? account
            var scope: [DomainName] = []
            for text in hosts {
                guard let name = try? DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root).lowercased,
                      try Int64.fetchOne(db, sql: "SELECT id FROM ddns_host WHERE fqdn = ? AND account_id = ?",
                                         arguments: [name.description, accountID]) != nil else {
                    throw DynamicDNSError.unknownHost(text, accountName)
                }
                if !scope.contains(name) { scope.append(name) }
            }
            var id = DynamicSecret.publicID()
            while try Int64.fetchOne(db, sql: "SELECT id FROM ddns_token WHERE public_id = ?", arguments: [id]) != nil {
                id = DynamicSecret.publicID()
            }
            var token = DynamicToken(id: id, account: accountName, hosts: scope, subnets: subnets, expires: expires, created: now)
            let secret: String
            var hash: Data?, key: Data?
            if let keyLength, let algorithm = tsigAlgorithm?.lowercased() {
                let bytes = DynamicSecret.key(bytes: keyLength)
                secret = Data(bytes).base64EncodedString()
                key = Data(bytes)
                token.tsigName = try DomainName("\(id).\(accountName).ddns.")
                token.tsigAlgorithm = algorithm
            } else {
                secret = DynamicSecret.make()
                hash = Data(DynamicSecret.hash(secret))
            }
            try db.execute(sql: """
                INSERT INTO ddns_token (public_id, account_id, secret_hash, hosts, subnets, expires, created,
                                        tsig_name, tsig_algorithm, tsig_secret)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, accountID, hash, Self.text(scope), subnets.map(\.description).joined(separator: " "),
                                 expires, now, token.tsigName?.description, token.tsigAlgorithm, key])
            return (token, secret)
        }
    }

    /// Revokes a token by its public id; it stays listed with the time.
    public func revokeDynamicToken(_ id: String, now: Double) throws(DynamicDNSError) {
        try dynamicWrite { db in
            try db.execute(sql: "UPDATE ddns_token SET revoked = ? WHERE public_id = ? AND revoked IS NULL",
                           arguments: [now, id.lowercased()])
            guard db.changesCount > 0 else {
                if try Int64.fetchOne(db, sql: "SELECT id FROM ddns_token WHERE public_id = ?", arguments: [id.lowercased()]) != nil {
                    throw DynamicDNSError.invalid("token \(id) is already revoked")
                }
                throw DynamicDNSError.notFound("token", id)
            }
        }
    }

    // MARK: - Listings

    /// Plans, accounts, hosts (with addresses) and tokens (without secrets), each sorted by name.
    public func dynamicListing() throws(DynamicDNSError) -> DynamicListing {
        try dynamicRead { db in
            let accounts = try Row.fetchAll(db, sql: """
                SELECT a.name, p.name, a.suspended, a.expires, a.created
                FROM ddns_account a JOIN ddns_plan p ON p.id = a.plan_id ORDER BY a.name
                """).map { row in
                DynamicAccount(name: row[0], plan: row[1], suspended: row[2], expires: row[3], created: row[4])
            }
            let hosts = try Self.dynamicHosts(db, where: "", []).sorted { ($0.account, $0.fqdn) < ($1.account, $1.fqdn) }
            let tokens = try Row.fetchAll(db, sql: "\(Self.tokenColumns) ORDER BY a.name, t.created, t.public_id").map { row in
                Self.token(row, account: row["account"])
            }
            return DynamicListing(plans: try Self.plans(db), accounts: accounts, hosts: hosts, tokens: tokens)
        }
    }

    /// Per account, from the UTC day of `since` on: hosts now held and updates counted. Removed
    /// accounts with counts in the period are listed without a plan.
    public func dynamicUsage(since: Double) throws(DynamicDNSError) -> [DynamicUsage] {
        try dynamicRead { db in
            var usage: [String: DynamicUsage] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT a.name, p.name, (SELECT count(*) FROM ddns_host h WHERE h.account_id = a.id)
                FROM ddns_account a JOIN ddns_plan p ON p.id = a.plan_id
                """) {
                let name: String = row[0]
                usage[name.lowercased()] = DynamicUsage(account: name, plan: row[1], hosts: row[2], good: 0, nochg: 0, refused: 0)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT account, sum(good), sum(nochg), sum(refused) FROM ddns_usage WHERE day >= ? GROUP BY account
                """, arguments: [Self.utcDay(since)]) {
                let name: String = row[0]
                var entry = usage[name.lowercased()] ?? DynamicUsage(account: name, plan: nil, hosts: 0, good: 0, nochg: 0, refused: 0)
                entry.good = row[1]
                entry.nochg = row[2]
                entry.refused = row[3]
                usage[name.lowercased()] = entry
            }
            return usage.values.sorted { $0.account < $1.account }
        }
    }
}
