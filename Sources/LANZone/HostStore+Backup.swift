import DNSWire
import Foundation
import GRDB

/// A standby made primary, the boring way: the primary's database copied with SQLite's online
/// backup API (`lannamed backup`, consistent while the daemon writes), pulled by the standby on a
/// schedule, and put in place by `lannamed promote`, with serials that move past everything the
/// standby served as a secondary.
extension HostStore {
    /// Copies the whole database to `path` (a new file), consistent as of one transaction.
    public func backup(to path: String) throws(ZoneError) {
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            let target = try DatabaseQueue(path: path)
            try pool.backup(to: target)
            try target.close()
        } catch {
            throw ZoneError.store("cannot back up to \(path): \(Self.describe(error))")
        }
    }

    /// What `promote` did: the zones whose serial moved past the standby's copies.
    public struct Promotion: Sendable {
        public var zones: [(apex: DomainName, serial: UInt32)]
        public var keptAt: String
    }

    /// Makes the standby's database at `database` the primary's from `backup`: the standby's own
    /// file is kept beside it (`.standby-<time>`), the backup is copied in its place, and every zone
    /// the standby held as a secondary gets a serial newer than both the backup's and the copy's,
    /// and no journal (its secondaries take it whole once). The daemon must be stopped.
    public static func promote(database: String, from backup: String, now: Double) throws(ZoneError) -> Promotion {
        guard FileManager.default.fileExists(atPath: backup) else { throw ZoneError.store("no backup at \(backup)") }
        var copies: [DomainName: UInt32] = [:]
        let keptAt = database + ".standby-\(Int(now))"
        do {
            if FileManager.default.fileExists(atPath: database) {
                let standby = try HostStore(path: database)
                for zone in try standby.secondaryZones() {
                    if case .soa(let soa)? = zone.records.first(where: { $0.type == .soa })?.data { copies[zone.apex] = soa.serial }
                }
                try standby.backup(to: keptAt)
            }
            let source = try DatabaseQueue(path: backup, configuration: { var c = Configuration(); c.readonly = true; return c }())
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
                try FileManager.default.removeItem(atPath: database + suffix)
            }
            let target = try DatabaseQueue(path: database)
            try source.backup(to: target)
            try target.close()
            try source.close()
        } catch let error as ZoneError {
            throw error
        } catch {
            throw ZoneError.store("cannot promote \(backup) to \(database): \(describe(error))")
        }
        let store = try HostStore(path: database)
        var moved: [(apex: DomainName, serial: UInt32)] = []
        try store.write { db in
            let versions = try Row.fetchAll(db, sql: "SELECT apex, serial FROM zone_version")
            var serials: [DomainName: UInt32] = [:]
            for row in versions {
                if let apex = DomainName(wireBytes: row["apex"]) { serials[apex] = UInt32(truncatingIfNeeded: row["serial"] as Int64) }
            }
            for (apex, copied) in copies {
                let ours = serials[apex] ?? copied
                let newest = SerialNumber.isNewer(copied, than: ours) ? copied : ours
                let serial = newest &+ 1
                try db.execute(sql: """
                    INSERT INTO zone_version (apex, serial, digest) VALUES (?, ?, 0)
                    ON CONFLICT(apex) DO UPDATE SET serial = excluded.serial, digest = 0
                    """, arguments: [Data(apex.lowercasedWire), Int64(serial)])
                try db.execute(sql: "DELETE FROM zone_journal WHERE apex = ?", arguments: [Data(apex.lowercasedWire)])
                moved.append((apex, serial))
            }
            try db.execute(sql: "DELETE FROM secondary_zone")
            try Self.bump(db, now: now)
        }
        return Promotion(zones: moved.sorted { $0.apex < $1.apex }, keptAt: keptAt)
    }
}
