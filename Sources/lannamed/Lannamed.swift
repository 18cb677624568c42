import ArgumentParser

@main
struct Lannamed: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "lannamed",
        abstract: "A LAN naming appliance: every device on the network by name.",
        version: version,
        subcommands: [RunCommand.self, HostsCommand.self, RecordsCommand.self, KeysCommand.self, DDNSCommand.self, AdminCommand.self, StatusCommand.self, BackupCommand.self, PromoteCommand.self, ConfigCommand.self]
    )
}
