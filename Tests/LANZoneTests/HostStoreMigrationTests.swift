import DNSWire
import Foundation
import GRDB
import Testing
@testable import LANZone

/// Databases written by earlier versions open and keep working (HostStore.swift, "Schema").
@Suite("Store migrations")
struct HostStoreMigrationTests {
    static let macA = MACAddress("02:4c:48:00:0a:01")!
    static let macB = MACAddress("02:4c:48:00:0b:02")!
    static let previous = "v3: zone versions, IXFR journal, secondary zones"

    /// A database at the schema before `displaced_by`, holding what that version wrote when
    /// `macB` took `printer` from `macA`: the displacement only in the note.
    static func previousDatabase(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try HostStore.migrator().migrate(queue, upTo: previous)
        try queue.write { db in
            #expect(try !db.columns(in: "host").contains { $0.name == "displaced_by" })
            try db.execute(sql: """
                INSERT INTO host (id, name, source, mac, first_seen, last_seen, lease_end, state, note, interface)
                VALUES (1, 'printer-0a01', 'dhcp', ?, 1000, 1000, 2000, 'acknowledged', 'printer was taken by ' || ?, 'br0'),
                       (2, 'printer', 'dhcp', ?, 1001, 1001, 2001, 'acknowledged', NULL, 'br0'),
                       (3, 'nas-0a02', 'dhcp', '02:4c:48:00:0a:02', 1000, 1000, 2000, 'acknowledged',
                        'nas belongs to a static host', 'br0');
                INSERT INTO host_address (host_id, address, lease_end, state) VALUES
                    (1, '198.51.100.105', 2000, 'acknowledged'),
                    (2, '198.51.100.106', 2001, 'acknowledged'),
                    (3, '198.51.100.107', 2000, 'acknowledged');
                """, arguments: [macA.description, macB.description, macB.description])
        }
    }

    @Test func displacementsRecordedInNotesAreCarriedOver() throws {
        let directory = try TemporaryDirectory()
        try Self.previousDatabase(at: directory.databasePath)
        let store = try HostStore(path: directory.databasePath)
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT name, note, displaced_from, displaced_by FROM host ORDER BY id")
                .map { [$0["name"], $0["note"], $0["displaced_from"], $0["displaced_by"]] as [String?] }
        }
        #expect(rows == [
            ["printer-0a01", "printer was taken by \(Self.macB)", "printer", Self.macB.description],
            ["printer", nil, nil, nil],
            ["nas-0a02", "nas belongs to a static host", nil, nil],
        ])
        // The displaced device keeps its NAME-XXXX while the name is held...
        let renewal = DeviceRegistration(name: "printer", mac: Self.macA, address: ip("198.51.100.105"), leaseEnd: 2100,
                                         state: .acknowledged, interface: "br0", seenAt: 1100)
        #expect(try store.register(renewal, protected: []) == .renewed(name: "printer-0a01"))
        // ...and gets it back when the device that took it leaves; the note goes with it.
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.106"), at: 1200))
        let restored = try #require(try store.host(named: "printer"))
        #expect(restored.mac == Self.macA.description)
        #expect(restored.note == nil)
        #expect(try store.hosts().map(\.name) == ["nas-0a02", "printer"])
    }

    @Test func reopeningMigratesNothingTwice() throws {
        let directory = try TemporaryDirectory()
        try Self.previousDatabase(at: directory.databasePath)
        _ = try HostStore(path: directory.databasePath)
        let store = try HostStore(path: directory.databasePath)
        let applied = try store.read { db in try HostStore.migrator().appliedIdentifiers(db) }
        #expect(applied.contains(HostStore.displacedByMigration))
        #expect(try store.host(named: "printer-0a01")?.note == "printer was taken by \(Self.macB)")
    }
}
