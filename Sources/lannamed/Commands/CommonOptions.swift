import ArgumentParser
import DNSWire
import Foundation
import LANZone

/// Options shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(help: "Config file (default /etc/lannamed/lannamed.toml when present).")
    var config: String?

    @Option(help: "The zone's name (default lan).")
    var zone: String?

    @Option(help: "SQLite database (default /var/lib/lannamed/lannamed.sqlite).")
    var database: String?

    @Option(name: .customLong("hosted-zone"), help: "A public zone to serve besides the LAN zone, with defaults (NS ns1.ZONE on this server's addresses); repeatable. [[zones]] in the config sets the rest.")
    var hostedZones: [String] = []

    /// Settings from the config file (explicit, or the default path when it exists), then these
    /// options on top.
    func settings() throws(ConfigError) -> Settings {
        var settings = Settings()
        if let path = config {
            try ConfigFile(path: path).apply(to: &settings)
        } else if FileManager.default.fileExists(atPath: Settings.defaultConfigPath) {
            try ConfigFile(path: Settings.defaultConfigPath).apply(to: &settings)
        }
        if let zone {
            do {
                settings.zone.name = try DomainName(parsing: zone.hasSuffix(".") ? zone : zone + ".", origin: .root)
            } catch {
                throw ConfigError(message: "--zone \"\(zone)\" is not a valid zone name (\((error as? DNSWireError)?.reason ?? "\(error)"))")
            }
            if settings.zone.name.isRoot { throw ConfigError(message: "--zone cannot be the root") }
        }
        if let database { settings.store.database = database }
        for zone in hostedZones { try settings.addHostedZone(zone) }
        return settings
    }
}

/// Prints a one-line error and exits non-zero (no usage text: the input was understood, the
/// request could not be done).
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("lannamed: \(message)\n".utf8))
    return ExitCode(code)
}

func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
