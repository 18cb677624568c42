import DNSServer
import DNSWire
import Forwarder
import LANZone
import ZoneTransfer

/// Every setting of the daemon, grouped by the part it belongs to. The config file has one TOML
/// table per group; command-line options override single values.
struct Settings: Sendable {
    struct Zone: Sendable {
        var name: DomainName = "lan."
        var ttl: UInt32 = 60
        var negativeTTL: UInt32 = 60
        /// The server's own name, relative to the zone (`ns`) or absolute.
        var serverName: String = "ns"
        /// Addresses published for the server's own name; empty = taken from the listen
        /// addresses or, for wildcard listeners, from the machine's interfaces.
        var serverAddresses: [IPAddress] = []
        /// `[[zone.hosts]]` from the config file.
        var hosts: [HostRecord] = []
    }

    struct Server: Sendable {
        var listen: [Endpoint] = [
            Endpoint(address: IPAddress("0.0.0.0")!, port: 53),
            Endpoint(address: IPAddress("::")!, port: 53),
        ]
        /// Event-loop threads, each with its own UDP socket (SO_REUSEPORT); 0 = one per core.
        var threads: Int = 0
        var tcpIdleTimeout: Double = 10
        var maxTCPConnections: Int = 512

        var listenerOptions: DNSListeners.Options {
            DNSListeners.Options(listen: listen, tcpIdleTimeout: tcpIdleTimeout, maxTCPConnections: maxTCPConnections)
        }
    }

    struct Store: Sendable {
        var database: String = "/var/lib/lannamed/lannamed.sqlite"
        /// How often the daemon looks for changes made by other processes (the CLI).
        var pollInterval: Double = 0.25
    }

    struct DHCP: Sendable {
        var enabled = true
        var interfaces: [String] = []
        var pcapFiles: [String] = []
        /// Names DHCP clients may never take, besides wpad, isatap, localhost and the server's own.
        var protectedNames: [String] = []
        /// How long a lease seen only as a REQUEST (no ACK visible) is kept before it is probed.
        var requestedLifetime: Double = 3600
    }

    struct Forwarding: Sendable {
        var enabled = true
        /// In priority order; empty = the nameservers of /etc/resolv.conf.
        var upstreams: [Upstream] = []
        /// Conditional forwarding: names at or below a domain go to its own upstreams.
        var domains: [DomainName: [Upstream]] = [:]
        /// Clients that may use the forwarder; nil = the prefixes of this machine's interfaces
        /// and loopback.
        var allow: [AddressPrefix]?
        var cacheSize = 100_000
    }

    /// Zone transfers: this server as a primary (AXFR/IXFR out, NOTIFY) or as a secondary.
    struct Transfer: Sendable {
        /// Clients that may transfer the zones (none by default).
        var allow: [AddressPrefix] = []
        /// Secondaries told of every change (RFC 1996).
        var notify: [Endpoint] = []
        /// `NAME:ALGORITHM:BASE64SECRET`; when set, transfers and NOTIFY are signed with it and
        /// unsigned or wrongly signed requests are refused.
        var tsig: String?
        /// The primary to copy the zones from; this server is then a secondary.
        var secondaryOf: Endpoint?
        /// At most one NOTIFY per zone and secondary in this many seconds (a DHCP storm sends one).
        var notifyInterval: Double = 0.25
        /// IXFR journal bounds per zone.
        var journalEntries = 1000
        var journalBytes = 16 << 20

        var offersTransfers: Bool { !allow.isEmpty || !notify.isEmpty }
    }

    /// A public zone served besides the LAN zone (`[[zones]]`, `--hosted-zone`).
    struct HostedZone: Sendable {
        var name: DomainName
        /// Empty = `ns1.<name>` on the server's own addresses (enough to try it out).
        var nameServers: [DomainName] = []
        var nameServerAddresses: [DomainName: [IPAddress]] = [:]
        /// SOA MNAME; the first name server when nil.
        var primary: DomainName?
        /// SOA RNAME; `hostmaster.<name>` when nil.
        var contact: DomainName?
        var ttl: UInt32 = 3600
        var dynamicTTL: UInt32 = 60
        var negativeTTL: UInt32 = 60
        var records: [ResourceRecord] = []
        /// Secondaries told of this zone's changes besides `[transfer] notify`.
        var notify: [Endpoint] = []

        func config(serverAddresses: [IPAddress]) -> HostedZoneConfig {
            var servers = nameServers
            var addresses = nameServerAddresses
            if servers.isEmpty, let own = try? name.prepending(Array("ns1".utf8)) {
                servers = [own]
                addresses[own] = serverAddresses
            }
            return HostedZoneConfig(apex: name, nameServers: servers, primaryName: primary, responsibleName: contact,
                                    nameServerAddresses: addresses, dynamicTTL: dynamicTTL, ttl: ttl,
                                    negativeTTL: negativeTTL, records: records)
        }
    }

    /// The HTTP listener: dyndns2 updates (`/nic/update`, `/update`, any path), `/healthz` and
    /// `/metrics`.
    struct HTTP: Sendable {
        /// Where the console, the API, metrics and dyndns2 updates listen; nil: off.
        var listen: Endpoint? = Self.defaultListen
        /// Whether `listen` was chosen (by the config or a flag) rather than left at the default:
        /// a default port that is taken is skipped with a warning, a chosen one stops the start.
        var listenChosen = false
        /// So that a fresh install opens the console without any setting.
        static let defaultListen = Endpoint(address: IPAddress("::")!, port: 8053)
        var tlsCertificate: String?
        var tlsKey: String?
        /// Reverse proxies whose X-Forwarded-For is believed.
        var trustedProxies: [AddressPrefix] = []
        /// Who may read `/metrics`; nil = loopback and the prefixes of this machine's interfaces
        /// (the LAN), as for the forwarder.
        var adminAllow: [AddressPrefix]?
    }

    var zone = Zone()
    var hosted: [HostedZone] = []
    var http = HTTP()
    var server = Server()
    var store = Store()
    var dhcp = DHCP()
    var forwarding = Forwarding()
    var transfer = Transfer()

    static let defaultConfigPath = "/etc/lannamed/lannamed.toml"

    var hostedZoneNames: [DomainName] { hosted.map(\.name) }

    /// Adds a hosted zone with defaults unless the config already has it (`--hosted-zone`).
    mutating func addHostedZone(_ text: String) throws(ConfigError) {
        let name = try Self.parseZoneName(text, what: "--hosted-zone")
        guard !hosted.contains(where: { $0.name == name }) else { return }
        try checkHostedZone(name)
        hosted.append(HostedZone(name: name))
    }

    /// A hosted zone may not be, contain or lie in the LAN zone: both would claim the same names.
    func checkHostedZone(_ name: DomainName) throws(ConfigError) {
        if name.isSubdomain(of: zone.name) || zone.name.isSubdomain(of: name) {
            throw ConfigError(message: "hosted zone \(name) overlaps the LAN zone \(zone.name)")
        }
        if name.isSubdomain(of: "arpa.") { throw ConfigError(message: "hosted zone \(name): reverse zones are derived from the hosts") }
    }

    static func parseZoneName(_ text: String, what: String) throws(ConfigError) -> DomainName {
        let name: DomainName
        do { name = try DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root) } catch {
            throw ConfigError(message: "\(what) \"\(text)\" is not a valid zone name (\((error as? DNSWireError)?.reason ?? "\(error)"))")
        }
        if name.isRoot { throw ConfigError(message: "\(what) cannot be the root") }
        return name.lowercased
    }

    func hostedZoneConfigs(serverAddresses: [IPAddress]) -> [HostedZoneConfig] {
        hosted.map { $0.config(serverAddresses: serverAddresses) }
    }

    static func parseUpstreams(_ texts: [String]) throws(ConfigError) -> [Upstream] {
        var out: [Upstream] = []
        for text in texts {
            do { out.append(try Upstream(parsing: text)) } catch { throw ConfigError(message: error.description) }
        }
        return out
    }

    static func parsePrefixes(_ texts: [String]) throws(ConfigError) -> [AddressPrefix] {
        var out: [AddressPrefix] = []
        for text in texts {
            do { out.append(try AddressPrefix(parsing: text)) } catch { throw ConfigError(message: error.description) }
        }
        return out
    }

    /// `corp.example` and its upstreams.
    static func parseDomain(_ name: String, _ upstreams: [String]) throws(ConfigError) -> (DomainName, [Upstream]) {
        let domain: DomainName
        do {
            domain = try DomainName(parsing: name.hasSuffix(".") ? name : name + ".", origin: .root)
        } catch {
            throw ConfigError(message: "\"\(name)\" is not a valid domain name")
        }
        let list = try parseUpstreams(upstreams)
        guard !list.isEmpty else { throw ConfigError(message: "domain \(domain) needs at least one upstream") }
        return (domain, list)
    }

    func zoneConfig(serverAddresses: [IPAddress]) throws(ConfigError) -> ZoneConfig {
        let serverName: DomainName
        do {
            serverName = try DomainName(parsing: zone.serverName, origin: zone.name)
        } catch {
            throw ConfigError.invalidValue("server name \"\(zone.serverName)\": \(error)")
        }
        return ZoneConfig(origin: zone.name, serverName: serverName, serverAddresses: serverAddresses,
                          hostTTL: zone.ttl, negativeTTL: zone.negativeTTL)
    }
}

extension Settings {
    static func parseTSIG(_ text: String) throws(ConfigError) -> TSIGKey {
        do { return try TSIGKey.parse(text) } catch { throw ConfigError(message: error.description) }
    }
}
