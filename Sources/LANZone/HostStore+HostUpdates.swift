import DNSWire
import Foundation
import GRDB

/// RFC 2136 UPDATEs of the LAN zone from DHCP servers: hosts of source `update` in the `host` and
/// `host_address` tables (so the snapshot, PTRs and transfers treat them as any host), and the
/// DHCID records the servers' conflict resolution (RFC 4703) checks in a small table of their own.
extension HostStore {
    /// The DHCID RDATA stored at `name` (relative to the zone, as host names).
    public func dhcidRecords(named name: String) throws(ZoneError) -> [[UInt8]] {
        try read { db in
            try Data.fetchAll(db.cachedStatement(sql: "SELECT data FROM lan_dhcid WHERE name = ? ORDER BY data"),
                              arguments: [name]).map { [UInt8]($0) }
        }
    }

    /// Applies one UPDATE's results in one transaction, all or nothing: each name's claim is
    /// decided first (`UpdateClaim`), and one refusal stores nothing. An address given to a name
    /// leaves the sniffed hosts holding it (which go when they hold nothing else).
    public func applyHostUpdates(_ updates: [HostUpdate], protected: Set<String>, now: Double) throws(ZoneError) -> HostUpdateOutcome {
        try write { db in
            var claims: [(HostUpdate, [IPAddress], UpdateClaim)] = []
            for update in updates {
                guard let addresses = update.addresses.map({ Array(Set($0)).sorted() }) else { continue }
                let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, source, mac FROM host WHERE name = ?"),
                                           arguments: [update.name])
                var holder: RegistrationRules.Holder?
                var shares = false
                if let row {
                    let id: Int64 = row["id"]
                    holder = RegistrationRules.Holder(id: id, source: HostSource(rawValue: row["source"]) ?? .static,
                                                      mac: (row["mac"] as String?).flatMap(MACAddress.init))
                    let held = Set(try Self.boundAddresses(db, host: id))
                    shares = addresses.contains(where: held.contains)
                }
                let claim = UpdateClaim.decide(name: update.name, holder: holder, sharesAddress: shares, protected: protected)
                if case .refuse(let reason) = claim { return .refused(name: update.name, reason: reason) }
                claims.append((update, addresses, claim))
            }
            var visible = false
            for (update, addresses, claim) in claims {
                visible = try Self.store(db, name: update.name, addresses: addresses, claim: claim, now: now) || visible
            }
            for update in updates {
                guard let values = update.dhcid else { continue }
                try db.cachedStatement(sql: "DELETE FROM lan_dhcid WHERE name = ?").execute(arguments: [update.name])
                for data in Set(values) {
                    try db.cachedStatement(sql: "INSERT INTO lan_dhcid (name, data) VALUES (?, ?)")
                        .execute(arguments: [update.name, Data(data)])
                }
            }
            if visible { try Self.bump(db, now: now) }
            return .applied(visible: visible)
        }
    }

    static func boundAddresses(_ db: Database, host id: Int64) throws -> [IPAddress] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT address FROM host_address WHERE host_id = ?"), arguments: [id])
            .compactMap(IPAddress.init)
    }

    /// Makes `name` a host of source `update` with exactly `addresses`; whether DNS-visible data
    /// changed.
    static func store(_ db: Database, name: String, addresses: [IPAddress], claim: UpdateClaim, now: Double) throws -> Bool {
        let id: Int64
        switch claim {
        case .refuse:
            return false
        case .insert:
            guard !addresses.isEmpty else { return false }
            try db.cachedStatement(sql: """
                INSERT INTO host (name, source, mac, first_seen, last_seen, lease_end, state, ptr) VALUES (?, 'update', NULL, ?, ?, NULL, NULL, 1)
                """).execute(arguments: [name, now, now])
            id = db.lastInsertedRowID
        case .replace(let host):
            id = host
            if Set(try boundAddresses(db, host: id)) == Set(addresses) {
                try db.cachedStatement(sql: "UPDATE host SET last_seen = max(last_seen, ?) WHERE id = ?").execute(arguments: [now, id])
                return false
            }
        case .adopt(let host, let keepsMAC):
            id = host
            // A sniffed lease's summary (lease end, state, displacement) is not the UPDATE's.
            try db.cachedStatement(sql: """
                UPDATE host SET source = 'update', mac = CASE WHEN ? THEN mac END, last_seen = max(last_seen, ?),
                    lease_end = NULL, state = NULL, note = NULL, relayed = 0, displaced_from = NULL, displaced_by = NULL
                WHERE id = ?
                """).execute(arguments: [keepsMAC, now, id])
        }
        guard !addresses.isEmpty else {
            try db.cachedStatement(sql: "DELETE FROM host WHERE id = ?").execute(arguments: [id])
            return true
        }
        try db.cachedStatement(sql: "DELETE FROM host_address WHERE host_id = ?").execute(arguments: [id])
        for address in addresses {
            try db.cachedStatement(sql: "INSERT INTO host_address (host_id, address) VALUES (?, ?)").execute(arguments: [id, address.description])
            // The address is this name's now: sniffed hosts holding it let it go.
            for other in try addressHolders(db, address, besides: id) {
                try db.cachedStatement(sql: "DELETE FROM host_address WHERE host_id = ? AND address = ?")
                    .execute(arguments: [other.id, address.description])
                try deleteIfEmpty(db, id: other.id)
            }
        }
        try db.cachedStatement(sql: "UPDATE host SET last_seen = max(last_seen, ?) WHERE id = ?").execute(arguments: [now, id])
        return true
    }

    static func registerHostUpdateMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8: DHCID records of UPDATEs to the LAN zone") { db in
            try db.execute(sql: """
                CREATE TABLE lan_dhcid (
                    name TEXT NOT NULL COLLATE NOCASE,
                    data BLOB NOT NULL,
                    PRIMARY KEY (name, data)
                );
                """)
        }
    }
}
