import DNSWire
import GRDB

// The change log: SQLite triggers note the name of every host whose DNS-visible data changes
// (a row added or removed, its name, source, first-seen time or PTR flag, an address), whoever
// writes it (DHCP, the CLI, UPDATE). The daemon patches its snapshot from the names noted since
// the one it serves, instead of reading every host again.

extension HostStore {
    static func registerChangeLogMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9: a log of the host names that changed") { db in
            try db.execute(sql: """
                CREATE TABLE host_change (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                CREATE TRIGGER host_change_insert AFTER INSERT ON host BEGIN
                    INSERT INTO host_change (name) VALUES (NEW.name);
                END;
                CREATE TRIGGER host_change_update AFTER UPDATE OF name, source, first_seen, ptr ON host BEGIN
                    INSERT INTO host_change (name) VALUES (OLD.name);
                    INSERT INTO host_change (name) VALUES (NEW.name);
                END;
                CREATE TRIGGER host_change_delete AFTER DELETE ON host BEGIN
                    INSERT INTO host_change (name) VALUES (OLD.name);
                END;
                CREATE TRIGGER host_address_change_insert AFTER INSERT ON host_address BEGIN
                    INSERT INTO host_change (name) SELECT name FROM host WHERE id = NEW.host_id;
                END;
                CREATE TRIGGER host_address_change_delete AFTER DELETE ON host_address BEGIN
                    INSERT INTO host_change (name) SELECT name FROM host WHERE id = OLD.host_id;
                END;
                CREATE TRIGGER host_address_change_update AFTER UPDATE OF host_id, address ON host_address BEGIN
                    INSERT INTO host_change (name) SELECT name FROM host WHERE id IN (OLD.host_id, NEW.host_id);
                END;
                """)
        }
    }

    static func changePosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM host_change")) ?? 0
    }

    /// Every host, the state and the change log's position, read together.
    public func snapshotWithPosition() throws(ZoneError) -> (hosts: [HostRecord], state: ZoneState, position: Int64) {
        try read { db in (try Self.allHosts(db), try Self.state(db), try Self.changePosition(db)) }
    }

    /// The changes since `position`, read in one transaction; nil when more than `limit` names
    /// changed (reading every host is then as cheap). `before` gives the addresses a name had in
    /// the snapshot at `position` (their PTRs may move to other hosts).
    public func lanChanges(after position: Int64, limit: Int,
                           before: (String) -> [IPAddress]) throws(ZoneError) -> LANChanges? {
        try read { db in
            let state = try Self.state(db)
            let end = try Self.changePosition(db)
            guard end > position else {
                return LANChanges(position: position, state: state, names: [], hosts: [], addresses: [], holders: [])
            }
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM host_change WHERE id > ? AND id <= ?"),
                                         arguments: [position, end]) ?? 0
            guard count <= limit * 4 else { return nil }
            let names = Array(Set(try String.fetchAll(db.cachedStatement(sql: """
                SELECT name FROM host_change WHERE id > ? AND id <= ?
                """), arguments: [position, end]).map { $0.lowercased() }))
            guard names.count <= limit else { return nil }
            let hosts = try Self.hosts(db, where: "WHERE h.name IN (\(Self.marks(names.count)))", StatementArguments(names))
            var addresses = Set(hosts.flatMap(\.addresses))
            for name in names { addresses.formUnion(before(name)) }
            let texts = addresses.map(\.description)
            let holders = texts.isEmpty ? [] : try Self.hosts(db, where: """
                WHERE h.id IN (SELECT host_id FROM host_address WHERE address IN (\(Self.marks(texts.count))))
                """, StatementArguments(texts))
            return LANChanges(position: end, state: state, names: names, hosts: hosts, addresses: addresses, holders: holders)
        }
    }

    /// Forgets the log before `position` (the snapshot served is there). The row at `position`
    /// stays: ids are rowids (cheaper than AUTOINCREMENT), and the highest one kept makes every
    /// later id higher.
    public func pruneChangeLog(through position: Int64) throws(ZoneError) {
        do {
            try pool.write { db in try db.execute(sql: "DELETE FROM host_change WHERE id < ?", arguments: [position]) }
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    static func marks(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}
