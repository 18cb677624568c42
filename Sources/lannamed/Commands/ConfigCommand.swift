import ArgumentParser
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the config file.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a config file; print what it sets, or the line that is wrong and why.")
        @Option(help: "Config file (default /etc/lannamed/lannamed.toml).")
        var config: String = Settings.defaultConfigPath

        func run() async throws {
            var settings = Settings()
            do {
                try ConfigFile(path: config).apply(to: &settings)
            } catch {
                throw fail(error.description)
            }
            printOut("\(config): OK")
            printOut("  zone \(settings.zone.name) (ttl \(settings.zone.ttl), \(settings.zone.hosts.count) names in the file)")
            printOut("  listen \(settings.server.listen.map(\.description).joined(separator: " "))")
            for zone in settings.hosted {
                printOut("  hosted zone \(zone.name) (\(zone.records.count) records in the file, NS \(zone.nameServers.isEmpty ? "ns1 on this server" : zone.nameServers.map(\.description).joined(separator: " ")))")
            }
            if let http = settings.http.listen {
                printOut("  http \(http)\(settings.http.tlsCertificate == nil ? "" : " (TLS)")")
            }
            printOut("  database \(settings.store.database)")
            if !settings.forwarding.upstreams.isEmpty {
                printOut("  upstreams \(settings.forwarding.upstreams.map(\.description).joined(separator: " "))")
            }
            let transfers = Runtime.describeTransfers(settings.transfer, zones: 0)
                .replacingOccurrences(of: "0 zones to ", with: "zones to ")
            if transfers != "off" { printOut("  transfers \(transfers)") }
        }
    }
}
