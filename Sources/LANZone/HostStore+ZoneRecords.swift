import DNSWire
import Foundation
import GRDB

/// Records of the hosted zones added at the command line (`lannamed records add`) or by UPDATE,
/// in the same database as the hosts, so one generation tells the daemon that anything changed.
/// Each row is one record in uncompressed wire form, with its zone and owner for lookups.
extension HostStore {
    /// Every stored record, by zone apex.
    public func zoneRecords() throws(ZoneError) -> [DomainName: [ResourceRecord]] {
        try read { db in try Self.zoneRecords(db) }
    }

    static func zoneRecords(_ db: Database) throws -> [DomainName: [ResourceRecord]] {
        var out: [DomainName: [ResourceRecord]] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT apex, record FROM zone_record ORDER BY id")
        while let row = try rows.next() {
            guard let apex = DomainName(wireBytes: row[0]),
                  let record = RecordCodec.decode([UInt8](row[1] as Data))?.first else { continue }
            out[apex, default: []].append(record)
        }
        return out
    }

    /// Adds a record to a hosted zone; false when the zone already has it (same owner, type and
    /// data: only the TTL is updated then).
    @discardableResult
    public func addZoneRecord(_ record: ResourceRecord, apex: DomainName, source: String = "cli",
                              now: Double? = nil) throws(ZoneError) -> Bool {
        let now = now ?? clock.now()
        guard record.name.isSubdomain(of: apex) else {
            throw ZoneError.outsideZone(record.name.description, apex.description)
        }
        return try write { db in
            let stored = try Self.store(db, record, apex: Data(apex.lowercasedWire), source: source, now: now)
            if stored.changed { try Self.bump(db, now: now) }
            return stored.added
        }
    }

    /// Adds many records to a hosted zone in one transaction (`lannamed records import`), with
    /// `addZoneRecord`'s meaning for each: a record already stored with the same owner, type and
    /// data keeps its row and takes the new TTL. The generation moves once, if anything changed.
    /// All or nothing: a record outside the zone fails the whole import.
    /// - Returns: how many records were added, and how many were there already.
    @discardableResult
    public func importZoneRecords(_ records: [ResourceRecord], apex: DomainName, source: String = "import",
                                  now: Double? = nil) throws(ZoneError) -> (added: Int, existing: Int) {
        let now = now ?? clock.now()
        if let outside = records.first(where: { !$0.name.isSubdomain(of: apex) }) {
            throw ZoneError.outsideZone(outside.name.description, apex.description)
        }
        guard !records.isEmpty else { return (0, 0) }
        return try write { db in
            let apexKey = Data(apex.lowercasedWire)
            var added = 0, existing = 0, changed = false
            for record in records {
                let stored = try Self.store(db, record, apex: apexKey, source: source, now: now)
                if stored.added { added += 1 } else { existing += 1 }
                changed = changed || stored.changed
            }
            if changed { try Self.bump(db, now: now) }
            return (added, existing)
        }
    }

    /// Removes the records at `name` in `apex`: all of them, those of `type`, or the one with
    /// `data`. Returns how many went.
    @discardableResult
    public func removeZoneRecords(apex: DomainName, name: DomainName, type: RecordType? = nil, data: RecordData? = nil,
                                  now: Double? = nil) throws(ZoneError) -> Int {
        let now = now ?? clock.now()
        return try write { db in
            var sql = "SELECT id, record FROM zone_record WHERE apex = ? AND owner = ?"
            var arguments: StatementArguments = [Data(apex.lowercasedWire), Data(name.lowercasedWire)]
            if let type {
                sql += " AND type = ?"
                arguments += [Int(type.rawValue)]
            }
            var removed = 0
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                if let data {
                    guard let stored = RecordCodec.decode([UInt8](row["record"] as Data))?.first, stored.data == data else { continue }
                }
                try db.execute(sql: "DELETE FROM zone_record WHERE id = ?", arguments: [row["id"] as Int64])
                removed += 1
            }
            if removed > 0 { try Self.bump(db, now: now) }
            return removed
        }
    }

    /// Applies an UPDATE's outcome to a hosted zone in one transaction: the stored records equal
    /// to `removed` go (any TTL), `added` ones come (a record already there takes the new TTL).
    public func applyZoneChange(apex: DomainName, removed: [ResourceRecord], added: [ResourceRecord],
                                source: String = "update", now: Double? = nil) throws(ZoneError) {
        let now = now ?? clock.now()
        guard !(removed.isEmpty && added.isEmpty) else { return }
        try write { db in
            let apexKey = Data(apex.lowercasedWire)
            for record in removed {
                for row in try Self.storedRows(db, record, apex: apexKey) {
                    try db.cachedStatement(sql: "DELETE FROM zone_record WHERE id = ?").execute(arguments: [row.id])
                }
            }
            for record in added { try Self.store(db, record, apex: apexKey, source: source, now: now) }
            try Self.bump(db, now: now)
        }
    }

    /// The stored rows of `record` in the zone `apex` (same owner, type and data; any TTL).
    static func storedRows(_ db: Database, _ record: ResourceRecord, apex: Data) throws -> [(id: Int64, record: ResourceRecord)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT id, record FROM zone_record WHERE apex = ? AND owner = ? AND type = ?"),
                         arguments: [apex, Data(record.name.lowercasedWire), Int(record.type.rawValue)])
            .compactMap { row in
                guard let stored = RecordCodec.decode([UInt8](row["record"] as Data))?.first, stored.data == record.data else { return nil }
                return (row["id"], stored)
            }
    }

    /// Stores `record` in the zone `apex`: a new row, or the TTL of the row that has it already.
    @discardableResult
    static func store(_ db: Database, _ record: ResourceRecord, apex: Data, source: String,
                      now: Double) throws -> (added: Bool, changed: Bool) {
        if let existing = try storedRows(db, record, apex: apex).first {
            guard existing.record.ttl != record.ttl else { return (false, false) }
            try db.cachedStatement(sql: "UPDATE zone_record SET record = ? WHERE id = ?")
                .execute(arguments: [Data(RecordCodec.encode([record])), existing.id])
            return (false, true)
        }
        try db.cachedStatement(sql: """
            INSERT INTO zone_record (apex, owner, type, record, source, created) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [apex, Data(record.name.lowercasedWire), Int(record.type.rawValue),
                                     Data(RecordCodec.encode([record])), source, now])
        return (true, true)
    }

    static func registerZoneRecordMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5: hosted zone records") { db in
            try db.execute(sql: """
                CREATE TABLE zone_record (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    apex BLOB NOT NULL,
                    owner BLOB NOT NULL,
                    type INTEGER NOT NULL,
                    record BLOB NOT NULL,
                    source TEXT NOT NULL,
                    created DOUBLE NOT NULL
                );
                CREATE INDEX zone_record_owner ON zone_record(apex, owner, type);
                """)
        }
    }
}

extension HostStore {
    /// What the hosted zones hold besides their config, read at `now`: the stored records, and the
    /// addresses of the dynamic DNS hosts whose account is active (a suspended or expired
    /// account's names are absent: NXDOMAIN; they come back with their addresses on resume).
    public func hostedRecords(for configs: [HostedZoneConfig], now: Double) throws(ZoneError) -> [DomainName: [ResourceRecord]] {
        guard !configs.isEmpty else { return [:] }
        var records = try zoneRecords()
        let byApex = Dictionary(configs.map { ($0.apex, $0) }, uniquingKeysWith: { $1 })
        let hosts: [DynamicHost]
        do { hosts = try activeDynamicHosts(now: now) } catch { throw ZoneError.store(error.description) }
        for host in hosts where !host.addresses.isEmpty {
            guard let config = byApex[host.zone] else { continue }
            records[host.zone, default: []] += config.dynamicRecords(name: host.fqdn, addresses: host.addresses, wildcard: host.wildcard)
        }
        return records
    }
}
