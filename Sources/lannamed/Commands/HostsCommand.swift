import ArgumentParser
import DNSWire
import Foundation
import LANZone

struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List, add, remove and import the zone's hosts (a running daemon sees changes within a second).",
        subcommands: [List.self, Add.self, Remove.self, Import.self]
    )

    static func open(_ options: StoreOptions) throws -> (HostStore, Settings) {
        let settings: Settings
        do { settings = try options.settings() } catch { throw fail(error.description) }
        do {
            return (try HostStore(path: settings.store.database), settings)
        } catch {
            throw fail(error.description)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every host.")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Print a JSON array (name, fqdn, addresses, source, mac, expires, ...).")
        var json = false

        func run() async throws {
            let (store, settings) = try HostsCommand.open(options)
            let hosts: [HostRecord]
            do { hosts = try store.hosts() } catch { throw fail(error.description) }
            if json {
                printOut(HostListing.json(hosts, origin: settings.zone.name))
            } else {
                printOut(HostListing.table(hosts, origin: settings.zone.name))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a static host, or set the addresses of an existing one.",
            discussion: "NAME is relative to the zone (printer) or ends in the zone's name (printer.lan).")
        @Argument(help: "The host's name.") var name: String
        @Argument(help: "One or more IPv4 or IPv6 addresses.") var addresses: [String]
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, settings) = try HostsCommand.open(options)
            do {
                let change = try store.setStaticHost(name, addresses: addresses, origin: settings.zone.name)
                printOut("\(change.kind.rawValue) \(change.fqdn) \(change.addresses.map(\.description).joined(separator: " "))")
            } catch {
                throw fail(error.description)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a host by name.")
        @Argument(help: "The host's name.") var name: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, settings) = try HostsCommand.open(options)
            do {
                let relative = try StaticName.relative(name, in: settings.zone.name)
                guard try store.remove(named: relative) else { throw ZoneError.notFound(name) }
                printOut("removed \(relative)")
            } catch let error as ZoneError {
                throw fail(error.description)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a hosts file (ADDRESS NAME [ALIAS...] per line) in one transaction.",
            discussion: "The first name of a line gets the PTR record; aliases get only addresses. Loopback and multicast lines and names outside the zone are skipped and listed.")
        @Argument(help: "The hosts file ('-' for standard input).") var file: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, settings) = try HostsCommand.open(options)
            let data: Data?
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = FileManager.default.contents(atPath: file)
            }
            guard let data, let text = String(data: data, encoding: .utf8) else {
                throw fail("cannot read \(file) as UTF-8 text")
            }
            do {
                let entries = try HostsFile.parse(text)
                let (hosts, skipped) = HostsFile.hosts(from: entries, origin: settings.zone.name)
                let changed = try store.upsert(all: hosts)
                for line in skipped { printOut("skipped \(line)") }
                printOut("imported \(hosts.count) names (\(changed) new or changed) from \(file)")
            } catch {
                throw fail("\(file): \(error.description)")
            }
        }
    }
}
