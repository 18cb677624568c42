import DNSWire
import Foundation
import GRDB

/// Dynamic DNS in the same database as the hosts: plans, accounts, their hosts and addresses,
/// update tokens, usage per account and UTC day, and rate-limit states. This file holds the
/// schema and what the daemon and the update server call; `HostStore+DynamicAccounts` holds the
/// operator's changes.
///
/// Every change to what a hosted zone answers bumps the generation in the same transaction, as
/// host changes do: the daemon polls it and rebuilds its snapshot.
extension HostStore {
    static let dynamicMigration = "v6: dynamic DNS plans, accounts, hosts, tokens"

    /// Names are stored lower-cased in presentation form with the final dot; lists (a plan's
    /// zones, a token's hosts and subnets) as space-separated text, read only with their row.
    static func registerDynamicMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration(dynamicMigration) { db in
            try db.execute(sql: """
                CREATE TABLE ddns_plan (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    max_hosts INTEGER NOT NULL CHECK (max_hosts >= 0),
                    min_interval DOUBLE NOT NULL DEFAULT 60,
                    zones TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE ddns_account (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    plan_id INTEGER NOT NULL REFERENCES ddns_plan(id),
                    suspended BOOLEAN NOT NULL DEFAULT 0,
                    expires DOUBLE,
                    created DOUBLE NOT NULL,
                    password_hash TEXT
                );
                CREATE INDEX ddns_account_expires ON ddns_account(expires);
                CREATE TABLE ddns_host (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    fqdn TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    zone TEXT NOT NULL,
                    account_id INTEGER NOT NULL REFERENCES ddns_account(id) ON DELETE CASCADE,
                    wildcard BOOLEAN NOT NULL DEFAULT 0,
                    created DOUBLE NOT NULL,
                    updated DOUBLE
                );
                CREATE INDEX ddns_host_account ON ddns_host(account_id);
                CREATE TABLE ddns_host_address (
                    host_id INTEGER NOT NULL REFERENCES ddns_host(id) ON DELETE CASCADE,
                    address TEXT NOT NULL,
                    PRIMARY KEY (host_id, address)
                );
                CREATE TABLE ddns_token (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    public_id TEXT NOT NULL UNIQUE,
                    account_id INTEGER NOT NULL REFERENCES ddns_account(id) ON DELETE CASCADE,
                    secret_hash BLOB UNIQUE,
                    hosts TEXT NOT NULL DEFAULT '',
                    subnets TEXT NOT NULL DEFAULT '',
                    expires DOUBLE,
                    created DOUBLE NOT NULL,
                    revoked DOUBLE,
                    last_used DOUBLE,
                    tsig_name TEXT UNIQUE COLLATE NOCASE,
                    tsig_algorithm TEXT,
                    tsig_secret BLOB
                );
                CREATE INDEX ddns_token_account ON ddns_token(account_id);
                CREATE TABLE ddns_usage (
                    account TEXT NOT NULL COLLATE NOCASE,
                    day INTEGER NOT NULL,
                    good INTEGER NOT NULL DEFAULT 0,
                    nochg INTEGER NOT NULL DEFAULT 0,
                    refused INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (account, day)
                );
                CREATE TABLE ddns_rate (
                    key TEXT PRIMARY KEY,
                    window_start DOUBLE NOT NULL,
                    count INTEGER NOT NULL,
                    blocked_until DOUBLE
                );
                """)
        }
    }

    /// Runs `body` in one write transaction; errors other than `DynamicDNSError` become `.store`.
    func dynamicWrite<T>(_ body: (Database) throws -> T) throws(DynamicDNSError) -> T {
        do {
            return try pool.write { db in try body(db) }
        } catch let error as DynamicDNSError {
            throw error
        } catch {
            throw .store(Self.describe(error))
        }
    }

    func dynamicRead<T>(_ body: (Database) throws -> T) throws(DynamicDNSError) -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch let error as DynamicDNSError {
            throw error
        } catch {
            throw .store(Self.describe(error))
        }
    }

    // MARK: - What the daemon publishes

    /// Every host of an account that is neither suspended nor expired at `now`, with its addresses
    /// (possibly none) and wildcard flag, unordered. The hosts of other accounts are absent, so the
    /// zone answers NXDOMAIN for them; their addresses are kept for when the account comes back.
    public func activeDynamicHosts(now: Double) throws(DynamicDNSError) -> [DynamicHost] {
        try dynamicRead { db in
            try Self.dynamicHosts(db, where: "WHERE a.suspended = 0 AND (a.expires IS NULL OR a.expires > ?)", [now])
        }
    }

    /// The earliest account expiry after `now`, when the published hosts change without a write:
    /// the daemon rebuilds its snapshot then. Nil when no account expires later.
    public func nextDynamicExpiry(after now: Double) throws(DynamicDNSError) -> Double? {
        try dynamicRead { db in
            try Double.fetchOne(db.cachedStatement(sql: "SELECT min(expires) FROM ddns_account WHERE expires > ?"), arguments: [now])
        }
    }

    /// Hosts joined with their account, and their addresses read in a second scan.
    static func dynamicHosts(_ db: Database, where clause: String, _ arguments: StatementArguments) throws -> [DynamicHost] {
        var addresses: [Int64: [IPAddress]] = [:]
        let addressRows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT x.host_id, x.address FROM ddns_host_address x
            JOIN ddns_host h ON h.id = x.host_id JOIN ddns_account a ON a.id = h.account_id \(clause)
            """), arguments: arguments)
        while let row = try addressRows.next() {
            let text: String = row[1]
            if let address = IPAddress(text) { addresses[row[0], default: []].append(address) }
        }
        var hosts: [DynamicHost] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT h.id, h.fqdn, h.zone, a.name, h.wildcard, h.created, h.updated
            FROM ddns_host h JOIN ddns_account a ON a.id = h.account_id \(clause)
            """), arguments: arguments)
        while let row = try rows.next() {
            guard let fqdn = try? DomainName(row[1] as String), let zone = try? DomainName(row[2] as String) else { continue }
            hosts.append(DynamicHost(fqdn: fqdn, zone: zone, account: row[3], wildcard: row[4],
                                     addresses: (addresses[row[0]] ?? []).sorted(), created: row[5], updated: row[6]))
        }
        return hosts
    }

    /// The hosts of an account named in `names` (stored spelling: lower case, final dot).
    static func dynamicHosts(_ db: Database, account: Int64, named names: [String]) throws -> [DynamicHost] {
        let wanted = Array(Set(names))
        guard !wanted.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: wanted.count).joined(separator: ",")
        return try dynamicHosts(db, where: "WHERE h.account_id = ? AND h.fqdn IN (\(marks))",
                                StatementArguments([account] + wanted.map { $0 as (any DatabaseValueConvertible) }))
    }

    // MARK: - What the update server reads and writes

    /// The token whose secret is `secret`, with its account, plan pace and the account's hosts
    /// that `hosts` selects; nil when no token has it, or it is revoked or expired at `now`. A
    /// suspended or expired account is returned (with `account.suspended` / `accountExpired`) so
    /// that the server can say why it refuses.
    public func dynamicCredential(secret: String, now: Double,
                                  hosts: DynamicHostSelection = .all) throws(DynamicDNSError) -> DynamicCredential? {
        let hash = DynamicSecret.hash(secret)
        return try dynamicRead { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "\(Self.tokenColumns) WHERE t.secret_hash = ?"),
                                             arguments: [Data(hash)]) else { return nil }
            // Found by an index on the hash; compared again without an early exit all the same.
            let stored: Data = row["secret_hash"]
            guard DynamicSecret.constantTimeEqual(Array(stored), hash) else { return nil }
            return try Self.credential(db, row, now: now, hosts: hosts)
        }
    }

    /// The RFC 2136 token whose TSIG key is named `keyName`, with the key; nil as for
    /// `dynamicCredential(secret:now:)`.
    public func dynamicCredential(tsigKey keyName: DomainName, now: Double) throws(DynamicDNSError) -> DynamicCredential? {
        try dynamicRead { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "\(Self.tokenColumns) WHERE t.tsig_name = ?"),
                                             arguments: [keyName.lowercased.description]) else { return nil }
            return try Self.credential(db, row, now: now)
        }
    }

    static let tokenColumns = """
        SELECT t.public_id, t.secret_hash, t.hosts, t.subnets, t.expires, t.created, t.revoked, t.last_used,
               t.tsig_name, t.tsig_algorithm, t.tsig_secret, t.account_id,
               a.name AS account, a.suspended, a.expires AS account_expires, a.created AS account_created,
               p.name AS plan, p.min_interval
        FROM ddns_token t JOIN ddns_account a ON a.id = t.account_id JOIN ddns_plan p ON p.id = a.plan_id
        """

    static func token(_ row: Row, account: String) -> DynamicToken {
        DynamicToken(
            id: row["public_id"], account: account, hosts: names(row["hosts"]), subnets: prefixes(row["subnets"]),
            expires: row["expires"], created: row["created"], revoked: row["revoked"], lastUsed: row["last_used"],
            tsigName: (row["tsig_name"] as String?).flatMap { try? DomainName($0) }, tsigAlgorithm: row["tsig_algorithm"])
    }

    static func credential(_ db: Database, _ row: Row, now: Double,
                           hosts selection: DynamicHostSelection = .all) throws -> DynamicCredential? {
        let token = token(row, account: row["account"])
        guard token.isUsable(at: now) else { return nil }
        let account = DynamicAccount(name: row["account"], plan: row["plan"], suspended: row["suspended"],
                                     expires: row["account_expires"], created: row["account_created"])
        let accountID: Int64 = row["account_id"]
        let hosts: [DynamicHost]
        switch selection {
        case .all:
            hosts = try dynamicHosts(db, where: "WHERE h.account_id = ?", [accountID])
        case .named(let names):
            hosts = try dynamicHosts(db, account: accountID, named: names.map { $0.lowercased.description })
        case .firstTwo where !token.hosts.isEmpty:
            hosts = try dynamicHosts(db, account: accountID, named: token.hosts.map { $0.lowercased.description })
        case .firstTwo:
            let names = try String.fetchAll(db.cachedStatement(sql: "SELECT fqdn FROM ddns_host WHERE account_id = ? LIMIT 2"),
                                            arguments: [accountID])
            hosts = try dynamicHosts(db, account: accountID, named: names)
        }
        var tsig: DynamicTSIGKey?
        if let name = token.tsigName, let algorithm = token.tsigAlgorithm, let secret = row["tsig_secret"] as Data? {
            tsig = DynamicTSIGKey(name: name, algorithm: algorithm, secret: Array(secret))
        }
        return DynamicCredential(token: token, account: account, minInterval: row["min_interval"], hosts: hosts,
                                 tsig: tsig, accountExpired: account.isExpired(at: now))
    }

    /// Applies one accepted update in one transaction, all or nothing: each host's addresses
    /// become exactly those given (a host the account does not own throws `.unknownHost` and
    /// nothing is written), every host's `updated` becomes `now`, the account's usage of the UTC
    /// day counts the changed hosts as good and the others as nochg (plus `refused`), the token's
    /// last use becomes `now` and `rateStates` are stored. The generation is bumped only when an
    /// address changed. Reads only the rows concerned, through cached statements.
    @discardableResult
    public func applyDynamicUpdate(account: String, token: String?, changes: [DynamicAddressChange],
                                   refused: Int = 0, rateStates: [DynamicRateState] = [],
                                   now: Double) throws(DynamicDNSError) -> DynamicUpdateOutcome {
        let update = DynamicUpdate(account: account, token: token, changes: changes, refused: refused, rateStates: rateStates)
        let outcome = try rateStatesWrite(rateStates) { db in
            let outcome = try Self.apply(update, db, now: now)
            if !outcome.changed.isEmpty { try Self.bump(db, now: now) }
            return outcome
        }
        return outcome
    }

    /// Applies several updates in one transaction (one commit, one sync to disk, one generation
    /// for all of them): each as `applyDynamicUpdate` would, in a savepoint of its own, so one
    /// that fails (a host gone meanwhile) leaves the others applied. The outcomes come in the
    /// order of `updates`; the call throws only when the transaction itself fails.
    public func applyDynamicUpdates(_ updates: [DynamicUpdate],
                                    now: Double) throws(DynamicDNSError) -> [Result<DynamicUpdateOutcome, DynamicDNSError>] {
        let results: [Result<DynamicUpdateOutcome, DynamicDNSError>]
        do {
            results = try dynamicWrite { db in
                var results: [Result<DynamicUpdateOutcome, DynamicDNSError>] = []
                results.reserveCapacity(updates.count)
                var changed = false
                for update in updates {
                    var outcome = DynamicUpdateOutcome()
                    do {
                        try db.inSavepoint {
                            outcome = try Self.apply(update, db, now: now)
                            return .commit
                        }
                        changed = changed || !outcome.changed.isEmpty
                        results.append(.success(outcome))
                    } catch let error as DynamicDNSError {
                        results.append(.failure(error))
                    } catch {
                        results.append(.failure(.store(Self.describe(error))))
                    }
                }
                if changed { try Self.bump(db, now: now) }
                return results
            }
        } catch {
            rateCache.clear()
            throw error
        }
        // Only the updates that went in stored their rate states.
        for (update, result) in zip(updates, results) {
            if case .success = result { rateCache.remember(written: update.rateStates) }
        }
        return results
    }

    /// A write that stores `states` among other things: the cache learns them once it commits,
    /// and forgets everything when the outcome is unknown.
    func rateStatesWrite<T>(_ states: [DynamicRateState], _ body: (Database) throws -> T) throws(DynamicDNSError) -> T {
        do {
            let result = try dynamicWrite(body)
            rateCache.remember(written: states)
            return result
        } catch {
            rateCache.clear()
            throw error
        }
    }

    /// One update's writes, inside the caller's transaction; the generation is the caller's.
    static func apply(_ update: DynamicUpdate, _ db: Database, now: Double) throws -> DynamicUpdateOutcome {
        let account = update.account
        var outcome = DynamicUpdateOutcome()
        for change in update.changes {
            let name = change.host.lowercased.description
            guard let id = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT h.id FROM ddns_host h JOIN ddns_account a ON a.id = h.account_id WHERE h.fqdn = ? AND a.name = ?
                """), arguments: [name, account]) else {
                throw DynamicDNSError.unknownHost(name, account)
            }
            let wanted = Array(Set(change.addresses)).sorted()
            let current = try String.fetchAll(db.cachedStatement(sql: "SELECT address FROM ddns_host_address WHERE host_id = ?"),
                                              arguments: [id]).compactMap { IPAddress($0) }.sorted()
            if current == wanted {
                outcome.unchanged.append(change.host)
            } else {
                try db.cachedStatement(sql: "DELETE FROM ddns_host_address WHERE host_id = ?").execute(arguments: [id])
                for address in wanted {
                    try db.cachedStatement(sql: "INSERT INTO ddns_host_address (host_id, address) VALUES (?, ?)")
                        .execute(arguments: [id, address.description])
                }
                outcome.changed.append(change.host)
            }
            try db.cachedStatement(sql: "UPDATE ddns_host SET updated = ? WHERE id = ?").execute(arguments: [now, id])
        }
        try Self.countUsage(db, account: account, good: outcome.changed.count, nochg: outcome.unchanged.count,
                            refused: update.refused, now: now)
        if let token = update.token {
            try db.cachedStatement(sql: "UPDATE ddns_token SET last_used = ? WHERE public_id = ?").execute(arguments: [now, token])
        }
        try Self.storeRateStates(db, update.rateStates)
        return outcome
    }

    /// Counts refused requests of an account (bad host, too fast, wrong source) and stores rate
    /// states, in one transaction.
    public func countRefusedDynamicUpdates(account: String, count: Int = 1, rateStates: [DynamicRateState] = [],
                                           now: Double) throws(DynamicDNSError) {
        try rateStatesWrite(rateStates) { db in
            try Self.countUsage(db, account: account, good: 0, nochg: 0, refused: count, now: now)
            try Self.storeRateStates(db, rateStates)
        }
    }

    /// The UTC day of `time`, as days since 1970-01-01: the usage table's key.
    public static func utcDay(_ time: Double) -> Int64 { Int64((time / 86_400).rounded(.down)) }

    static func countUsage(_ db: Database, account: String, good: Int, nochg: Int, refused: Int, now: Double) throws {
        guard good + nochg + refused > 0 else { return }
        try db.cachedStatement(sql: """
            INSERT INTO ddns_usage (account, day, good, nochg, refused) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(account, day) DO UPDATE SET good = good + excluded.good, nochg = nochg + excluded.nochg,
                refused = refused + excluded.refused
            """).execute(arguments: [account.lowercased(), utcDay(now), good, nochg, refused])
    }

    // MARK: - Rate states

    /// The stored states of `keys` (absent keys have none).
    public func rateStates(keys: [String]) throws(DynamicDNSError) -> [String: DynamicRateState] {
        let cached = rateCache.lookup(keys)
        if let known = cached.found { return known }
        let found = try dynamicRead { db in
            var states: [String: DynamicRateState] = [:]
            for key in keys {
                if let row = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT key, window_start, count, blocked_until FROM ddns_rate WHERE key = ?
                    """), arguments: [key]) {
                    states[key] = DynamicRateState(key: row[0], windowStart: row[1], count: row[2], blockedUntil: row[3])
                }
            }
            return states
        }
        rateCache.remember(read: keys, found, writes: cached.writes)
        return found
    }

    /// The states of `keys` when all of them are known without reading the database; nil when
    /// `rateStates(keys:)` has to read it.
    public func cachedRateStates(keys: [String]) -> [String: DynamicRateState]? {
        rateCache.lookup(keys).found
    }

    public func storeRateStates(_ states: [DynamicRateState]) throws(DynamicDNSError) {
        guard !states.isEmpty else { return }
        try rateStatesWrite(states) { db in try Self.storeRateStates(db, states) }
    }

    /// Drops the states whose window started before `time` and that block nothing after it, so
    /// the table holds only the clients seen lately. Returns how many were dropped.
    @discardableResult
    public func pruneRateStates(before time: Double) throws(DynamicDNSError) -> Int {
        defer { rateCache.clear() }
        return try dynamicWrite { db in
            try db.execute(sql: "DELETE FROM ddns_rate WHERE window_start < ? AND (blocked_until IS NULL OR blocked_until < ?)",
                           arguments: [time, time])
            return db.changesCount
        }
    }

    static func storeRateStates(_ db: Database, _ states: [DynamicRateState]) throws {
        for state in states {
            try db.cachedStatement(sql: """
                INSERT INTO ddns_rate (key, window_start, count, blocked_until) VALUES (?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET window_start = excluded.window_start, count = excluded.count,
                    blocked_until = excluded.blocked_until
                """).execute(arguments: [state.key, state.windowStart, state.count, state.blockedUntil])
        }
    }

    // MARK: - Stored lists

    static func names(_ text: String) -> [DomainName] {
        text.split(separator: " ").compactMap { try? DomainName(String($0)) }
    }

    static func prefixes(_ text: String) -> [AddressPrefix] {
        text.split(separator: " ").compactMap { try? AddressPrefix(parsing: String($0)) }
    }

    static func text(_ names: [DomainName]) -> String { names.map { $0.lowercased.description }.joined(separator: " ") }
}

extension HostStore {
    /// The dynamic DNS host of this name, whatever its account's state; nil when there is none.
    public func dynamicHost(named name: DomainName) throws(DynamicDNSError) -> DynamicHost? {
        try dynamicRead { db in
            try Self.dynamicHosts(db, where: "WHERE h.fqdn = ?", [name.lowercased.description]).first
        }
    }
}
