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

    @Option(name: .customLong("http-listen"), help: "ADDR:PORT of the HTTP listener: the web console (/console), the admin API (/api/v1), /metrics, /healthz and dyndns2 updates; HTTPS with --tls-cert and --tls-key (default [::]:8053, skipped with a warning when taken).")
    var httpListen: String?

    @Flag(name: .customLong("no-http"), help: "No HTTP listener: no console, API, metrics or dyndns2 updates.")
    var noHTTP = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain for the HTTP listener (reloaded on SIGHUP).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for the HTTP listener.")
    var tlsKey: String?

    @Option(name: .customLong("trusted-proxy"), help: "Reverse proxy prefix whose X-Forwarded-For names the client; repeatable.")
    var trustedProxies: [String] = []

    @Option(name: .customLong("admin-allow"), help: "Prefix that may read /metrics on the HTTP listener; repeatable (default: loopback and this machine's networks).")
    var adminAllow: [String] = []

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
        if !notify.isEmpty { settings.transfer.notify = try Endpoint.parse(notify, what: "--notify", destinations: true) }
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
        if let httpListen {
            do { settings.http.listen = try Endpoint(setting: httpListen, defaultPort: 443) } catch {
                throw ConfigError(message: "--http-listen \(error.message)")
            }
            settings.http.listenChosen = true
        }
        if noHTTP {
            if httpListen != nil { throw ConfigError(message: "--no-http and --http-listen contradict each other") }
            settings.http.listen = nil
            settings.http.listenChosen = true
        }
        if let tlsCertificate { settings.http.tlsCertificate = tlsCertificate }
        if let tlsKey { settings.http.tlsKey = tlsKey }
        if !trustedProxies.isEmpty {
            do { settings.http.trustedProxies = try Settings.parsePrefixes(trustedProxies) } catch {
                throw ConfigError(message: "--trusted-proxy \(error.message)")
            }
        }
        if !adminAllow.isEmpty {
            do { settings.http.adminAllow = try Settings.parsePrefixes(adminAllow) } catch {
                throw ConfigError(message: "--admin-allow \(error.message)")
            }
        }
        if (settings.http.tlsCertificate == nil) != (settings.http.tlsKey == nil) {
            throw ConfigError(message: "--tls-cert and --tls-key go together")
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
        let settings: Settings
        do { settings = try self.settings() } catch { throw fail(error.description) }

        let runtime: Runtime
        do {
            runtime = try await Runtime.build(settings, clock: .system, logger: logger)
        } catch {
            throw fail(error.description)
        }
        logger.info("lannamed \(Lannamed.version) answering", metadata: runtime.summary)
        SystemdNotify.send("READY=1\nSTATUS=answering \(runtime.zone.origin) with \(runtime.initial.hostCount) hosts")
        await runtime.run(logger: logger)
        SystemdNotify.send("STOPPING=1")
        await runtime.shutdown()
        logger.info("lannamed stopped")
    }
}
