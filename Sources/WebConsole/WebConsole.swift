import DNSWire
import Foundation
import HummingbirdBcrypt
import LANZone
import NIOConcurrencyHelpers
import NIOPosix

/// The admin console under `/console`: server-rendered pages (devices, static hosts, zones) that
/// work on a phone, a sign-in with the console password (bcrypt, `lannamed admin password`),
/// sessions in `HttpOnly`, `SameSite=Strict` cookies (`Secure` over HTTPS), a CSRF token in every
/// form, sign-in attempts limited per address, and the device table kept live by server-sent
/// events. Who may reach it at all is the HTTP listener's admin access list.
public final class WebConsole: Sendable {
    /// What the console reads and changes, given by the daemon.
    public struct Environment: Sendable {
        public var store: HostStore
        public var origin: DomainName
        public var snapshot: @Sendable () -> ZoneSnapshot
        /// Publishes the store's changes (after a write), before the answer goes.
        public var publish: @Sendable () throws -> Void
        public var upstreams: @Sendable () -> [(address: String, up: Bool, rtt: Double?, answers: Int, failures: Int)]
        /// Reads the vendor list (5 MB of text): called once, at the first devices page, so that
        /// the daemon's start does not wait for it.
        public var vendors: @Sendable () -> OUIVendors
        /// The last transfer each secondary took of each zone.
        public var secondaries: @Sendable () -> [(zone: String, secondary: String, serial: UInt32, at: Double)]
        public var started: Double
        public var now: @Sendable () -> Double
        public var pool: NIOThreadPool

        public init(store: HostStore, origin: DomainName, snapshot: @escaping @Sendable () -> ZoneSnapshot,
                    publish: @escaping @Sendable () throws -> Void,
                    upstreams: @escaping @Sendable () -> [(address: String, up: Bool, rtt: Double?, answers: Int, failures: Int)],
                    vendors: @escaping @Sendable () -> OUIVendors,
                    secondaries: @escaping @Sendable () -> [(zone: String, secondary: String, serial: UInt32, at: Double)] = { [] },
                    started: Double, now: @escaping @Sendable () -> Double, pool: NIOThreadPool) {
            self.store = store
            self.origin = origin
            self.snapshot = snapshot
            self.publish = publish
            self.upstreams = upstreams
            self.vendors = vendors
            self.secondaries = secondaries
            self.started = started
            self.now = now
            self.pool = pool
        }
    }

    /// The stored setting that holds the password's bcrypt hash.
    public static let passwordSetting = "console-password"
    static let cookie = "lannamed_session"

    let environment: Environment
    private let gate = SignInGate(cookie: WebConsole.cookie, path: "/console")
    /// The vendor list once read.
    private let vendors = NIOLockedValueBox<OUIVendors?>(nil)
    /// How often the event stream looks for a new serial, and how long one stream lasts (the
    /// browser reconnects by itself).
    let eventInterval: Double
    let eventStreamLifetime: Double

    public init(_ environment: Environment, eventInterval: Double = 0.25, eventStreamLifetime: Double = 600) {
        self.environment = environment
        self.eventInterval = eventInterval
        self.eventStreamLifetime = eventStreamLifetime
    }

    /// Sets the console password (bcrypt, cost 12); the CLI calls it.
    public static func setPassword(_ password: String, in store: HostStore) throws(ZoneError) {
        try store.setAdminSetting(passwordSetting, to: Bcrypt.hash(password, cost: 12))
    }

    public func handle(_ request: ConsoleRequest) async -> ConsoleResponse {
        let now = environment.now()
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        switch (request.method, path) {
        case ("GET", "/console/live.js"):
            return ConsoleResponse(status: 200, headers: [(name: "Content-Type", value: "text/javascript; charset=utf-8")],
                                   body: ConsoleTemplates.liveScript)
        case ("GET", "/console/login"):
            return await loginPage(error: nil)
        case ("POST", "/console/login"):
            return await signIn(request, now: now)
        default:
            break
        }
        let session: ConsoleSessions.Session
        switch gate.session(request, now: now) {
        case .valid(let valid): session = valid
        case .none:
            return request.method == "GET" ? .redirect("/console/login") : .page(page("Sign in", error: "Please sign in again.", body: ""), status: 403)
        case .forged:
            return .page(page("Refused", error: "The form has expired; reload the page and try again.", body: ""), status: 403)
        }
        do {
            switch (request.method, path) {
            case ("GET", "/console"): return .redirect("/console/devices")
            case ("GET", "/console/devices"): return try await devicesPage(request, csrf: session.csrf)
            case ("GET", "/console/devices/table"): return try await deviceTable(request)
            case ("GET", "/console/hosts"): return try await hostsPage(csrf: session.csrf, error: nil, notice: request.parameters["done"])
            case ("POST", "/console/hosts"): return try await addHost(request, csrf: session.csrf)
            case ("POST", "/console/hosts/remove"): return try await removeHost(request, csrf: session.csrf)
            case ("GET", "/console/zones"): return try await zonesPage(csrf: session.csrf)
            case ("GET", "/console/ddns"): return try await ddnsPage(csrf: session.csrf)
            case ("GET", "/console/events"): return events()
            case ("POST", "/console/logout"):
                return .redirect("/console/login", headers: [(name: "Set-Cookie", value: gate.close(request))])
            default:
                return .page(page("Not found", csrf: session.csrf, error: "There is no page \(path).", body: ""), status: 404)
            }
        } catch {
            return .page(page("Error", csrf: session.csrf, error: "\(error)", body: ""), status: 500)
        }
    }

    // MARK: - Signing in

    private func loginPage(error: String?, status: Int = 200) async -> ConsoleResponse {
        let store = environment.store
        let hasPassword = ((try? await run { try store.adminSetting(Self.passwordSetting) }) ?? nil) != nil
        let body = ConsoleTemplates.render("login", ["noPassword": !hasPassword])
        return .page(page("Sign in", error: error, body: body, navigation: false), status: status)
    }

    private func signIn(_ request: ConsoleRequest, now: Double) async -> ConsoleResponse {
        if let refusal = gate.refusal(request, now: now) { return await loginPage(error: refusal.message, status: refusal.status) }
        let store = environment.store
        let password = request.form["password"] ?? ""
        let verified: Bool
        do {
            verified = try await run {
                guard let hash = try store.adminSetting(Self.passwordSetting) else { return false }
                return Bcrypt.verify(password, hash: hash)
            }
        } catch {
            return await loginPage(error: "\(error)", status: 500)
        }
        guard verified else {
            gate.failed(request, now: now)
            return await loginPage(error: "Wrong password.", status: 401)
        }
        return .redirect("/console/devices", headers: [(name: "Set-Cookie", value: gate.open(request, now: now))])
    }

    // MARK: - Pages

    private func devicesPage(_ request: ConsoleRequest, csrf: String) async throws -> ConsoleResponse {
        let (context, count) = try await deviceContext(request)
        var all = context
        all["count"] = count
        return .page(page("Devices", csrf: csrf, body: ConsoleTemplates.render("devices", all), script: true))
    }

    private func deviceTable(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let (context, _) = try await deviceContext(request)
        return ConsoleResponse(status: 200, headers: [(name: "Content-Type", value: "text/html; charset=utf-8")]
                               + ConsoleResponse.securityHeaders, body: ConsoleTemplates.render("deviceTable", context))
    }

    /// The device rows, searched and sorted as the query asks.
    private func deviceContext(_ request: ConsoleRequest) async throws -> ([String: Any], Int) {
        let store = environment.store
        let load = environment.vendors, cache = vendors
        let (hosts, vendors) = try await run {
            let vendors = cache.withLockedValue { $0 } ?? {
                let loaded = load()
                cache.withLockedValue { $0 = loaded }
                return loaded
            }()
            return (try store.hosts().filter { $0.mac != nil }, vendors)
        }
        let parameters = request.parameters
        let query = (parameters["q"] ?? "").trimmingCharacters(in: .whitespaces)
        let sort = DeviceRow.Column(rawValue: parameters["sort"] ?? "") ?? .name
        var rows = hosts.map { DeviceRow($0, origin: environment.origin, vendors: vendors) }
        if !query.isEmpty { rows = rows.filter { $0.matches(query) } }
        // Each row's key made once (not per comparison: 10,000 rows are ~140,000 comparisons).
        var keyed: [(key: String, row: DeviceRow)] = rows.map { (key: $0.key(sort), row: $0) }
        keyed.sort { left, right in left.key != right.key ? left.key < right.key : left.row.name < right.row.name }
        rows = keyed.map(\.row)
        let columns = DeviceRow.Column.allCases.map {
            ["key": $0.rawValue, "label": $0.label, "queryParameter": FormData.encode(query)] as [String: Any]
        }
        return (["rows": rows.map(\.context), "columns": columns, "query": query, "sort": sort.rawValue], rows.count)
    }

    private func hostsPage(csrf: String, error: String?, notice: String?, status: Int = 200) async throws -> ConsoleResponse {
        let store = environment.store, origin = environment.origin
        let hosts = try await run { try store.hosts().filter { $0.source == .static || $0.source == .config } }
        let rows = hosts.map { host -> [String: Any] in
            ["name": host.name, "fqdn": (try? host.ownerName(in: origin))?.description ?? host.name,
             "addresses": host.addresses.map(\.description).joined(separator: " "), "source": host.source.rawValue,
             "removable": host.source == .static, "csrf": csrf]
        }
        let body = ConsoleTemplates.render("hosts", ["rows": rows, "csrf": csrf])
        return .page(page("Hosts", csrf: csrf, error: error, notice: notice, body: body), status: status)
    }

    private func addHost(_ request: ConsoleRequest, csrf: String) async throws -> ConsoleResponse {
        let form = request.form
        let name = form["name"] ?? ""
        let addresses = (form["addresses"] ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let environment = environment
        do {
            let change = try await run { () throws(ZoneError) -> StaticHostChange in
                let change = try environment.store.setStaticHost(name, addresses: addresses, origin: environment.origin)
                if change.kind != .unchanged { try? environment.publish() }
                return change
            }
            let done = "\(change.kind.rawValue) \(change.fqdn) \(change.addresses.map(\.description).joined(separator: " "))"
            return .redirect("/console/hosts?done=\(FormData.encode(done))")
        } catch let error as ZoneError {
            return try await hostsPage(csrf: csrf, error: error.description, notice: nil, status: 400)
        }
    }

    private func removeHost(_ request: ConsoleRequest, csrf: String) async throws -> ConsoleResponse {
        let name = request.form["name"] ?? ""
        let environment = environment
        let removed = try await run {
            guard let host = try environment.store.host(named: name), host.source == .static else { return false }
            let removed = try environment.store.remove(named: host.name)
            if removed { try? environment.publish() }
            return removed
        }
        guard removed else { return try await hostsPage(csrf: csrf, error: "No static host named \"\(name)\".", notice: nil, status: 404) }
        return .redirect("/console/hosts?done=\(FormData.encode("removed \(name)"))")
    }

    private func zonesPage(csrf: String) async throws -> ConsoleResponse {
        let snapshot = environment.snapshot()
        let zones = snapshot.transferApexes.filter(snapshot.hasData).sorted { $0.description < $1.description }.map { apex in
            ["name": apex.description, "serial": snapshot.serial(of: apex).map(String.init) ?? "",
             "records": snapshot.transferRecords(of: apex)?.count ?? 0] as [String: Any]
        }
        let upstreams = environment.upstreams()
        let total = max(1, upstreams.reduce(0) { $0 + $1.answers })
        let upstreamRows = upstreams.map { upstream -> [String: Any] in
            ["address": upstream.address, "state": upstream.up ? "up" : "down",
             "rtt": upstream.rtt.map { String(format: "%.1f ms", $0 * 1000) } ?? "-",
             "share": String(format: "%.0f%%", Double(upstream.answers) * 100 / Double(total)), "failures": upstream.failures]
        }
        let store = environment.store
        let devices = try await run { try store.hosts().filter { $0.mac != nil }.count }
        let uptime = Int(environment.now() - environment.started)
        let secondaries = environment.secondaries().map { served -> [String: Any] in
            let current = (try? DomainName(served.zone)).flatMap { snapshot.serial(of: $0) }
            let state = current.map { $0 == served.serial ? "in sync" : "behind: the zone is at \($0)" } ?? "zone no longer served"
            return ["zone": served.zone, "secondary": served.secondary, "serial": served.serial, "state": state,
                    "at": DeviceRow.time(served.at)]
        }
        let body = ConsoleTemplates.render("zones", [
            "zones": zones, "upstreams": upstreamRows, "secondaries": secondaries, "hosts": snapshot.hostCount, "devices": devices,
            "uptime": "\(uptime / 86400)d \(uptime % 86400 / 3600)h \(uptime % 3600 / 60)m",
        ])
        return .page(page("Zones", csrf: csrf, body: body))
    }

    /// Plans, and accounts with their usage since the first of the month (UTC).
    private func ddnsPage(csrf: String) async throws -> ConsoleResponse {
        let store = environment.store, now = environment.now()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let month = calendar.dateInterval(of: .month, for: Date(timeIntervalSince1970: now))?.start.timeIntervalSince1970 ?? now
        let (listing, usage) = try await run { (try store.dynamicListing(), try store.dynamicUsage(since: month)) }
        let plans = listing.plans.map { plan -> [String: Any] in
            ["name": plan.name, "maxHosts": plan.maxHosts, "minInterval": "\(Int(plan.minInterval)) s",
             "zones": plan.zones.isEmpty ? "any" : plan.zones.map(\.description).joined(separator: " ")]
        }
        let used = Dictionary(usage.map { ($0.account.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let accounts = listing.accounts.map { account -> [String: Any] in
            let counts = used[account.name.lowercased()]
            let expired = account.expires.map { $0 <= now } ?? false
            return ["name": account.name, "plan": account.plan,
                    "state": account.suspended ? "suspended" : expired ? "expired" : "active",
                    "hosts": listing.hosts.filter { $0.account == account.name }.count,
                    "good": counts?.good ?? 0, "nochg": counts?.nochg ?? 0, "refused": counts?.refused ?? 0,
                    "expires": account.expires.map(DeviceRow.time) ?? "never"]
        }
        let body = ConsoleTemplates.render("ddns", ["plans": plans, "accounts": accounts,
                                                    "since": String(DeviceRow.time(month).prefix(10))])
        return .page(page("Dynamic DNS", csrf: csrf, body: body))
    }

    /// `event: zone` with the serial each time the served zone changes, a comment every few
    /// seconds in between (which also keeps the connection's deadline away).
    private func events() -> ConsoleResponse {
        let snapshot = environment.snapshot, interval = eventInterval, lifetime = eventStreamLifetime
        let stream = AsyncStream<String> { continuation in
            let task = Task {
                var serial = snapshot().serial
                var quiet = 0.0
                var elapsed = 0.0
                continuation.yield("retry: 2000\n\n")
                while !Task.isCancelled, elapsed < lifetime {
                    try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                    elapsed += interval
                    quiet += interval
                    let now = snapshot().serial
                    if now != serial {
                        serial = now
                        quiet = 0
                        continuation.yield("event: zone\ndata: \(now)\n\n")
                    } else if quiet >= 5 {
                        quiet = 0
                        continuation.yield(": still here\n\n")
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return ConsoleResponse(status: 200, headers: [(name: "Content-Type", value: "text/event-stream"),
                                                      (name: "Cache-Control", value: "no-store")], events: stream)
    }

    /// A whole page: the layout around `body`.
    private func page(_ title: String, csrf: String? = nil, error: String? = nil, notice: String? = nil, body: String,
                      script: Bool = false, navigation: Bool = true) -> String {
        let nav = !navigation || csrf == nil ? [] : [("/console/devices", "Devices"), ("/console/hosts", "Hosts"), ("/console/zones", "Zones"),
                                                        ("/console/ddns", "Dynamic DNS")]
            .map { ["href": $0.0, "label": $0.1, "on": $0.1 == title] as [String: Any] }
        var context: [String: Any] = ["title": title, "body": body, "nav": nav, "script": script, "logout": "/console/logout"]
        if let csrf { context["csrf"] = csrf }
        if let error { context["error"] = error }
        if let notice { context["notice"] = notice }
        return ConsoleTemplates.render("layout", context)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await environment.pool.runIfActive(body)
    }
}
