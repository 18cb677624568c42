import Foundation
import GRDB

// Admin API tokens: `lannamed admin token create` makes one, the REST API checks them.

extension HostStore {
    /// Makes a token; returns it and its secret, which is not stored and cannot be shown again.
    public func createAdminToken(name: String, readOnly: Bool, now: Double? = nil) throws(ZoneError) -> (AdminToken, String) {
        let now = now ?? clock.now()
        let id = DynamicSecret.publicID()
        let secret = "lnm_\(id)_\(DynamicSecret.make())"
        let token = AdminToken(id: id, name: name, readOnly: readOnly, created: now)
        try write { db in
            try db.execute(sql: "INSERT INTO admin_token (id, name, hash, read_only, created) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, name, Data(DynamicSecret.hash(secret)), readOnly, now])
        }
        return (token, secret)
    }

    /// Every token, oldest first.
    public func adminTokens() throws(ZoneError) -> [AdminToken] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, read_only, created FROM admin_token ORDER BY created, id").map {
                AdminToken(id: $0["id"], name: $0["name"], readOnly: $0["read_only"], created: $0["created"])
            }
        }
    }

    /// Revokes the token `id`; false when there is none.
    @discardableResult
    public func revokeAdminToken(id: String) throws(ZoneError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM admin_token WHERE id = ?", arguments: [id.lowercased()])
            return db.changesCount > 0
        }
    }

    /// The token whose secret this is (its hash compared in constant time); nil for any other text.
    public func adminToken(secret: String) throws(ZoneError) -> AdminToken? {
        guard let id = AdminToken.id(inSecret: secret) else { return nil }
        let found = try read { db -> (AdminToken, [UInt8])? in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, name, hash, read_only, created FROM admin_token WHERE id = ?",
                                             arguments: [id]) else { return nil }
            return (AdminToken(id: row["id"], name: row["name"], readOnly: row["read_only"], created: row["created"]),
                    [UInt8](row["hash"] as Data))
        }
        guard let (token, hash) = found, DynamicSecret.constantTimeEqual(hash, DynamicSecret.hash(secret)) else { return nil }
        return token
    }

    static func registerAdminTokenMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9: admin API tokens") { db in
            try db.execute(sql: """
                CREATE TABLE admin_token (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    hash BLOB NOT NULL,
                    read_only INTEGER NOT NULL,
                    created DOUBLE NOT NULL
                );
                """)
        }
    }
}
