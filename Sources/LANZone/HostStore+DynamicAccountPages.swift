import GRDB

// What a dynamic DNS customer sees of their own account (the customer pages), and the account
// password they sign in with.

/// One account with its hosts and tokens (no secrets).
public struct DynamicAccountView: Sendable, Hashable {
    public var account: DynamicAccount
    public var hosts: [DynamicHost]
    public var tokens: [DynamicToken]
}

extension HostStore {
    /// Sets (nil: removes) the bcrypt hash of an account's password; false when there is no such account.
    @discardableResult
    public func setDynamicAccountPasswordHash(_ name: String, to hash: String?) throws(DynamicDNSError) -> Bool {
        try dynamicWrite { db in
            try db.execute(sql: "UPDATE ddns_account SET password_hash = ? WHERE name = ?", arguments: [hash, name])
            return db.changesCount > 0
        }
    }

    /// The account's password hash; nil when the account or its password does not exist.
    public func dynamicAccountPasswordHash(_ name: String) throws(DynamicDNSError) -> String? {
        try dynamicRead { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM ddns_account WHERE name = ?", arguments: [name])
        }
    }

    /// The account `name` with its hosts (and their addresses) and tokens; nil when there is none.
    public func dynamicAccountView(_ name: String) throws(DynamicDNSError) -> DynamicAccountView? {
        try dynamicRead { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT a.id, a.name, p.name, a.suspended, a.expires, a.created
                FROM ddns_account a JOIN ddns_plan p ON p.id = a.plan_id WHERE a.name = ?
                """, arguments: [name]) else { return nil }
            let id: Int64 = row[0]
            let account = DynamicAccount(name: row[1], plan: row[2], suspended: row[3], expires: row[4], created: row[5])
            let hosts = try Self.dynamicHosts(db, where: "WHERE h.account_id = ?", [id]).sorted { $0.fqdn < $1.fqdn }
            let tokens = try Row.fetchAll(db, sql: "\(Self.tokenColumns) WHERE t.account_id = ? ORDER BY t.created, t.public_id",
                                          arguments: [id]).map { Self.token($0, account: account.name) }
            return DynamicAccountView(account: account, hosts: hosts, tokens: tokens)
        }
    }
}
