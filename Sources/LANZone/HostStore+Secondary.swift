import DNSWire
import Foundation
import GRDB

/// A secondary's copies of the primary's zones, so it answers them after a restart while the
/// primary is down (until their SOA EXPIRE runs out).
extension HostStore {
    public struct StoredSecondaryZone: Sendable {
        public var apex: DomainName
        public var source: String
        public var records: [ResourceRecord]
        /// Unix time of the last contact with the primary about this zone.
        public var refreshed: Double
    }

    public func secondaryZones() throws(ZoneError) -> [StoredSecondaryZone] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT apex, source, records, refreshed FROM secondary_zone").compactMap { row in
                guard let apex = DomainName(wireBytes: row["apex"]),
                      let records = RecordCodec.decode([UInt8](row["records"] as Data)) else { return nil }
                return StoredSecondaryZone(apex: apex, source: row["source"], records: records, refreshed: row["refreshed"])
            }
        }
    }

    /// Stores a zone's new content (one transaction).
    public func saveSecondaryZone(_ apex: DomainName, source: String, serial: UInt32, records: [ResourceRecord],
                                  refreshed: Double) throws(ZoneError) {
        let blob = Data(RecordCodec.encode(records))
        try write { db in
            try db.execute(sql: """
                INSERT INTO secondary_zone (apex, source, serial, records, refreshed, transferred) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(apex) DO UPDATE SET source = excluded.source, serial = excluded.serial,
                    records = excluded.records, refreshed = excluded.refreshed, transferred = excluded.transferred
                """, arguments: [Data(apex.lowercasedWire), source, Int64(serial), blob, refreshed, refreshed])
        }
    }

    /// Records a contact with the primary (the SOA said the copy is current).
    public func touchSecondaryZone(_ apex: DomainName, refreshed: Double) throws(ZoneError) {
        try write { db in
            try db.execute(sql: "UPDATE secondary_zone SET refreshed = ? WHERE apex = ?",
                           arguments: [refreshed, Data(apex.lowercasedWire)])
        }
    }

    public func removeSecondaryZone(_ apex: DomainName) throws(ZoneError) {
        try write { db in
            try db.execute(sql: "DELETE FROM secondary_zone WHERE apex = ?", arguments: [Data(apex.lowercasedWire)])
        }
    }
}
