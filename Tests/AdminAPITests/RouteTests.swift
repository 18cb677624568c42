import Testing

@testable import AdminAPI

/// How the admin API reads a method and a path, and a bearer header.
@Suite struct RouteTests {
    typealias Route = AdminAPI.Route

    @Test func routesByMethodAndPath() {
        let table: [(String, String, Route?)] = [
            ("GET", "/api/v1/status", .status),
            ("GET", "/api/v1/hosts", .hosts),
            ("POST", "/api/v1/hosts", .addHost),
            ("GET", "/api/v1/hosts/printer", .host("printer")),
            ("GET", "/api/v1/hosts/printer.lan.", .host("printer.lan.")),
            ("GET", "/api/v1/hosts/a%20b", .host("a b")),
            ("DELETE", "/api/v1/hosts/printer", .removeHost("printer")),
            ("GET", "/api/v1/devices", .devices),
            ("GET", "/api/v1/zones", .zones),
            ("PUT", "/api/v1/zones", .methodNotAllowed("GET")),
            ("GET", "/api/v1/records", .records),
            ("GET", "/api/v1/accounts", .accounts),
            ("GET", "/api/v1/accounts/shop", .account("shop")),
            ("DELETE", "/api/v1/accounts/shop", .methodNotAllowed("GET")),
            ("GET", "/api/v1/tokens", .tokens),
            ("POST", "/api/v1/tokens", .addToken),
            ("DELETE", "/api/v1/tokens/1f2e3d4c", .revokeToken("1f2e3d4c")),
            ("GET", "/api/v1/tokens/1f2e3d4c", .methodNotAllowed("DELETE")),
            ("DELETE", "/api/v1/hosts", .methodNotAllowed("GET, POST")),
            ("POST", "/api/v1/hosts/printer", .methodNotAllowed("GET, DELETE")),
            ("GET", "/api/v1/hosts/", nil),
            ("GET", "/api/v1/hosts/%zz", nil),
            ("GET", "/api/v1/hosts/a/b", nil),
            ("GET", "/api/v2/status", nil),
            ("GET", "/api/v1", nil),
            ("GET", "/api/v1/", nil),
            ("GET", "/status", nil),
        ]
        for (method, path, expected) in table {
            #expect(Route(method: method, path: path) == expected, "\(method) \(path)")
        }
        #expect(Route.addHost.writes && Route.removeHost("x").writes && !Route.hosts.writes && !Route.status.writes)
        #expect(Route.addToken.writes && Route.revokeToken("x").writes && !Route.tokens.writes && !Route.accounts.writes)
    }

    @Test func theBearerSchemeIsCaseInsensitiveAndNothingElseIsAToken() {
        #expect(AdminAPI.bearer("Bearer lnm_1") == "lnm_1")
        #expect(AdminAPI.bearer("bearer  lnm_1 ") == "lnm_1")
        #expect(AdminAPI.bearer("Basic dXNlcjpwYXNz") == nil)
        #expect(AdminAPI.bearer("Bearer") == nil)
        #expect(AdminAPI.bearer(nil) == nil)
    }
}
