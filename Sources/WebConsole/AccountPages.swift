import DNSWire
import Foundation
import HummingbirdBcrypt
import LANZone
import NIOConcurrencyHelpers
import NIOPosix

/// The dynamic DNS customer's pages under `/account`, open to the internet: sign in with the
/// account's password (`lannamed ddns account password`), see the account's hosts with their
/// addresses and last update and the address this server sees, create and revoke tokens (a
/// secret is shown once), and copy settings for a router, ddclient or inadyn. The same session,
/// CSRF and sign-in limits as the admin console, in a cookie of its own.
public final class AccountPages: Sendable {
    public struct Environment: Sendable {
        public var store: HostStore
        public var now: @Sendable () -> Double
        public var pool: NIOThreadPool

        public init(store: HostStore, now: @escaping @Sendable () -> Double, pool: NIOThreadPool) {
            self.store = store
            self.now = now
            self.pool = pool
        }
    }

    static let cookie = "lannamed_account"
    let environment: Environment
    private let gate = SignInGate(cookie: AccountPages.cookie, path: "/account")

    public init(_ environment: Environment) {
        self.environment = environment
    }

    /// Sets an account's password (bcrypt, cost 12); false when there is no such account.
    public static func setPassword(_ password: String, account: String, in store: HostStore) throws(DynamicDNSError) -> Bool {
        try store.setDynamicAccountPasswordHash(account, to: Bcrypt.hash(password, cost: 12))
    }

    /// `client` is the address the request came from (through trusted proxies).
    public func handle(_ request: ConsoleRequest, client: IPAddress) async -> ConsoleResponse {
        let now = environment.now()
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        switch (request.method, path) {
        case ("GET", "/account/login"): return loginPage(error: nil)
        case ("POST", "/account/login"): return await signIn(request, now: now)
        default: break
        }
        let session: ConsoleSessions.Session
        switch gate.session(request, now: now) {
        case .valid(let valid): session = valid
        case .none:
            return request.method == "GET" ? .redirect("/account/login") : .page(page("Sign in", error: "Please sign in again.", body: ""), status: 403)
        case .forged:
            return .page(page("Refused", error: "The form has expired; reload the page and try again.", body: ""), status: 403)
        }
        guard let name = session.subject else { return .redirect("/account/login") }
        do {
            switch (request.method, path) {
            case ("GET", "/account"): return try await overview(name, request, client: client, csrf: session.csrf, newSecret: nil, error: nil)
            case ("POST", "/account/tokens"):
                let host = request.form["host"].flatMap { $0.isEmpty ? nil : $0 }
                let store = environment.store
                do {
                    let hosts = host.map { [$0] } ?? []
                    let secret: String = try await run { try store.createDynamicToken(account: name, hosts: hosts, now: now).secret }
                    return try await overview(name, request, client: client, csrf: session.csrf, newSecret: secret, error: nil)
                } catch let error as DynamicDNSError {
                    return try await overview(name, request, client: client, csrf: session.csrf, newSecret: nil,
                                              error: "\(error)", status: 400)
                }
            case ("POST", "/account/tokens/revoke"):
                let tokenID = request.form["id"] ?? ""
                let store = environment.store
                // Only the account's own tokens.
                let owned = try await run { try store.dynamicAccountView(name)?.tokens.contains { $0.id == tokenID } ?? false }
                guard owned else {
                    return try await overview(name, request, client: client, csrf: session.csrf, newSecret: nil,
                                              error: "No token \(tokenID) in this account.", status: 404)
                }
                try await run { try store.revokeDynamicToken(tokenID, now: now) }
                return .redirect("/account")
            case ("POST", "/account/logout"):
                return .redirect("/account/login", headers: [(name: "Set-Cookie", value: gate.close(request))])
            default:
                return .page(page("Not found", csrf: session.csrf, error: "There is no page \(path).", body: ""), status: 404)
            }
        } catch {
            return .page(page("Error", csrf: session.csrf, error: "\(error)", body: ""), status: 500)
        }
    }

    private func loginPage(error: String?, status: Int = 200) -> ConsoleResponse {
        .page(page("Sign in", error: error, body: ConsoleTemplates.render("accountLogin", [:])), status: status)
    }

    private func signIn(_ request: ConsoleRequest, now: Double) async -> ConsoleResponse {
        if let refusal = gate.refusal(request, now: now) { return loginPage(error: refusal.message, status: refusal.status) }
        let form = request.form
        let name = (form["account"] ?? "").trimmingCharacters(in: .whitespaces), password = form["password"] ?? ""
        let store = environment.store
        let verified = (try? await run {
            guard let hash = try store.dynamicAccountPasswordHash(name) else { return false }
            return Bcrypt.verify(password, hash: hash)
        }) ?? false
        guard verified, let view = try? await run({ try store.dynamicAccountView(name) }) else {
            gate.failed(request, now: now)
            return loginPage(error: "Wrong account or password.", status: 401)
        }
        return .redirect("/account", headers: [(name: "Set-Cookie", value: gate.open(request, now: now, subject: view.account.name))])
    }

    private func overview(_ name: String, _ request: ConsoleRequest, client: IPAddress, csrf: String, newSecret: String?,
                          error: String?, status: Int = 200) async throws -> ConsoleResponse {
        let store = environment.store, now = environment.now()
        guard let view = try await run({ try store.dynamicAccountView(name) }) else {
            return .redirect("/account/login", headers: [(name: "Set-Cookie", value: gate.close(request))])
        }
        let expired = view.account.expires.map { $0 <= now } ?? false
        let state = view.account.suspended ? "suspended" : expired ? "expired" : "active"
        let server = request.header("Host").map { $0.split(separator: ":").first.map(String.init) ?? $0 } ?? "this server"
        let scheme = request.secure ? "https" : "http"
        let tokens = view.tokens.filter { $0.tsigName == nil }.map { token -> [String: Any] in
            var row: [String: Any] = [
                "id": token.id, "hosts": token.hosts.isEmpty ? "all" : token.hosts.map(\.description).joined(separator: " "),
                "created": DeviceRow.time(token.created), "lastUsed": token.lastUsed.map(DeviceRow.time) ?? "never", "csrf": csrf,
            ]
            if let revoked = token.revoked { row["revoked"] = DeviceRow.time(revoked) }
            return row
        }
        var context: [String: Any] = [
            "name": view.account.name, "plan": view.account.plan, "state": state, "yourAddress": client.description,
            "hosts": view.hosts.map { host -> [String: Any] in
                ["fqdn": host.fqdn.description, "addresses": host.addresses.map(\.description).joined(separator: " "),
                 "updated": host.updated.map(DeviceRow.time) ?? "never"]
            },
            "tokens": tokens, "csrf": csrf, "server": server,
            // Clients write names without the final dot.
            "firstHost": view.hosts.first.map { String($0.fqdn.description.dropLast()) } ?? "HOST.ZONE",
            "updateURL": "\(scheme)://\(server)/nic/update?hostname=<domain>&myip=<ipaddr>",
        ]
        if let newSecret { context["newSecret"] = newSecret }
        return .page(page(view.account.name, csrf: csrf, error: error, body: ConsoleTemplates.render("account", context)), status: status)
    }

    private func page(_ title: String, csrf: String? = nil, error: String? = nil, body: String) -> String {
        var context: [String: Any] = ["title": title, "body": body, "nav": [] as [Any], "script": false,
                                      "logout": "/account/logout"]
        if let csrf { context["csrf"] = csrf }
        if let error { context["error"] = error }
        return ConsoleTemplates.render("layout", context)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await environment.pool.runIfActive(body)
    }
}
