import ArgumentParser
import DNSWire
import Foundation
import LANZone
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: answer DNS for the LAN zone on every --listen address.")

    @OptionGroup var options: StoreOptions

    @Option(name: .customLong("listen"), help: "ADDR:PORT to answer on, UDP and TCP; repeatable (default 0.0.0.0:53 and [::]:53).")
    var listen: [String] = []

    @Option(name: .customLong("interface"), help: "Interface to watch for DHCP; repeatable.")
    var interfaces: [String] = []

    @Option(name: .customLong("pcap-file"), help: "A capture to replay through the DHCP watcher; repeatable.")
    var pcapFiles: [String] = []

    @Flag(name: .customLong("no-dhcp"), help: "Do not watch DHCP.")
    var noDHCP = false

    @Option(name: .customLong("upstream"), help: "Upstream resolver ADDR[:PORT], in priority order; repeatable.")
    var upstreams: [String] = []

    @Option(help: "Event-loop threads, each with its own UDP socket (default: one per core).")
    var threads: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func settings() throws(ConfigError) -> Settings {
        var settings = try options.settings()
        if !listen.isEmpty {
            settings.server.listen = try Endpoint.parse(listen, what: "--listen")
        }
        if !upstreams.isEmpty {
            settings.forwarding.upstreams = try Endpoint.parse(upstreams, what: "--upstream")
        }
        if !interfaces.isEmpty { settings.dhcp.interfaces = interfaces }
        if !pcapFiles.isEmpty { settings.dhcp.pcapFiles = pcapFiles }
        if noDHCP { settings.dhcp.enabled = false }
        if let threads {
            guard (0...256).contains(threads) else { throw ConfigError(message: "--threads must be between 0 and 256") }
            settings.server.threads = threads
        }
        return settings
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw fail("--log-level \"\(logLevel)\" is not a log level") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "lannamed")

        let settings: Settings
        do { settings = try self.settings() } catch { throw fail(error.description) }

        let store: HostStore
        let zoneConfig: ZoneConfig
        let initial: ZoneSnapshot
        do {
            store = try HostStore(path: settings.store.database)
            try store.replace(source: .config, with: settings.zone.hosts)
            let serverAddresses = settings.zone.serverAddresses.isEmpty
                ? InterfaceAddresses.forServerName(listening: settings.server.listen)
                : settings.zone.serverAddresses
            zoneConfig = try settings.zoneConfig(serverAddresses: serverAddresses)
            initial = try ZoneRefresher.build(store: store, config: zoneConfig)
        } catch let error as ZoneError {
            throw fail(error.description)
        } catch let error as ConfigError {
            throw fail(error.description)
        }
        for name in initial.skipped {
            logger.warning("a stored host name cannot be read and is not served", metadata: ["name": "\(name)"])
        }
        if !settings.forwarding.upstreams.isEmpty {
            logger.warning("forwarding is not available in this version: names outside the local zones get REFUSED")
        }

        let threads = settings.server.threads > 0 ? settings.server.threads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let hub = SnapshotHub(loops: Array(group.makeIterator()), initial: initial)
        let server = DNSServer(settings: settings.server, hub: hub, group: group, logger: logger)
        do {
            try await server.bind()
        } catch let error as PortCheck.Failure {
            try? await group.shutdownGracefully()
            throw fail(error.description)
        } catch {
            try? await group.shutdownGracefully()
            throw fail("cannot listen: \(error)")
        }

        let refresher = ZoneRefresher(store: store, hub: hub, config: zoneConfig)
        let watcher = ZoneWatcher(refresher: refresher, interval: settings.store.pollInterval, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server), .init(service: watcher)]
        var watching: [String] = []
        if settings.dhcp.enabled {
            let queue = LeaseQueue()
            var interfaces = settings.dhcp.interfaces
            var workers: [CaptureWorker] = []
            if interfaces.isEmpty && settings.dhcp.pcapFiles.isEmpty {
                // Implicit: the default route's interface; without it (or without permission)
                // the daemon still serves the zone.
                if let interface = DefaultRoute.interface() {
                    do {
                        workers = try DHCPService.openWorkers(interfaces: [interface], queue: queue, logger: logger)
                        interfaces = [interface]
                    } catch {
                        logger.error("not watching DHCP: \(error.description) (use --interface IFACE, or --no-dhcp)")
                        interfaces = []
                    }
                } else {
                    logger.warning("not watching DHCP: no default route to take the interface from (use --interface IFACE)")
                }
            } else {
                do {
                    workers = try DHCPService.openWorkers(interfaces: interfaces, queue: queue, logger: logger)
                } catch {
                    try? await group.shutdownGracefully()
                    throw fail(error.description)
                }
            }
            watching = interfaces + settings.dhcp.pcapFiles.map { "file:\($0)" }
            let protected = Set(settings.dhcp.protectedNames.map { $0.lowercased() } + ["wpad", "isatap", "localhost"]
                + (zoneConfig.serverName.labels(relativeTo: zoneConfig.origin)?.first.map { [String(decoding: $0, as: UTF8.self).lowercased()] } ?? []))
            let dhcp = DHCPService(
                store: store, refresher: refresher, queue: queue, workers: workers, files: settings.dhcp.pcapFiles,
                options: .init(requestedLifetime: settings.dhcp.requestedLifetime, protected: protected), logger: logger)
            services.append(.init(service: dhcp))
        }
        logger.info("lannamed \(Lannamed.version) answering", metadata: [
            "zone": "\(zoneConfig.origin)",
            "serial": "\(initial.serial)",
            "hosts": "\(initial.hostCount)",
            "listen": "\(settings.server.listen.map(\.description).joined(separator: " "))",
            "threads": "\(threads)",
            "database": "\(settings.store.database)",
            "ns": "\(zoneConfig.serverName) \(zoneConfig.serverAddresses.map(\.description).joined(separator: " "))",
            "dhcp": "\(settings.dhcp.enabled ? (watching.isEmpty ? "none" : watching.joined(separator: " ")) : "off")",
        ])
        SystemdNotify.send("READY=1\nSTATUS=answering \(zoneConfig.origin) with \(initial.hostCount) hosts")

        let group2 = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group2.run()
        } catch {
            logger.error("stopped on an error", metadata: ["error": "\(error)"])
        }
        SystemdNotify.send("STOPPING=1")
        try? await group.shutdownGracefully()
        logger.info("lannamed stopped")
    }
}
