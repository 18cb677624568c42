import GRDB

// Settings of the admin console kept with the data: the console password's bcrypt hash.

extension HostStore {
    /// The stored value of an admin setting; nil when unset.
    public func adminSetting(_ key: String) throws(ZoneError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM admin_setting WHERE key = ?", arguments: [key]) }
    }

    /// Sets (or with nil, clears) an admin setting.
    public func setAdminSetting(_ key: String, to value: String?) throws(ZoneError) {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO admin_setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM admin_setting WHERE key = ?", arguments: [key])
            }
        }
    }

    static func registerAdminSettingMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10: admin settings") { db in
            try db.execute(sql: "CREATE TABLE admin_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
    }
}
