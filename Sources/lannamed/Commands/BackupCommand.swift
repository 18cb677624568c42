import ArgumentParser
import Foundation
import LANZone

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the whole database (hosts, zones, accounts, tokens, keys) to a file, consistently, while the daemon runs.",
        discussion: "A standby pulls it on a schedule (e.g. ssh primary lannamed backup /tmp/b.sqlite && scp ...) for 'lannamed promote'.")
    @Argument(help: "The file to write (replaced if it exists).") var file: String
    @OptionGroup var options: StoreOptions

    func run() async throws {
        let (store, settings) = try HostsCommand.open(options)
        do { try store.backup(to: file) } catch { throw fail(error.description) }
        printOut("backed up \(settings.store.database) to \(file)")
    }
}
