import AdminAPI
import DHCPNames
import DNSServer
import DNSWire
import Forwarder
import HostSystem
import LANZone
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import DynamicDNS
import Foundation
import NIOConcurrencyHelpers
import Prometheus
import ServerMetrics
import Timekeeping
import WebConsole
import WebService
import ZoneTransfer
import ZoneUpdate

/// Everything `lannamed run` starts, built from the settings: the composition root. One
/// event-loop group, one blocking-work thread pool and one clock are made or taken here and
/// passed down; no service reaches for a global one.
struct Runtime {
    let group: MultiThreadedEventLoopGroup
    let pool: NIOThreadPool
    let services: [ServiceGroupConfiguration.ServiceConfiguration]
    /// SIGHUP: the HTTP listener rereads its certificate (kept alive with the runtime).
    let reload: (any DispatchSourceSignal)?
    let zone: ZoneConfig
    let initial: ZoneSnapshot
    /// The start line's fields.
    let summary: Logger.Metadata

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The process's metrics registry; swift-metrics records into it from the first daemon start
    /// on (a process bootstraps swift-metrics once).
    static let metricsRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsExporter.bootstrap(registry)
        return registry
    }()

    /// Opens the store, builds the first snapshot, binds every listener and makes the services;
    /// a failure says why in one sentence, with nothing left running.
    static func build(_ settings: Settings, clock: ServerClock, logger: Logger) async throws(Failure) -> Runtime {
        // SIGHUP must never end the daemon, also while it starts (listeners answer before the
        // reload handler is in place).
        signal(SIGHUP, SIG_IGN)
        // Before any service counts anything.
        let registry = metricsRegistry
        var settings = settings
        if settings.transfer.secondaryOf != nil && settings.dhcp.enabled {
            // The primary's zone is the truth on a secondary: its DHCP watcher feeds the zone.
            logger.info("secondary: not watching DHCP (the primary does)")
            settings.dhcp.enabled = false
        }
        let auth: TransferAuth
        let store: HostStore
        let zoneConfig: ZoneConfig
        let hosted: [HostedZoneConfig]
        var initial: ZoneSnapshot
        do {
            auth = TransferAuth(key: try settings.transfer.tsig.map(Settings.parseTSIG), clock: clock)
            store = try HostStore(path: settings.store.database, clock: clock)
            try store.replace(source: .config, with: settings.zone.hosts)
            let serverAddresses = settings.zone.serverAddresses.isEmpty
                ? InterfaceAddresses.forServerName(listening: settings.server.listen)
                : settings.zone.serverAddresses
            zoneConfig = try settings.zoneConfig(serverAddresses: serverAddresses)
            // A secondary copies the hosted zones from its primary instead of building them.
            hosted = settings.transfer.secondaryOf == nil ? settings.hostedZoneConfigs(serverAddresses: serverAddresses) : []
            initial = try ZoneRefresher.build(store: store, config: zoneConfig, hosted: hosted, clock: clock)
        } catch let error as ZoneError {
            throw Failure(description: error.description)
        } catch let error as ConfigError {
            throw Failure(description: error.description)
        } catch {
            throw Failure(description: "\(error)")
        }
        for name in initial.skipped {
            logger.warning("a stored host name cannot be read and is not served", metadata: ["name": "\(name)"])
        }
        for problem in initial.hosted?.skipped ?? [] {
            logger.warning("a hosted zone record is not served", metadata: ["problem": "\(problem)"])
        }

        let threads = settings.server.threads > 0 ? settings.server.threads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let pool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
        pool.start()
        func abandon(_ description: String) async -> Failure {
            try? await group.shutdownGracefully()
            try? await pool.shutdownGracefully()
            return Failure(description: description)
        }

        let gate: ForwardingGate
        do { gate = try forwardingGate(settings, group: group, clock: clock, logger: logger) } catch {
            throw await abandon(error.description)
        }

        // Zone transfers: per-zone serials and the IXFR journal when secondaries are served.
        var journal: TransferJournal?
        if settings.transfer.offersTransfers || settings.hosted.contains(where: { !$0.notify.isEmpty }) {
            let limits = HostStore.JournalLimits(entries: settings.transfer.journalEntries, bytes: settings.transfer.journalBytes)
            let made = TransferJournal(store: store, limits: limits, logger: logger)
            initial = made.start(initial)
            journal = made
        }
        let hub = SnapshotHub(loops: Array(group.makeIterator()), initial: initial)
        var secondary: SecondaryService?
        if let primary = settings.transfer.secondaryOf {
            secondary = SecondaryService(primary: primary, origin: zoneConfig.origin, hosted: settings.hostedZoneNames, auth: auth,
                                         store: store, group: group, logger: logger) { hub.publish(secondaries: $0) }
            await secondary?.load()
        }
        let refresher = ZoneRefresher(store: store, hub: hub, config: zoneConfig, hosted: hosted, journal: journal, clock: clock)
        // A primary always takes UPDATEs: the LAN zone's from DHCP servers, the hosted zones'.
        let updates = settings.transfer.secondaryOf != nil ? nil
            : updateService(hosted: hosted, zone: zoneConfig, protected: protectedNames(settings, zone: zoneConfig), store: store,
                            hub: hub, refresher: refresher, clock: clock, pool: pool, logger: logger)
        var updateHandler: TransferService.UpdateHandler?
        if let updates {
            updateHandler = { bytes, remote, send in updates.handle(bytes, from: remote, send: send) }
        }
        var transfers: TransferService?
        if journal != nil || secondary != nil || auth.key != nil || updates != nil {
            transfers = TransferService(snapshot: { hub.current },
                                        respond: { QueryResponder.respond(to: $0, snapshot: $1, transport: $2) },
                                        journal: journal, allow: settings.transfer.allow, auth: auth,
                                        secondary: secondary, updates: updateHandler,
                                        pool: pool, logger: logger)
        }
        let queries = QueryMetrics()
        let server = DNSListeners(options: settings.server.listenerOptions, hub: hub, gate: gate, transfers: transfers,
                                  group: group, metrics: queries, logger: logger)
        // The DHCP service is made after the HTTP listener; the scrape finds it here.
        let dhcpForMetrics = NIOLockedValueBox<DHCPService?>(nil)
        let exporter = MetricsExporter(registry: registry, sources: .init(
            queries: queries, forwarder: gate.forwarder, snapshot: { hub.current },
            captures: {
                (dhcpForMetrics.withLockedValue { $0 }?.captureCounts ?? []).map {
                    MetricsExporter.CaptureCounts(interface: $0.interface, frames: $0.frames, events: $0.events, malformed: $0.malformed)
                }
            }))
        do {
            try await server.bind()
        } catch let error as PortCheck.Failure {
            throw await abandon(error.description)
        } catch {
            throw await abandon("cannot listen: \(error)")
        }

        let watcher = ZoneWatcher(refresher: refresher, interval: settings.store.pollInterval, pool: pool, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server), .init(service: watcher)]
        if let journal {
            // `[transfer] notify` hears of every zone; a hosted zone's own `notify` of that zone.
            var notifiers: [(sender: NotifySender, zone: DomainName?)] = []
            if !settings.transfer.notify.isEmpty {
                notifiers.append((NotifySender(targets: settings.transfer.notify, auth: auth, interval: settings.transfer.notifyInterval,
                                               group: group, logger: logger), nil))
            }
            for zone in settings.hosted where !zone.notify.isEmpty {
                notifiers.append((NotifySender(targets: zone.notify, auth: auth, interval: settings.transfer.notifyInterval,
                                               group: group, logger: logger), zone.name))
            }
            if !notifiers.isEmpty {
                let notifiers = notifiers
                let dispatch: @Sendable ([DomainName], ZoneSnapshot) -> Void = { apexes, snapshot in
                    for (sender, zone) in notifiers {
                        let mine = zone.map { zone in apexes.filter { $0 == zone } } ?? apexes
                        if !mine.isEmpty { sender.zonesChanged(mine, in: snapshot) }
                    }
                }
                journal.onChange = dispatch
                // At start every zone is announced: secondaries catch up with changes made meanwhile.
                dispatch(initial.transferApexes.filter(initial.hasData), initial)
                services += notifiers.map { .init(service: $0.sender) }
            }
        }
        if let secondary { services.append(.init(service: secondary)) }
        var web: WebService?
        var httpSummary = "off"
        var httpListen = settings.http.listen
        if let listen = httpListen, !settings.http.listenChosen {
            // The default port, taken by something else: the rest of the server still starts.
            do { try PortCheck.probe(listen, proto: .tcp) } catch {
                logger.warning("HTTP listener off: the default \(listen) is taken; console, API and metrics need --http-listen ADDR:PORT",
                               metadata: ["why": "\(error.description)"])
                httpListen = nil
            }
        }
        if let listen = httpListen {
            do {
                // The last transfer each secondary took, for the console and the API.
                let servedSecondaries: @Sendable () -> [(zone: String, secondary: String, serial: UInt32, at: Double)] = { [transfers] in
                    (transfers?.servedTransfers ?? []).map {
                        (zone: $0.zone.description, secondary: $0.secondary.description, serial: $0.serial, at: $0.at)
                    }
                }
                let api = AdminAPI(.init(
                    store: store, origin: zoneConfig.origin, snapshot: { hub.current }, publish: { _ = try refresher.refresh() },
                    upstreams: { (gate.forwarder?.status() ?? []).map(apiUpstream) }, version: Lannamed.version,
                    started: clock.now(), now: { clock.now() }, pool: pool,
                    configRecords: settings.hosted.map { (zone: $0.name, records: $0.records) },
                    secondaries: servedSecondaries))
                let console = WebConsole(.init(
                    store: store, origin: zoneConfig.origin, snapshot: { hub.current }, publish: { _ = try refresher.refresh() },
                    upstreams: {
                        (gate.forwarder?.status() ?? []).map {
                            ($0.upstream.description, $0.health.isUp, $0.health.srtt, $0.health.answers, $0.health.failures)
                        }
                    },
                    vendors: {
                        let vendors = OUIVendors()
                        if vendors.isEmpty { logger.info("console: no \(OUIVendors.defaultPath) (apt install ieee-data): devices show no vendor") }
                        return vendors
                    },
                    secondaries: servedSecondaries,
                    started: clock.now(), now: { clock.now() }, pool: pool))
                let accounts = AccountPages(.init(store: store, now: { clock.now() }, pool: pool))
                let made = try webService(settings.http, listen: listen, store: store, refresher: refresher, zones: hosted,
                                          metrics: exporter, api: api, console: console, accounts: accounts, clock: clock,
                                          group: group, pool: pool, logger: logger)
                services.append(.init(service: made))
                web = made
                httpSummary = "\(listen)\(settings.http.tlsCertificate == nil ? "" : " (TLS)")"
            } catch {
                try? await server.close()
                throw await abandon("HTTP listener: \(error)")
            }
        }
        if let forwarder = gate.forwarder {
            services.append(.init(service: UpstreamMonitor(forwarder: forwarder, logger: logger)))
        }
        var watching: [String] = []
        if settings.dhcp.enabled {
            let dhcp: DHCPService
            do {
                (dhcp, watching) = try dhcpService(settings, zone: zoneConfig, store: store, refresher: refresher, clock: clock,
                                                   loop: group.next(), pool: pool, logger: logger)
            } catch {
                try? await server.close()
                throw await abandon(error.description)
            }
            services.append(.init(service: dhcp))
            dhcpForMetrics.withLockedValue { $0 = dhcp }
        }
        let summary: Logger.Metadata = [
            "zone": "\(zoneConfig.origin)",
            "hosted": "\(hosted.isEmpty ? "none" : hosted.map(\.apex.description).joined(separator: " "))",
            "serial": "\(initial.serial)",
            "hosts": "\(initial.hostCount)",
            "listen": "\(settings.server.listen.map(\.description).joined(separator: " "))",
            "threads": "\(threads)",
            "database": "\(settings.store.database)",
            "ns": "\(zoneConfig.serverName) \(zoneConfig.serverAddresses.map(\.description).joined(separator: " "))",
            "upstreams": "\(gate.forwarder.map { $0.policy.allUpstreams.map(\.description).joined(separator: " ") } ?? "none")",
            "dhcp": "\(settings.dhcp.enabled ? (watching.isEmpty ? "none" : watching.joined(separator: " ")) : "off")",
            "transfers": "\(describeTransfers(settings.transfer, zones: initial.transferApexes.count))",
            "http": "\(httpSummary)",
        ]
        return Runtime(group: group, pool: pool, services: services, reload: reloadOnHangUp(web, logger: logger), zone: zoneConfig, initial: initial,
                       summary: summary)
    }

    /// RFC 2136 UPDATE of the hosted zones and the LAN zone: keys from the store (a key made at
    /// the command line works at once), changes stored and published before the answer leaves.
    /// LAN-zone names become hosts of source `update` (never a static or protected name).
    static func updateService(hosted: [HostedZoneConfig], zone: ZoneConfig, protected: Set<String>, store: HostStore,
                              hub: SnapshotHub, refresher: ZoneRefresher,
                              clock: ServerClock, pool: NIOThreadPool, logger: Logger) -> UpdateService {
        let fixed = Dictionary(hosted.map { ($0.apex, Set($0.baseRecords(serial: 0).filter { $0.type != .soa })) },
                               uniquingKeysWith: { $1 })
        return UpdateService(
            snapshot: { hub.current },
            keys: { name in
                if let stored = try? store.updateKey(named: name) {
                    guard let key = UpdateKey(stored: stored) else {
                        logger.error("a stored UPDATE key cannot be read", metadata: ["key": "\(name)"])
                        return nil
                    }
                    return key
                }
                // A dynamic DNS token made with --tsig: its hosts' addresses and ACME records.
                guard let credential = try? store.dynamicCredential(tsigKey: name, now: clock.now()),
                      !credential.account.suspended, !credential.accountExpired else { return nil }
                return UpdateKey(dynamic: credential)
            },
            fixed: { fixed[$0] ?? [] },
            apply: { apex, changes in
                // The rules name the exact records that go and come: patch the served zone with
                // them, unless a wildcard host's `*.NAME` follows the change (then rebuild).
                try refresher.publish(hostedChanges: { served, _ in
                    guard let zone = served.hosted?.zones[apex] else { return nil }
                    for name in Set((changes.removed + changes.added).map(\.name)) {
                        if let star = try? name.prepending([UInt8(ascii: "*")]), !zone.records(at: star).isEmpty { return nil }
                    }
                    return [apex: ZoneChange(removed: changes.removed, added: changes.added)]
                }) {
                    try applyUpdate(apex: apex, changes: changes, store: store, now: clock.now())
                }
            },
            lan: LANUpdates(store: store, zone: zone, protected: protected, now: { clock.now() },
                            publish: { try refresher.refresh() }),
            clock: clock, pool: pool, logger: logger)
    }

    /// The dyndns2 update server on the HTTP listener: each answer's log line has its secrets
    /// redacted.
    static func webService(_ http: Settings.HTTP, listen: Endpoint, store: HostStore, refresher: ZoneRefresher,
                           zones: [HostedZoneConfig], metrics: MetricsExporter, api: AdminAPI, console: WebConsole,
                           accounts: AccountPages, clock: ServerClock,
                           group: MultiThreadedEventLoopGroup, pool: NIOThreadPool, logger: Logger) throws -> WebService {
        let backend = DynDNSStore(store: store, refresher: refresher, zones: zones, pool: pool, now: { clock.now() })
        // Rate states of clients not seen for an hour limit nothing any more: dropped hourly.
        group.next().scheduleRepeatedTask(initialDelay: .minutes(5), delay: .hours(1)) { _ in
            pool.submit { _ in
                do { try store.pruneRateStates(before: clock.now() - 3600) } catch {
                    logger.warning("dyndns2: old rate states not pruned", metadata: ["error": "\(error)"])
                }
            }
        }
        let dyndns = DynDNSService(backend: backend)
        let tls = http.tlsCertificate.flatMap { cert in
            http.tlsKey.map { WebServiceConfiguration.TLSFiles(certificateChain: cert, privateKey: $0) }
        }
        // /metrics, the API and the console: loopback and this machine's networks unless the settings say who.
        let admin = AccessList(http.adminAllow ?? localNetworks(InterfaceAddresses.prefixes()))
        let configuration = WebServiceConfiguration(host: listen.address.description, port: listen.port, tls: tls,
                                                    trustedProxies: http.trustedProxies, adminAccess: admin)
        return try WebService(configuration: configuration, eventLoopGroup: group, logger: logger,
                              metrics: { metrics.render() },
                              api: { method, path, authorization, body in
                                  let answer = await api.handle(APIRequest(method: method, path: path, authorization: authorization,
                                                                           body: body))
                                  return HTTPUpdateResponse(status: answer.status, headers: answer.headers.map { ($0.name, $0.value) },
                                                            body: answer.body)
                              },
                              console: { request in
                                  let answer = await console.handle(ConsoleRequest(
                                      method: request.method, path: request.path, query: request.query, headers: request.headers,
                                      body: request.body, client: request.peer.description, secure: request.secure))
                                  return WebResponse(status: answer.status, headers: answer.headers, body: answer.body, events: answer.events)
                              },
                              account: { request in
                                  let answer = await accounts.handle(ConsoleRequest(
                                      method: request.method, path: request.path, query: request.query, headers: request.headers,
                                      body: request.body, client: request.client.description, secure: request.secure),
                                                                     client: request.client)
                                  return WebResponse(status: answer.status, headers: answer.headers, body: answer.body)
                              }) { request in
            let outcome = await dyndns.handle(path: request.path, rawQuery: request.rawQuery, headers: request.headers,
                                              peer: request.clientAddress, now: clock.now())
            logger.info("dyndns2", metadata: ["request": "\(outcome.logLine)", "status": "\(outcome.http.status)"])
            return HTTPUpdateResponse(outcome.http)
        }
    }

    /// Loopback and the prefixes of these interfaces: who is "local" by default (the forwarder's
    /// clients, the admin pages).
    static func localNetworks(_ interfaces: [(address: IPAddress, length: Int)]) -> [AddressPrefix] {
        AccessList.loopback + interfaces.map { AddressPrefix(address: $0.address, length: $0.length) }
    }

    /// An upstream's health as the API shows it.
    static func apiUpstream(_ entry: (upstream: Upstream, health: UpstreamHealth)) -> APIUpstream {
        APIUpstream(address: entry.upstream.description, up: entry.health.isUp, rttMilliseconds: entry.health.srtt.map { $0 * 1000 },
                    answers: entry.health.answers, failures: entry.health.failures)
    }

    /// SIGHUP (`systemctl reload`) rereads the HTTP listener's certificate (a renewed one takes
    /// effect without a restart; a broken file keeps the old one and says why), and never stops
    /// the daemon.
    static func reloadOnHangUp(_ web: WebService?, logger: Logger) -> any DispatchSourceSignal {
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            guard let web else { return logger.info("SIGHUP: nothing to reload (no HTTPS listener)") }
            do {
                try web.reloadCertificates()
                logger.info("HTTP listener: certificate reloaded")
            } catch {
                logger.error("HTTP listener: certificate not reloaded, the old one stays", metadata: ["error": "\(error)"])
            }
        }
        source.resume()
        return source
    }

    /// Stores an UPDATE's changes: addresses of a dynamic DNS host become that host's addresses
    /// (what dyndns2 sets too); every other record is a stored record of the zone.
    static func applyUpdate(apex: DomainName, changes: UpdateRules.Changes, store: HostStore, now: Double) throws {
        var hosts: [DomainName: DynamicHost] = [:]
        for record in changes.removed + changes.added where record.type == .a || record.type == .aaaa {
            if hosts[record.name] == nil, let host = try store.dynamicHost(named: record.name) { hosts[record.name] = host }
        }
        let isHostAddress = { (record: ResourceRecord) in (record.type == .a || record.type == .aaaa) && hosts[record.name] != nil }
        var byAccount: [String: [DynamicAddressChange]] = [:]
        for (name, host) in hosts {
            var addresses = host.addresses
            for record in changes.removed where record.name == name {
                addresses.removeAll { $0.recordData == record.data }
            }
            for record in changes.added where record.name == name && isHostAddress(record) {
                switch record.data {
                case .a(let v4): addresses.append(.v4(v4))
                case .aaaa(let v6): addresses.append(.v6(v6))
                default: break
                }
            }
            byAccount[host.account, default: []].append(DynamicAddressChange(host: name, addresses: addresses))
        }
        for (account, list) in byAccount {
            try store.applyDynamicUpdate(account: account, token: nil, changes: list, now: now)
        }
        try store.applyZoneChange(apex: apex, removed: changes.removed.filter { !isHostAddress($0) },
                                  added: changes.added.filter { !isHostAddress($0) }, now: now)
    }

    /// The DHCP watcher: the capture workers (an explicit interface that cannot be opened stops
    /// the start; the implicit default-route interface only logs), replays and the service.
    static func dhcpService(_ settings: Settings, zone: ZoneConfig, store: HostStore, refresher: ZoneRefresher,
                            clock: ServerClock, loop: any EventLoop, pool: NIOThreadPool,
                            logger: Logger) throws(Failure) -> (DHCPService, watching: [String]) {
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
                throw Failure(description: error.description)
            }
        }
        let watching = interfaces + settings.dhcp.pcapFiles.map { "file:\($0)" }
        let protected = protectedNames(settings, zone: zone)
        let publisher = DHCPService.Publisher(refresh: { try refresher.refresh() },
                                              lastRebuild: { refresher.lastRebuild.withLockedValue { $0 } })
        let service = DHCPService(
            store: store, publisher: publisher, queue: queue, workers: workers, files: settings.dhcp.pcapFiles,
            options: .init(requestedLifetime: settings.dhcp.requestedLifetime, protected: protected),
            clock: clock, loop: loop, pool: pool, logger: logger)
        return (service, watching)
    }

    /// Names no learned host gets (sniffed or updated), lower-cased: the configured ones, WPAD
    /// and ISATAP (RFC 5887 attacks), localhost and the server's own name.
    static func protectedNames(_ settings: Settings, zone: ZoneConfig) -> Set<String> {
        let serverLabel = zone.serverName.labels(relativeTo: zone.origin)?.first.map {
            [String(decoding: $0, as: UTF8.self).lowercased()]
        } ?? []
        return Set(settings.dhcp.protectedNames.map { $0.lowercased() } + ["wpad", "isatap", "localhost"] + serverLabel)
    }

    /// Runs every service until SIGTERM or SIGINT.
    func run(logger: Logger) async {
        let services = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await services.run()
        } catch {
            logger.error("stopped on an error", metadata: ["error": "\(error)"])
        }
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
        try? await pool.shutdownGracefully()
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
    static func forwardingGate(_ settings: Settings, group: any EventLoopGroup, clock: ServerClock = .system,
                               logger: Logger) throws(ConfigError) -> ForwardingGate {
        let interfaces = InterfaceAddresses.prefixes()
        let access = AccessList(settings.forwarding.allow ?? localNetworks(interfaces))
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
                                  group: group, options: options, clock: clock)
        return ForwardingGate(forwarder: forwarder, access: access)
    }
}
