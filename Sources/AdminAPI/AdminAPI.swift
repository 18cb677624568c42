import DNSWire
import Foundation
import LANZone
import NIOPosix

/// The admin REST API under `/api/v1`: JSON in and out, a bearer token from
/// `lannamed admin token create` on every request (a read-only token may only GET), the same
/// rules and errors as the `hosts` commands. Described by `openapi/lannamed.yaml`, which the
/// tests check the running daemon against.
public final class AdminAPI: Sendable {
    /// What the API reads and changes, given by the daemon.
    public struct Environment: Sendable {
        public var store: HostStore
        public var origin: DomainName
        public var snapshot: @Sendable () -> ZoneSnapshot
        /// Publishes the store's changes (after a write), before the answer goes.
        public var publish: @Sendable () throws -> Void
        public var upstreams: @Sendable () -> [APIUpstream]
        public var version: String
        public var started: Double
        public var now: @Sendable () -> Double
        /// Where SQLite runs (it blocks).
        public var pool: NIOThreadPool
        /// The hosted zones' records from the config file (the store has the others).
        public var configRecords: [(zone: DomainName, records: [ResourceRecord])] = []
        /// The last transfer each secondary took of each zone.
        public var secondaries: @Sendable () -> [(zone: String, secondary: String, serial: UInt32, at: Double)] = { [] }

        public init(store: HostStore, origin: DomainName, snapshot: @escaping @Sendable () -> ZoneSnapshot,
                    publish: @escaping @Sendable () throws -> Void, upstreams: @escaping @Sendable () -> [APIUpstream],
                    version: String, started: Double, now: @escaping @Sendable () -> Double, pool: NIOThreadPool,
                    configRecords: [(zone: DomainName, records: [ResourceRecord])] = [],
                    secondaries: @escaping @Sendable () -> [(zone: String, secondary: String, serial: UInt32, at: Double)] = { [] }) {
            self.configRecords = configRecords
            self.secondaries = secondaries
            self.store = store
            self.origin = origin
            self.snapshot = snapshot
            self.publish = publish
            self.upstreams = upstreams
            self.version = version
            self.started = started
            self.now = now
            self.pool = pool
        }
    }

    let environment: Environment

    public init(_ environment: Environment) {
        self.environment = environment
    }

    /// The largest request body read (a host is a few hundred bytes).
    public static let maximumBody = 65_536

    public func handle(_ request: APIRequest) async -> APIResponse {
        let token: AdminToken?
        do {
            token = try await run { [environment] in try Self.bearer(request.authorization).flatMap(environment.store.adminToken) }
        } catch {
            return Self.error(500, "\(error)")
        }
        guard let token else {
            return APIResponse(status: 401, body: Self.json(APIError(error: "a bearer token is needed: lannamed admin token create")),
                               headers: [.init(name: "WWW-Authenticate", value: #"Bearer realm="lannamed""#)])
        }
        guard let route = Route(method: request.method, path: request.path) else {
            return Self.error(404, "no such resource: \(request.path)")
        }
        if case .methodNotAllowed(let allowed) = route {
            return APIResponse(status: 405, body: Self.json(APIError(error: "method \(request.method) not allowed here")),
                               headers: [.init(name: "Allow", value: allowed)])
        }
        if route.writes && token.readOnly { return Self.error(403, "this token may only read") }
        do {
            return try await answer(route, request)
        } catch let error as ZoneError {
            switch error {
            case .notFound: return Self.error(404, error.description)
            case .store: return Self.error(500, error.description)
            default: return Self.error(400, error.description)
            }
        } catch {
            return Self.error(500, "\(error)")
        }
    }

    private func answer(_ route: Route, _ request: APIRequest) async throws -> APIResponse {
        let environment = environment
        let origin = environment.origin
        switch route {
        case .status:
            let snapshot = environment.snapshot()
            let devices = try await run { try environment.store.hosts().filter { $0.mac != nil }.count }
            return Self.ok(APIStatus(version: environment.version, zone: origin.description, serial: snapshot.serial,
                                     hosts: snapshot.hostCount, devices: devices,
                                     uptimeSeconds: Int(max(0, environment.now() - environment.started)),
                                     upstreams: environment.upstreams()))
        case .hosts:
            let hosts = try await run { try environment.store.hosts() }
            return Self.ok(hosts.map { APIHost($0, origin: origin) })
        case .devices:
            let hosts = try await run { try environment.store.hosts() }
            return Self.ok(hosts.filter { $0.mac != nil }.map { APIHost($0, origin: origin) })
        case .host(let name):
            let host = try await run {
                try environment.store.host(named: try StaticName.relative(name, in: origin))
            }
            guard let host else { return Self.error(404, "no host named \"\(name)\"") }
            return Self.ok(APIHost(host, origin: origin))
        case .addHost:
            let new: APINewHost
            do { new = try JSONDecoder().decode(APINewHost.self, from: Data(request.body)) } catch {
                return Self.error(400, "the body must be JSON: {\"name\": \"printer\", \"addresses\": [\"198.51.100.20\"]}")
            }
            let (change, host) = try await run {
                let change = try environment.store.setStaticHost(new.name, addresses: new.addresses, origin: origin)
                if change.kind != .unchanged { try environment.publish() }
                return (change, try environment.store.host(named: change.name))
            }
            guard let host else { return Self.error(500, "the host was not stored") }
            return Self.ok(APIHostChange(change: change.kind.rawValue, host: APIHost(host, origin: origin)),
                           status: change.kind == .added ? 201 : 200)
        case .removeHost(let name):
            let removed = try await run {
                let removed = try environment.store.remove(named: try StaticName.relative(name, in: origin))
                if removed { try environment.publish() }
                return removed
            }
            return removed ? APIResponse(status: 204, body: "") : Self.error(404, "no host named \"\(name)\"")
        case .records:
            let stored = try await run { try environment.store.zoneRecords() }
            var records: [APIRecord] = []
            func add(_ zone: DomainName, _ list: [ResourceRecord], _ source: String) {
                records += list.map {
                    APIRecord(zone: zone.description, name: $0.name.description, ttl: $0.ttl, type: $0.type.description,
                              data: RecordText.formatData($0.data), source: source)
                }
            }
            for (zone, list) in environment.configRecords { add(zone, list, "config") }
            for (zone, list) in stored.sorted(by: { $0.key.description < $1.key.description }) { add(zone, list, "stored") }
            return Self.ok(records)
        case .accounts:
            let listing = try await run { try environment.store.dynamicListing() }
            return Self.ok(listing.accounts.map { APIAccount($0, hosts: nil) })
        case .account(let name):
            guard let view = try await run({ try environment.store.dynamicAccountView(name) }) else {
                return Self.error(404, "no account \"\(name)\"")
            }
            return Self.ok(APIAccount(view.account, hosts: view.hosts))
        case .tokens:
            let listing = try await run { try environment.store.dynamicListing() }
            return Self.ok(listing.tokens.map(APIToken.init))
        case .addToken:
            let new: APINewToken
            do { new = try JSONDecoder().decode(APINewToken.self, from: Data(request.body)) } catch {
                return Self.error(400, "the body must be JSON: {\"account\": \"shop\", \"hosts\": [\"shop.dyn.example.net\"]}")
            }
            let now = environment.now()
            do {
                let made = try await run { try environment.store.createDynamicToken(account: new.account, hosts: new.hosts ?? [], now: now) }
                return Self.ok(APITokenCreated(token: APIToken(made.token), secret: made.secret), status: 201)
            } catch let error as DynamicDNSError {
                return Self.error(400, "\(error)")
            }
        case .revokeToken(let id):
            let now = environment.now()
            let known = try await run { try environment.store.dynamicListing().tokens.contains { $0.id == id } }
            guard known else { return Self.error(404, "no token \(id)") }
            try await run { try environment.store.revokeDynamicToken(id, now: now) }
            return APIResponse(status: 204, body: "")
        case .zones:
            let snapshot = environment.snapshot()
            let served = environment.secondaries()
            let zones = snapshot.transferApexes.filter(snapshot.hasData).compactMap { apex in
                snapshot.serial(of: apex).map { serial in
                    APIZone(name: apex.description, serial: serial, secondaries: served.filter { $0.zone == apex.description }.map {
                        APISecondary(address: $0.secondary, serial: $0.serial, at: APITime.text($0.at))
                    })
                }
            }.sorted { $0.name < $1.name }
            return Self.ok(zones)
        case .methodNotAllowed:
            return Self.error(405, "method not allowed")
        }
    }

    /// The routes, read from the method and path.
    enum Route: Equatable {
        case status, hosts, devices, zones, addHost, records, accounts, tokens, addToken
        case host(String), removeHost(String), account(String), revokeToken(String)
        case methodNotAllowed(String)

        init?(method: String, path: String) {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 4, parts[0].isEmpty, parts[1] == "api", parts[2] == "v1" else { return nil }
            let rest = Array(parts.dropFirst(3))
            switch (method, rest.count, rest[0]) {
            case ("GET", 1, "status"): self = .status
            case ("GET", 1, "devices"): self = .devices
            case ("GET", 1, "zones"): self = .zones
            case ("GET", 1, "records"): self = .records
            case ("GET", 1, "accounts"): self = .accounts
            case (_, 1, "status"), (_, 1, "devices"), (_, 1, "zones"), (_, 1, "records"), (_, 1, "accounts"):
                self = .methodNotAllowed("GET")
            case ("GET", 1, "tokens"): self = .tokens
            case ("POST", 1, "tokens"): self = .addToken
            case (_, 1, "tokens"): self = .methodNotAllowed("GET, POST")
            case (_, 2, "accounts"):
                guard let name = rest[1].removingPercentEncoding, !name.isEmpty else { return nil }
                self = method == "GET" ? .account(name) : .methodNotAllowed("GET")
            case (_, 2, "tokens"):
                guard let id = rest[1].removingPercentEncoding, !id.isEmpty else { return nil }
                self = method == "DELETE" ? .revokeToken(id) : .methodNotAllowed("DELETE")
            case ("GET", 1, "hosts"): self = .hosts
            case ("POST", 1, "hosts"): self = .addHost
            case (_, 1, "hosts"): self = .methodNotAllowed("GET, POST")
            case (_, 2, "hosts"):
                guard let name = rest[1].removingPercentEncoding, !name.isEmpty else { return nil }
                switch method {
                case "GET": self = .host(name)
                case "DELETE": self = .removeHost(name)
                default: self = .methodNotAllowed("GET, DELETE")
                }
            default: return nil
            }
        }

        var writes: Bool {
            switch self {
            case .addHost, .removeHost, .addToken, .revokeToken: true
            default: false
            }
        }
    }

    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await environment.pool.runIfActive(body)
    }

    static func ok<T: Encodable>(_ value: T, status: Int = 200) -> APIResponse {
        APIResponse(status: status, body: json(value))
    }

    static func error(_ status: Int, _ message: String) -> APIResponse {
        APIResponse(status: status, body: json(APIError(error: message)))
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
