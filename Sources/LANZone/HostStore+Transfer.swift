import DNSWire
import Foundation
import GRDB

/// Zone transfer state in the same database as the hosts: the published version of each zone and
/// the IXFR journal (RFC 1995) on the primary; the copies of the primary's zones on a secondary.
/// Zone names are stored as wire bytes, records as uncompressed wire records one after another.
extension HostStore {
    /// Bounds of the journal per zone: older entries go first, and a secondary that holds a
    /// version older than the oldest kept gets an AXFR instead.
    public struct JournalLimits: Sendable {
        public var entries: Int
        public var bytes: Int
        public init(entries: Int = 1000, bytes: Int = 16 << 20) {
            self.entries = entries
            self.bytes = bytes
        }
    }

    public func zoneVersions() throws(ZoneError) -> [ZoneVersion] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT apex, serial, digest FROM zone_version").compactMap { row -> ZoneVersion? in
                guard let apex = DomainName(wireBytes: row["apex"]) else { return nil }
                let digest: Int64 = row["digest"]
                return ZoneVersion(apex: apex, serial: UInt32(truncatingIfNeeded: row["serial"] as Int64),
                                   digest: UInt64(bitPattern: digest))
            }
        }
    }

    /// Stores one step of `ZoneVersions` in one transaction: new versions, journal entries, the
    /// journals to drop, then prunes each touched journal to `limits`.
    public func recordTransferStep(updated: [ZoneVersion], entries: [JournalEntry], resets: [DomainName],
                                   limits: JournalLimits = JournalLimits(), now: Double? = nil) throws(ZoneError) {
        let now = now ?? clock.now()
        guard !(updated.isEmpty && entries.isEmpty && resets.isEmpty) else { return }
        try write { db in
            for apex in resets {
                try db.cachedStatement(sql: "DELETE FROM zone_journal WHERE apex = ?").execute(arguments: [Data(apex.lowercasedWire)])
            }
            for version in updated {
                try db.cachedStatement(sql: """
                    INSERT INTO zone_version (apex, serial, digest) VALUES (?, ?, ?)
                    ON CONFLICT(apex) DO UPDATE SET serial = excluded.serial, digest = excluded.digest
                    """).execute(arguments: [Data(version.apex.lowercasedWire), Int64(version.serial), Int64(bitPattern: version.digest)])
            }
            var touched = Set<DomainName>()
            for entry in entries {
                let removed = RecordCodec.encode(entry.change.removed), added = RecordCodec.encode(entry.change.added)
                try db.cachedStatement(sql: """
                    INSERT INTO zone_journal (apex, from_serial, to_serial, removed, added, size, created)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [Data(entry.apex.lowercasedWire), Int64(entry.from), Int64(entry.to),
                                             Data(removed), Data(added), removed.count + added.count, now])
                touched.insert(entry.apex)
            }
            for apex in touched { try Self.prune(db, apex: apex, limits: limits) }
        }
    }

    static func prune(_ db: Database, apex: DomainName, limits: JournalLimits) throws {
        let key = Data(apex.lowercasedWire)
        let rows = try Row.fetchAll(db, sql: "SELECT id, size FROM zone_journal WHERE apex = ? ORDER BY id DESC", arguments: [key])
        var kept = 0, bytes = 0
        for row in rows {
            let size: Int = row["size"]
            if kept < limits.entries && bytes + size <= limits.bytes {
                kept += 1
                bytes += size
                continue
            }
            let id: Int64 = row["id"]
            try db.execute(sql: "DELETE FROM zone_journal WHERE apex = ? AND id <= ?", arguments: [key, id])
            return
        }
    }

    /// The journal entries that lead from serial `from` to serial `to`, oldest first; nil when
    /// the journal has no such chain (the client then gets the whole zone).
    public func journal(for apex: DomainName, from: UInt32, to: UInt32) throws(ZoneError) -> [JournalEntry]? {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT from_serial, to_serial, removed, added FROM zone_journal WHERE apex = ? ORDER BY id
                """, arguments: [Data(apex.lowercasedWire)])
            var chain: [JournalEntry] = []
            var at = from
            for row in rows {
                let entryFrom = UInt32(truncatingIfNeeded: row["from_serial"] as Int64)
                let entryTo = UInt32(truncatingIfNeeded: row["to_serial"] as Int64)
                if chain.isEmpty && entryFrom != from { continue }
                guard entryFrom == at else { return nil }
                let removed: Data = row["removed"], added: Data = row["added"]
                guard let removedRecords = RecordCodec.decode([UInt8](removed)),
                      let addedRecords = RecordCodec.decode([UInt8](added)) else { return nil }
                chain.append(JournalEntry(apex: apex, from: entryFrom, to: entryTo,
                                          change: ZoneChange(removed: removedRecords, added: addedRecords)))
                at = entryTo
                if at == to { return chain }
            }
            return from == to ? [] : nil
        }
    }

    /// How many journal entries each zone keeps (for status and tests).
    public func journalCount(for apex: DomainName) throws(ZoneError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM zone_journal WHERE apex = ?", arguments: [Data(apex.lowercasedWire)]) ?? 0
        }
    }

    static func registerTransferMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: zone versions, IXFR journal, secondary zones") { db in
            try db.execute(sql: """
                CREATE TABLE zone_version (
                    apex BLOB PRIMARY KEY,
                    serial INTEGER NOT NULL,
                    digest INTEGER NOT NULL
                );
                CREATE TABLE zone_journal (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    apex BLOB NOT NULL,
                    from_serial INTEGER NOT NULL,
                    to_serial INTEGER NOT NULL,
                    removed BLOB NOT NULL,
                    added BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    created DOUBLE NOT NULL
                );
                CREATE INDEX zone_journal_apex ON zone_journal(apex, id);
                CREATE TABLE secondary_zone (
                    apex BLOB PRIMARY KEY,
                    source TEXT NOT NULL,
                    serial INTEGER NOT NULL,
                    records BLOB NOT NULL,
                    refreshed DOUBLE NOT NULL,
                    transferred DOUBLE NOT NULL
                );
                """)
        }
    }
}

/// Records as uncompressed wire records one after another (the journal's and the secondary
/// copies' storage form).
public enum RecordCodec {
    public static func encode(_ records: [ResourceRecord]) -> [UInt8] {
        var writer = DNSWriter(capacity: records.count * 32, compression: false)
        for record in records { record.serialize(into: &writer) }
        return writer.bytes
    }

    /// Nil when the bytes are not a whole number of readable records.
    public static func decode(_ bytes: [UInt8]) -> [ResourceRecord]? {
        var reader = DNSReader(bytes)
        var records: [ResourceRecord] = []
        while reader.remaining > 0 {
            guard let record = try? ResourceRecord(parsing: &reader) else { return nil }
            records.append(record)
        }
        return records
    }
}

extension DomainName {
    /// A name from stored wire bytes; nil when they are not one.
    init?(wireBytes data: Data) {
        var reader = DNSReader([UInt8](data))
        guard let name = try? reader.readName(), reader.remaining == 0 else { return nil }
        self = name
    }
}
