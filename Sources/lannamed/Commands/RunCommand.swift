import HostSystem
import DNSServer
import ZoneTransfer
import ArgumentParser
import Forwarder
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

    @Option(name: .customLong("upstream"), help: "Upstream resolver ADDR[:PORT] or tls://ADDR[:853]#NAME, in priority order; repeatable (default: /etc/resolv.conf).")
    var upstreams: [String] = []

    @Option(name: .customLong("forward-domain"), help: "Conditional forwarding DOMAIN=ADDR[:PORT][,ADDR...]; repeatable.")
    var forwardDomains: [String] = []

    @Option(name: .customLong("allow"), help: "Client prefix that may use the forwarder; repeatable (replaces the default: this machine's networks and loopback).")
    var allow: [String] = []

    @Flag(name: .customLong("no-forward"), help: "Answer only the local zones; REFUSED for everything else.")
    var noForward = false

    @Option(name: .customLong("allow-transfer"), help: "Client prefix that may transfer the zones (AXFR/IXFR); repeatable (default: none).")
    var allowTransfer: [String] = []

    @Option(name: .customLong("notify"), help: "Secondary ADDR[:PORT] to send NOTIFY to after each change; repeatable.")
    var notify: [String] = []

    @Option(name: .customLong("tsig"), help: "TSIG key NAME:ALGORITHM:BASE64SECRET (hmac-sha256) that signs transfers and NOTIFY.")
    var tsig: String?

    @Option(name: .customLong("secondary-of"), help: "Primary ADDR[:PORT] to copy the zones from: run as its secondary.")
    var secondaryOf: String?

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
            do { settings.forwarding.upstreams = try Settings.parseUpstreams(upstreams) } catch {
                throw ConfigError(message: "--upstream \(error.message)")
            }
        }
        for text in forwardDomains {
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ConfigError(message: "--forward-domain \"\(text)\" should be DOMAIN=ADDR[,ADDR]") }
            do {
                let (domain, list) = try Settings.parseDomain(String(parts[0]), parts[1].split(separator: ",").map(String.init))
                settings.forwarding.domains[domain] = list
            } catch {
                throw ConfigError(message: "--forward-domain \(error.message)")
            }
        }
        if !allow.isEmpty {
            do { settings.forwarding.allow = try Settings.parsePrefixes(allow) } catch {
                throw ConfigError(message: "--allow \(error.message)")
            }
        }
        if noForward { settings.forwarding.enabled = false }
        if !interfaces.isEmpty { settings.dhcp.interfaces = interfaces }
        if !pcapFiles.isEmpty { settings.dhcp.pcapFiles = pcapFiles }
        if noDHCP { settings.dhcp.enabled = false }
        if !allowTransfer.isEmpty {
            do { settings.transfer.allow = try Settings.parsePrefixes(allowTransfer) } catch {
                throw ConfigError(message: "--allow-transfer \(error.message)")
            }
        }
        if !notify.isEmpty { settings.transfer.notify = try Endpoint.parseDestinations(notify, what: "--notify") }
        if let tsig {
            do { _ = try Settings.parseTSIG(tsig) } catch { throw ConfigError(message: "--tsig \(error.message)") }
            settings.transfer.tsig = tsig
        }
        if let secondaryOf {
            do { settings.transfer.secondaryOf = try Endpoint(destination: secondaryOf) } catch {
                throw ConfigError(message: "--secondary-of \(error.message)")
            }
        }
        if settings.transfer.secondaryOf != nil && settings.transfer.offersTransfers {
            throw ConfigError(message: "--secondary-of cannot be combined with --allow-transfer or --notify: a secondary does not pass the primary's zones on; let the other secondaries transfer from the primary")
        }
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

        var settings: Settings
        let auth: TransferAuth
        do {
            settings = try self.settings()
            auth = TransferAuth(key: try settings.transfer.tsig.map(Settings.parseTSIG))
        } catch { throw fail(error.description) }
        if settings.transfer.secondaryOf != nil && settings.dhcp.enabled {
            // The primary's zone is the truth on a secondary: its DHCP watcher feeds the zone.
            logger.info("secondary: not watching DHCP (the primary does)")
            settings.dhcp.enabled = false
        }

        let store: HostStore
        let zoneConfig: ZoneConfig
        var initial: ZoneSnapshot
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
        let gate: ForwardingGate
        do {
            gate = try Self.forwardingGate(settings, logger: logger)
        } catch {
            throw fail(error.description)
        }

        // Zone transfers: per-zone serials and the IXFR journal when secondaries are served.
        var journal: TransferJournal?
        if settings.transfer.offersTransfers {
            let limits = HostStore.JournalLimits(entries: settings.transfer.journalEntries, bytes: settings.transfer.journalBytes)
            let made = TransferJournal(store: store, limits: limits, logger: logger)
            initial = made.start(initial)
            journal = made
        }

        let threads = settings.server.threads > 0 ? settings.server.threads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let hub = SnapshotHub(loops: Array(group.makeIterator()), initial: initial)
        var secondary: SecondaryService?
        if let primary = settings.transfer.secondaryOf {
            secondary = SecondaryService(primary: primary, origin: zoneConfig.origin, auth: auth, store: store, group: group, logger: logger) {
                hub.publish(secondaries: $0)
            }
        }
        var transfers: TransferService?
        if journal != nil || secondary != nil || auth.key != nil {
            transfers = TransferService(snapshot: { hub.current }, respond: { QueryResponder.respond(to: $0, snapshot: $1, transport: $2) },
                                        journal: journal, allow: settings.transfer.allow, auth: auth,
                                        secondary: secondary, pool: NIOThreadPool.singleton, logger: logger)
        }
        let server = DNSListeners(options: settings.server.listenerOptions, hub: hub, gate: gate, transfers: transfers, group: group, logger: logger)
        do {
            try await server.bind()
        } catch let error as PortCheck.Failure {
            try? await group.shutdownGracefully()
            throw fail(error.description)
        } catch {
            try? await group.shutdownGracefully()
            throw fail("cannot listen: \(error)")
        }

        let refresher = ZoneRefresher(store: store, hub: hub, config: zoneConfig, journal: journal)
        let watcher = ZoneWatcher(refresher: refresher, interval: settings.store.pollInterval, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server), .init(service: watcher)]
        if let journal, !settings.transfer.notify.isEmpty {
            let notifier = NotifySender(targets: settings.transfer.notify, auth: auth, interval: settings.transfer.notifyInterval, group: group,
                                        logger: logger)
            journal.onChange = { apexes, snapshot in notifier.zonesChanged(apexes, in: snapshot) }
            // At start every zone is announced: secondaries catch up with changes made meanwhile.
            notifier.zonesChanged(initial.transferApexes.filter(initial.hasData), in: initial)
            services.append(.init(service: notifier))
        }
        if let secondary { services.append(.init(service: secondary)) }
        if let forwarder = gate.forwarder {
            services.append(.init(service: UpstreamMonitor(forwarder: forwarder, logger: logger)))
        }
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
            "upstreams": "\(gate.forwarder.map { $0.policy.allUpstreams.map(\.description).joined(separator: " ") } ?? "none")",
            "dhcp": "\(settings.dhcp.enabled ? (watching.isEmpty ? "none" : watching.joined(separator: " ")) : "off")",
            "transfers": "\(Self.describeTransfers(settings.transfer, zones: initial.transferApexes.count))",
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

    static func describeTransfers(_ transfer: Settings.Transfer, zones: Int) -> String {
        var parts: [String] = []
        if let primary = transfer.secondaryOf { parts.append("secondary of \(primary)") }
        if !transfer.allow.isEmpty { parts.append("\(zones) zones to \(transfer.allow.map(\.description).joined(separator: " "))") }
        if !transfer.notify.isEmpty { parts.append("notify \(transfer.notify.map(\.description).joined(separator: " "))") }
        if transfer.tsig != nil { parts.append("TSIG") }
        return parts.isEmpty ? "off" : parts.joined(separator: ", ")
    }

    /// The forwarder from the settings: explicit upstreams (a loop back to this server is an
    /// error), or the nameservers of /etc/resolv.conf minus this server's own addresses.
    static func forwardingGate(_ settings: Settings, logger: Logger) throws(ConfigError) -> ForwardingGate {
        let interfaces = InterfaceAddresses.prefixes()
        let access = AccessList(settings.forwarding.allow ?? (AccessList.loopback + interfaces.map {
            AddressPrefix(address: $0.address, length: $0.length)
        }))
        guard settings.forwarding.enabled else { return ForwardingGate(forwarder: nil, access: access) }
        let local = Set(interfaces.map(\.address))
        func isSelf(_ upstream: Upstream) -> Bool {
            settings.server.listen.contains { endpoint in
                guard endpoint.port == upstream.port else { return false }
                if endpoint.address == upstream.address { return true }
                guard endpoint.isWildcard else { return false }
                let sameFamily = endpoint.address.bytes.count == upstream.address.bytes.count
                let loopback = AccessList(AccessList.loopback).allows(upstream.address)
                return sameFamily && (local.contains(upstream.address) || loopback)
            }
        }
        var defaults = settings.forwarding.upstreams
        if defaults.isEmpty {
            defaults = ResolvConf.nameservers().map { Upstream(address: $0) }.filter { !isSelf($0) }
            if defaults.isEmpty && settings.forwarding.domains.isEmpty {
                logger.warning("no upstreams: /etc/resolv.conf names none but this server; names outside the local zones get REFUSED (use --upstream)")
                return ForwardingGate(forwarder: nil, access: access)
            }
        } else if let loop = defaults.first(where: isSelf) {
            throw ConfigError(message: "upstream \(loop) is this server itself: that would be a loop; name the router's or the provider's resolver instead")
        }
        for (domain, list) in settings.forwarding.domains {
            if let loop = list.first(where: isSelf) {
                throw ConfigError(message: "upstream \(loop) for \(domain) is this server itself: that would be a loop")
            }
        }
        if let tls = (defaults + settings.forwarding.domains.values.flatMap { $0 }).first(where: { $0.tlsName != nil }) {
            throw ConfigError(message: "upstream \(tls): DNS over TLS is not available in this version; use a plain ADDR[:PORT]")
        }
        var options = Forwarder.Options()
        options.cacheCapacity = max(1, settings.forwarding.cacheSize)
        let forwarder = Forwarder(policy: ForwardingPolicy(defaults: defaults, domains: settings.forwarding.domains),
                                  group: MultiThreadedEventLoopGroup.singleton, options: options)
        return ForwardingGate(forwarder: forwarder, access: access)
    }
}
