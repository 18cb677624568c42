import DNSWire
import GRDB

// The change log: temporary triggers on this process's writing connection note the name of every
// host whose DNS-visible data changes (a row added or removed, its name, source, first-seen time
// or PTR flag, an address) and every generation this connection gives the store. They live in
// memory (no page written, nothing left behind); the daemon patches its snapshot from the names
// noted since the one it serves. A generation that another process (the CLI) gave the store is
// not in the log, and then the snapshot is built from every host as before.

extension HostStore {
    /// Starts noting changes (the daemon calls it once; `lanChanges` needs it).
    public func startChangeLog() throws(ZoneError) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: """
                    PRAGMA temp_store = MEMORY;
                    CREATE TEMP TABLE IF NOT EXISTS host_change (id INTEGER PRIMARY KEY, name TEXT, host_id INTEGER, generation INTEGER);
                    CREATE TEMP TRIGGER IF NOT EXISTS host_change_insert AFTER INSERT ON main.host BEGIN
                        INSERT INTO host_change (name) VALUES (NEW.name);
                    END;
                    CREATE TEMP TRIGGER IF NOT EXISTS host_change_update AFTER UPDATE OF name, source, first_seen, ptr ON main.host BEGIN
                        INSERT INTO host_change (name) VALUES (OLD.name);
                        INSERT INTO host_change (name) VALUES (NEW.name);
                    END;
                    CREATE TEMP TRIGGER IF NOT EXISTS host_change_delete AFTER DELETE ON main.host BEGIN
                        INSERT INTO host_change (name) VALUES (OLD.name);
                    END;
                    CREATE TEMP TRIGGER IF NOT EXISTS host_address_change_insert AFTER INSERT ON main.host_address BEGIN
                        INSERT INTO host_change (host_id) VALUES (NEW.host_id);
                    END;
                    CREATE TEMP TRIGGER IF NOT EXISTS host_address_change_delete AFTER DELETE ON main.host_address BEGIN
                        INSERT INTO host_change (host_id) VALUES (OLD.host_id);
                    END;
                    CREATE TEMP TRIGGER IF NOT EXISTS host_address_change_update AFTER UPDATE OF host_id, address ON main.host_address BEGIN
                        INSERT INTO host_change (host_id) VALUES (OLD.host_id);
                        INSERT INTO host_change (host_id) VALUES (NEW.host_id);
                    END;
                    CREATE TEMP TRIGGER IF NOT EXISTS zone_generation_change AFTER UPDATE OF generation ON main.zone_state BEGIN
                        INSERT INTO host_change (generation) VALUES (NEW.generation);
                    END;
                    """)
            }
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    /// Stops noting changes (a burst too big to patch: the log would only cost time); the
    /// noted ones stay, and `startChangeLog` goes on after them.
    public func stopChangeLog() throws(ZoneError) {
        do {
            try pool.writeWithoutTransaction { db in
                for trigger in ["host_change_insert", "host_change_update", "host_change_delete", "host_address_change_insert",
                                "host_address_change_delete", "host_address_change_update", "zone_generation_change"] {
                    try db.execute(sql: "DROP TRIGGER IF EXISTS temp.\(trigger)")
                }
            }
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    /// Every host and the state, and a change-log position from before they were read (0
    /// without a change log): a patch from there takes again what the read already had, which
    /// changes nothing, and misses nothing. The hosts are read beside the writer, not on it.
    public func snapshotWithPosition() throws(ZoneError) -> (hosts: [HostRecord], state: ZoneState, position: Int64) {
        let position: Int64
        do {
            // On the writing connection: the log is its own (temporary) table.
            position = try pool.write { db in try Self.changePosition(db) }
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
        let (hosts, state) = try snapshot(ordered: false)
        return (hosts, state, position)
    }

    /// Whether this connection notes changes (its temporary table and triggers exist).
    static func hasChangeLog(_ db: Database) throws -> Bool {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM sqlite_temp_master WHERE (type = 'table' AND name = 'host_change') OR type = 'trigger'
            """)) == 8
    }

    static func changePosition(_ db: Database) throws -> Int64 {
        guard try Self.hasChangeLog(db) else { return 0 }
        return try changeLogEnd(db)
    }

    static func changeLogEnd(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM temp.host_change")) ?? 0
    }

    /// What `readLANChanges` found: the changes, too many of them, or a log that does not cover them.
    public enum LANChangeRead: Sendable {
        case changes(LANChanges)
        case tooMany
        case notCovered
    }

    /// The changes since `position` (of a snapshot at generation `generation`), read in one
    /// transaction; or why there are none to patch with: the log does not cover them (no log, or
    /// a generation given by another process), or more than `limit` names changed (building from
    /// every host is then as cheap). `before` gives the addresses a name had in that snapshot
    /// (their PTRs may move to other hosts).
    public func readLANChanges(after position: Int64, generation: Int64, limit: Int,
                               before: (String) -> [IPAddress]) throws(ZoneError) -> LANChangeRead {
        do {
            return try pool.write { db -> LANChangeRead in
                guard try Self.hasChangeLog(db) else { return .notCovered }
                let state = try Self.state(db)
                let end = try Self.changeLogEnd(db)
                guard end > position else {
                    guard state.generation == generation else { return .notCovered }
                    return .changes(LANChanges(position: position, state: state, names: [], hosts: [], addresses: [], holders: []))
                }
                // An address change notes its host's id (a host removed with it notes its name).
                let rows = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT coalesce(c.name, h.name), c.generation FROM temp.host_change c LEFT JOIN host h ON h.id = c.host_id
                    WHERE c.id > ? AND c.id <= ? LIMIT ?
                    """), arguments: [position, end, limit * 4 + 1])
                guard rows.count <= limit * 4 else { return .tooMany }
                // Every generation since the snapshot's must be this connection's.
                let ours = Set(rows.compactMap { $0[1] as Int64? })
                guard state.generation >= generation, state.generation - generation <= Int64(ours.count),
                      (generation..<state.generation).allSatisfy({ ours.contains($0 + 1) })
                else { return .notCovered }
                let names = Array(Set(rows.compactMap { ($0[0] as String?)?.lowercased() }))
                guard names.count <= limit else { return .tooMany }
                let hosts = names.isEmpty ? []
                    : try Self.hosts(db, where: "WHERE h.name IN (\(Self.marks(names.count)))", StatementArguments(names))
                var addresses = Set(hosts.flatMap(\.addresses))
                for name in names { addresses.formUnion(before(name)) }
                let texts = addresses.map(\.description)
                let holders = texts.isEmpty ? [] : try Self.hosts(db, where: """
                    WHERE h.id IN (SELECT host_id FROM host_address WHERE address IN (\(Self.marks(texts.count))))
                    """, StatementArguments(texts))
                return .changes(LANChanges(position: end, state: state, names: names, hosts: hosts, addresses: addresses,
                                           holders: holders))
            }
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    /// Forgets the log before `position` (the snapshot served is there). The row at `position`
    /// stays: ids are rowids, and the highest one kept makes every later id higher.
    public func pruneChangeLog(through position: Int64) throws(ZoneError) {
        do {
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM sqlite_temp_master WHERE name = 'host_change'") == true else { return }
                try db.execute(sql: "DELETE FROM temp.host_change WHERE id < ?", arguments: [position])
            }
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    static func marks(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}
