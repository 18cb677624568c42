import DNSWire
import Foundation
import GRDB
import Timekeeping

/// The zone's durable truth: hosts and their addresses in SQLite (WAL), one transaction per
/// change. Every change bumps `generation` (so other processes notice it) and the SOA serial.
///
/// The daemon and the command line open the same file: `lannamed hosts add` while the daemon runs
/// writes here, and the daemon sees the new generation on its next poll.
public final class HostStore: Sendable {
    public let path: String
    /// The time of changes (last seen, serials that follow the clock) when the caller gives none.
    public let clock: ServerClock
    let pool: DatabasePool
    /// Dynamic DNS rate states, kept in memory in front of the database.
    let rateCache = RateStateCache()

    public init(path: String, clock: ServerClock = .system) throws(ZoneError) {
        self.path = path
        self.clock = clock
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.foreignKeysEnabled = true
            // The daemon reads the whole store only to build snapshots: a small page cache and
            // few readers keep its memory small (the snapshot is what answers queries).
            configuration.maximumReaderCount = 2
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -1024") }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator(clock: clock).migrate(pool)
        } catch let error as ZoneError {
            throw error
        } catch {
            throw ZoneError.store("cannot open \(path): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        if let error = error as? CocoaError {
            if let path = error.filePath, let why = directoryProblem(path) { return why }
            return error.localizedDescription + (error.filePath.map { " (\($0))" } ?? "")
        }
        return "\(error)"
    }

    /// Why a directory cannot be made: the nearest existing ancestor is a file, or not writable.
    static func directoryProblem(_ path: String) -> String? {
        var ancestor = (path as NSString).standardizingPath
        while !ancestor.isEmpty && ancestor != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "\(ancestor) is not a directory" }
                if !FileManager.default.isWritableFile(atPath: ancestor) { return "no permission to create a directory in \(ancestor)" }
                return nil
            }
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Runs `body` in one write transaction and maps errors to `ZoneError`.
    func write<T>(_ body: (Database) throws -> T) throws(ZoneError) -> T {
        do {
            return try pool.write { db in try body(db) }
        } catch let error as ZoneError {
            throw error
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(ZoneError) -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch let error as ZoneError {
            throw error
        } catch {
            throw ZoneError.store(Self.describe(error))
        }
    }

    // MARK: - Reading

    /// The change counter and SOA serial, cheap enough to poll several times a second.
    public func state() throws(ZoneError) -> ZoneState {
        try read { db in try Self.state(db) }
    }

    static func state(_ db: Database) throws -> ZoneState {
        let row = try Row.fetchOne(db, sql: "SELECT serial, generation FROM zone_state WHERE id = 1")!
        return ZoneState(serial: UInt32(truncatingIfNeeded: row["serial"] as Int64), generation: row["generation"])
    }

    /// Every host with its addresses, ordered by name, and the state they belong to (read in one
    /// transaction, so the two agree).
    /// `ordered: false` skips the sort by name: a snapshot build does not need it.
    public func snapshot(ordered: Bool = true) throws(ZoneError) -> (hosts: [HostRecord], state: ZoneState) {
        let (hosts, state) = try read { db in (try Self.allHosts(db), try Self.state(db)) }
        guard ordered else { return (hosts, state) }
        return (hosts.sorted { $0.name.lowercased() < $1.name.lowercased() }, state)
    }

    /// Every host, unordered, read with two plain scans (no grouping or sorting in SQL, columns by
    /// position): what a snapshot build needs, fast at 100,000 hosts.
    static func allHosts(_ db: Database) throws -> [HostRecord] {
        var addresses: [Int64: [IPAddress]] = [:]
        let addressRows = try Row.fetchCursor(db, sql: "SELECT host_id, address FROM host_address")
        while let row = try addressRows.next() {
            let text: String = row[1]
            if let address = IPAddress(text) { addresses[row[0], default: []].append(address) }
        }
        var hosts: [HostRecord] = []
        // Nearly every host has an address: as many as that is the right size, without a count query.
        hosts.reserveCapacity(addresses.count)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, name, source, mac, first_seen, last_seen, lease_end, state, ptr, note FROM host
            """)
        while let row = try rows.next() {
            let id: Int64 = row[0]
            hosts.append(HostRecord(
                name: row[1], addresses: (addresses[id] ?? []).sorted(), source: HostSource(rawValue: row[2]) ?? .static,
                mac: row[3], firstSeen: row[4], lastSeen: row[5], leaseEnd: row[6], state: row[7],
                publishesPTR: row[8], note: row[9]))
        }
        return hosts
    }

    public func hosts() throws(ZoneError) -> [HostRecord] {
        try read { db in try Self.hosts(db) }
    }

    public func host(named name: String) throws(ZoneError) -> HostRecord? {
        try read { db in try Self.hosts(db, where: "WHERE h.name = ?", [name]).first }
    }

    static func hosts(_ db: Database, where clause: String = "", _ arguments: StatementArguments = []) throws -> [HostRecord] {
        let sql = """
            SELECT h.name, h.source, h.mac, h.first_seen, h.last_seen, h.lease_end, h.state, h.ptr, h.note,
                   group_concat(a.address, ' ') AS addresses
            FROM host h LEFT JOIN host_address a ON a.host_id = h.id
            \(clause)
            GROUP BY h.id ORDER BY h.name COLLATE NOCASE
            """
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            let text: String = row["addresses"] ?? ""
            let addresses = text.split(separator: " ").compactMap { IPAddress($0) }.sorted()
            return HostRecord(
                name: row["name"], addresses: addresses,
                source: HostSource(rawValue: row["source"]) ?? .static,
                mac: row["mac"], firstSeen: row["first_seen"], lastSeen: row["last_seen"],
                leaseEnd: row["lease_end"], state: row["state"], publishesPTR: row["ptr"], note: row["note"])
        }
    }

    // MARK: - Writing

    /// Creates or replaces the host `record.name`: its addresses become exactly `record.addresses`.
    /// Returns false (and changes nothing, serial included) when the host already is so.
    @discardableResult
    public func upsert(_ record: HostRecord, now: Double? = nil) throws(ZoneError) -> Bool {
        let now = now ?? clock.now()
        guard !record.addresses.isEmpty else { throw ZoneError.noAddresses(record.name) }
        return try write { db in
            let changed = try Self.upsert(db, record, now: now)
            if changed { try Self.bump(db, now: now) }
            return changed
        }
    }

    /// Removes a host by name (case-insensitively). Returns false when there was none.
    @discardableResult
    public func remove(named name: String, now: Double? = nil) throws(ZoneError) -> Bool {
        let now = now ?? clock.now()
        return try write { db in
            try db.cachedStatement(sql: "DELETE FROM host WHERE name = ?").execute(arguments: [name])
            guard db.changesCount > 0 else { return false }
            try Self.bump(db, now: now)
            return true
        }
    }

    /// Applies many upserts in one transaction (a hosts-file import): all or nothing.
    /// Returns how many hosts were created or changed.
    @discardableResult
    public func upsert(all records: [HostRecord], now: Double? = nil) throws(ZoneError) -> Int {
        let now = now ?? clock.now()
        for record in records where record.addresses.isEmpty { throw ZoneError.noAddresses(record.name) }
        return try write { db in
            var changed = 0
            for record in records where try Self.upsert(db, record, now: now) { changed += 1 }
            if changed > 0 { try Self.bump(db, now: now) }
            return changed
        }
    }

    /// Makes the hosts of `source` exactly `records` (used for the config file's hosts at start).
    /// A name held by a host of another source is left to that host, unless that host was
    /// learned (DHCP, UPDATE) and `source` is an administrator's: static and config names beat
    /// learned ones.
    @discardableResult
    public func replace(source: HostSource, with records: [HostRecord], now: Double? = nil) throws(ZoneError) -> Int {
        let now = now ?? clock.now()
        return try write { db in
            var changed = 0
            let wanted = Set(records.map { $0.name.lowercased() })
            for existing in try Self.hosts(db, where: "WHERE h.source = ?", [source.rawValue])
            where !wanted.contains(existing.name.lowercased()) {
                try db.cachedStatement(sql: "DELETE FROM host WHERE name = ?").execute(arguments: [existing.name])
                changed += 1
            }
            for record in records {
                // A name held by a host of another source is left to that host.
                if let text = try String.fetchOne(db.cachedStatement(sql: "SELECT source FROM host WHERE name = ?"), arguments: [record.name]),
                   text != source.rawValue {
                    let holder = HostSource(rawValue: text) ?? .static
                    if holder.isAdministrative || !source.isAdministrative { continue }
                    // The learned host's addresses and lease summary give way with its name.
                    try db.cachedStatement(sql: "DELETE FROM host WHERE name = ?").execute(arguments: [record.name])
                }
                if try Self.upsert(db, record, now: now) { changed += 1 }
            }
            if changed > 0 { try Self.bump(db, now: now) }
            return changed
        }
    }

    static func upsert(_ db: Database, _ record: HostRecord, now: Double) throws -> Bool {
        let addresses = Array(Set(record.addresses)).sorted()
        if let existing = try hosts(db, where: "WHERE h.name = ?", [record.name]).first {
            if existing.addresses == addresses && existing.source == record.source && existing.name == record.name
                && existing.mac == record.mac && existing.leaseEnd == record.leaseEnd && existing.state == record.state
                && existing.publishesPTR == record.publishesPTR {
                return false
            }
            try db.cachedStatement(sql: """
                UPDATE host SET name = ?, source = ?, mac = ?, last_seen = ?, lease_end = ?, state = ?, ptr = ?
                WHERE name = ?
                """).execute(arguments: [record.name, record.source.rawValue, record.mac, max(record.lastSeen, now),
                                 record.leaseEnd, record.state, record.publishesPTR, record.name])
        } else {
            try db.cachedStatement(sql: """
                INSERT INTO host (name, source, mac, first_seen, last_seen, lease_end, state, ptr)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [record.name, record.source.rawValue, record.mac,
                                 record.firstSeen > 0 ? record.firstSeen : now, max(record.lastSeen, now),
                                 record.leaseEnd, record.state, record.publishesPTR])
        }
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM host WHERE name = ?"), arguments: [record.name])!
        try db.cachedStatement(sql: "DELETE FROM host_address WHERE host_id = ?").execute(arguments: [id])
        for address in addresses {
            try db.cachedStatement(sql: "INSERT INTO host_address (host_id, address) VALUES (?, ?)").execute(arguments: [id, address.description])
        }
        return true
    }

    /// Advances the generation and the SOA serial (RFC 1982) inside the current transaction.
    static func bump(_ db: Database, now: Double) throws {
        let current = try state(db)
        let serial = SerialNumber.next(after: current.serial, now: UInt32(clamping: Int64(now)))
        try db.cachedStatement(sql: "UPDATE zone_state SET serial = ?, generation = generation + 1 WHERE id = 1").execute(arguments: [Int64(serial)])
    }

    // MARK: - Schema

    static let displacedByMigration = "v4: what a displaced device lost, and to whom"

    /// The schema's versions; a new database's first serial follows `clock`.
    static func migrator(clock: ServerClock = .system) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: hosts, addresses, zone state") { db in
            try db.execute(sql: """
                CREATE TABLE zone_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    serial INTEGER NOT NULL,
                    generation INTEGER NOT NULL
                );
                CREATE TABLE host (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    source TEXT NOT NULL,
                    mac TEXT,
                    first_seen DOUBLE NOT NULL,
                    last_seen DOUBLE NOT NULL,
                    lease_end DOUBLE,
                    state TEXT,
                    ptr BOOLEAN NOT NULL DEFAULT 1
                );
                CREATE INDEX host_mac ON host(mac);
                CREATE TABLE host_address (
                    host_id INTEGER NOT NULL REFERENCES host(id) ON DELETE CASCADE,
                    address TEXT NOT NULL,
                    PRIMARY KEY (host_id, address)
                );
                CREATE INDEX host_address_address ON host_address(address);
                """)
            let now = UInt32(clamping: Int64(clock.now()))
            try db.execute(sql: "INSERT INTO zone_state (id, serial, generation) VALUES (1, ?, 1)", arguments: [Int64(now)])
        }
        migrator.registerMigration("v2: per-address leases for learned hosts") { db in
            try db.execute(sql: """
                ALTER TABLE host ADD COLUMN note TEXT;
                ALTER TABLE host ADD COLUMN relayed BOOLEAN NOT NULL DEFAULT 0;
                ALTER TABLE host ADD COLUMN interface TEXT;
                ALTER TABLE host_address ADD COLUMN lease_end DOUBLE;
                ALTER TABLE host_address ADD COLUMN state TEXT;
                CREATE INDEX host_address_lease_end ON host_address(lease_end);
                """)
        }
        registerTransferMigrations(&migrator)
        migrator.registerMigration(displacedByMigration) { db in
            // A displaced device remembers the name it lost and the MAC of the device that took
            // it, so that it gets the name back when that device lets it go; the note only shows
            // it. Devices displaced before this version have only the note: read it once here.
            try db.execute(sql: """
                ALTER TABLE host ADD COLUMN displaced_from TEXT;
                ALTER TABLE host ADD COLUMN displaced_by TEXT;
                UPDATE host SET displaced_from = substr(note, 1, instr(note, ' was taken by ') - 1),
                                displaced_by = substr(note, instr(note, ' was taken by ') + length(' was taken by '))
                WHERE source = 'dhcp' AND instr(note, ' was taken by ') > 1;
                CREATE INDEX host_displaced_by ON host(displaced_by);
                """)
        }
        registerZoneRecordMigrations(&migrator)
        registerDynamicMigrations(&migrator)
        registerUpdateKeyMigrations(&migrator)
        registerHostUpdateMigrations(&migrator)
        registerAdminTokenMigrations(&migrator)
        registerAdminSettingMigrations(&migrator)
        return migrator
    }
}

/// The store's change counter and the zone's SOA serial.
public struct ZoneState: Sendable, Hashable {
    public var serial: UInt32
    public var generation: Int64

    public init(serial: UInt32, generation: Int64) {
        self.serial = serial
        self.generation = generation
    }
}
