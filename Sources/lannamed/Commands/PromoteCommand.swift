import ArgumentParser
import Foundation
import LANZone

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make this standby the primary from the primary's last backup (run with the daemon stopped).",
        discussion: "Puts the backup in place of the database (the standby's own file is kept beside it), with serials newer than anything this standby served, so its secondaries follow. Then start the daemon without --secondary-of.")
    @Option(help: "The primary's backup (from 'lannamed backup').") var from: String
    @OptionGroup var options: StoreOptions

    func run() async throws {
        let settings: Settings
        do { settings = try options.settings() } catch { throw fail(error.description) }
        do {
            let promotion = try HostStore.promote(database: settings.store.database, from: from, now: Date().timeIntervalSince1970)
            printOut("promoted: \(settings.store.database) now holds the primary's data from \(from)")
            printOut("the standby's own database is kept at \(promotion.keptAt)")
            for zone in promotion.zones { printOut("zone \(zone.apex) continues at serial \(zone.serial)") }
            printOut("start the daemon without --secondary-of (and with the primary's --notify/--allow-transfer settings)")
        } catch {
            throw fail(error.description)
        }
    }
}
