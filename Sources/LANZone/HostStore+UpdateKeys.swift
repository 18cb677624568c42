import DNSWire
import Foundation
import GRDB

/// The TSIG keys of RFC 2136 UPDATE (`lannamed keys`), in the daemon's database so that a key
/// made at the command line works at once, without a restart.
extension HostStore {
    public func updateKey(named name: DomainName) throws(ZoneError) -> StoredUpdateKey? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM update_key WHERE name = ?"),
                             arguments: [Data(name.lowercasedWire)]).flatMap(Self.updateKey)
        }
    }

    public func updateKeys() throws(ZoneError) -> [StoredUpdateKey] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM update_key ORDER BY created").compactMap(Self.updateKey) }
    }

    /// Adds a key; an error when one of that name exists.
    public func addUpdateKey(_ key: StoredUpdateKey) throws(ZoneError) {
        try write { db in
            let exists = try Row.fetchOne(db, sql: "SELECT 1 FROM update_key WHERE name = ?", arguments: [Data(key.name.lowercasedWire)]) != nil
            if exists { throw ZoneError.invalidName(key.name.description, "a key of this name exists (remove it first)") }
            try db.execute(sql: """
                INSERT INTO update_key (name, algorithm, secret, zone, grants, types, created) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Data(key.name.lowercasedWire), key.algorithm, Data(key.secret), Data(key.zone.lowercasedWire),
                                 key.grants.joined(separator: " "), key.types.joined(separator: " "), key.created])
        }
    }

    @discardableResult
    public func removeUpdateKey(named name: DomainName) throws(ZoneError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM update_key WHERE name = ?", arguments: [Data(name.lowercasedWire)])
            return db.changesCount > 0
        }
    }

    static func updateKey(_ row: Row) -> StoredUpdateKey? {
        guard let name = DomainName(wireBytes: row["name"]), let zone = DomainName(wireBytes: row["zone"]) else { return nil }
        let grants: String = row["grants"], types: String = row["types"]
        return StoredUpdateKey(name: name, algorithm: row["algorithm"], secret: [UInt8](row["secret"] as Data), zone: zone,
                               grants: grants.split(separator: " ").map(String.init),
                               types: types.split(separator: " ").map(String.init), created: row["created"])
    }

    static func registerUpdateKeyMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7: TSIG keys for UPDATE") { db in
            try db.execute(sql: """
                CREATE TABLE update_key (
                    name BLOB PRIMARY KEY,
                    algorithm TEXT NOT NULL,
                    secret BLOB NOT NULL,
                    zone BLOB NOT NULL,
                    grants TEXT NOT NULL,
                    types TEXT NOT NULL,
                    created DOUBLE NOT NULL
                );
                """)
        }
    }
}
