import Foundation
import TestSupport
import Testing

/// The admin REST API on a running daemon, with curl and schemathesis: tokens (none, wrong,
/// read-only), hosts set through the API answering `dig` at once, devices from a replayed DHCP
/// capture, the admin access list, large bodies; and the OpenAPI document checked against the
/// server by schemathesis (every operation, generated and mutated requests, stateful links).
@Suite(.tags(.endToEnd), .serialized) struct AdminAPITests {
    final class Server {
        let daemon: LannamedDaemon
        let port: UInt16
        let token: String
        let readOnly: String

        init(extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
            _ = try E2E.require("curl", package: "curl", sourceLocation: sourceLocation)
            port = try LoopbackSocket.freePort()
            let capture = E2E.packageRoot.appendingPathComponent("Tests/DHCPWatchTests/Fixtures/lan-kea.pcap").path
            daemon = try LannamedDaemon(["--no-forward", "--pcap-file", capture, "--http-listen", "127.0.0.1:\(port)"] + extra,
                                        sourceLocation: sourceLocation)
            token = try Self.token(daemon, ["--name", "tests"], sourceLocation: sourceLocation)
            readOnly = try Self.token(daemon, ["--name", "viewer", "--read-only"], sourceLocation: sourceLocation)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, call("GET", "/healthz", token: nil).status != 200 { usleep(50_000) }
        }

        static func token(_ daemon: LannamedDaemon, _ arguments: [String], sourceLocation: SourceLocation) throws -> String {
            let made = daemon.command("admin", ["token", "create"] + arguments)
            let secret = made.stdout.split(separator: "\n").first.map(String.init) ?? ""
            try #require(made.status == 0 && secret.hasPrefix("lnm_"), "\(made)", sourceLocation: sourceLocation)
            return secret
        }

        struct Reply {
            var status: Int
            var body: String
            var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        }

        func call(_ method: String, _ path: String, token: String?, body: String? = nil, extra: [String] = []) -> Reply {
            var arguments = ["-s", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"]
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
            let result = run("curl", arguments + extra + ["http://127.0.0.1:\(port)\(path)"], timeout: 15)
            var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let status = Int(lines.popLast() ?? "") ?? 0
            return Reply(status: status, body: lines.joined(separator: "\n"))
        }

        func cleanup() { daemon.cleanup() }
    }

    @Test func tokensHostsDevicesAndLimits() throws {
        let server = try Server()
        defer { server.cleanup() }
        // No token, a wrong one, a made-up one of the right shape.
        #expect(server.call("GET", "/api/v1/status", token: nil).status == 401)
        #expect(server.call("GET", "/api/v1/status", token: "nonsense").status == 401)
        #expect(server.call("GET", "/api/v1/status", token: "lnm_00000000_" + String(repeating: "A", count: 32)).status == 401)
        let status = server.call("GET", "/api/v1/status", token: server.readOnly)
        #expect(status.status == 200)
        let fields = try #require(status.json as? [String: Any])
        #expect(fields["zone"] as? String == "lan." && fields["version"] as? String != nil)

        // A host set through the API answers at once; a read-only token may not change it.
        let body = #"{"name": "laser", "addresses": ["198.51.100.61", "2001:db8::61"]}"#
        #expect(server.call("POST", "/api/v1/hosts", token: server.readOnly, body: body).status == 403)
        let added = server.call("POST", "/api/v1/hosts", token: server.token, body: body)
        #expect(added.status == 201, "\(added)")
        #expect((added.json as? [String: Any])?["change"] as? String == "added")
        #expect(server.daemon.answers("laser.lan.", "A") == ["198.51.100.61"])
        #expect(server.daemon.answers("laser.lan.", "AAAA") == ["2001:db8::61"])
        #expect(server.call("POST", "/api/v1/hosts", token: server.token, body: body).status == 200)
        let one = server.call("GET", "/api/v1/hosts/laser.lan", token: server.readOnly)
        #expect((one.json as? [String: Any])?["source"] as? String == "static")
        // The rules of `hosts add`, as 400 with one sentence.
        for bad in [#"{"name": "x.example.com.", "addresses": ["198.51.100.9"]}"#, #"{"name": "x", "addresses": ["300.1.1.1"]}"#,
                    #"{"name": "x", "addresses": []}"#, #"{"name": "x"}"#, "not json"] {
            let refused = server.call("POST", "/api/v1/hosts", token: server.token, body: bad)
            #expect(refused.status == 400, "\(bad): \(refused)")
            #expect((refused.json as? [String: Any])?["error"] as? String != nil)
        }
        #expect(server.call("DELETE", "/api/v1/hosts/laser", token: server.token).status == 204)
        #expect(server.daemon.answers("laser.lan.", "A").isEmpty)
        #expect(server.call("DELETE", "/api/v1/hosts/laser", token: server.token).status == 404)

        // The replayed capture's clients are devices, with their MACs.
        let devices = try #require(server.call("GET", "/api/v1/devices", token: server.readOnly).json as? [[String: Any]])
        let dual = devices.first { $0["name"] as? String == "dualstack" }
        #expect(dual?["mac"] as? String == "02:4c:48:00:00:08")
        #expect((dual?["addresses"] as? [String])?.contains("198.51.100.107") == true)
        let zones = try #require(server.call("GET", "/api/v1/zones", token: server.readOnly).json as? [[String: Any]])
        #expect(zones.contains { $0["name"] as? String == "lan." })

        // Unknown routes and methods; a body over 64 KiB is not read.
        #expect(server.call("GET", "/api/v1/nothing", token: server.token).status == 404)
        #expect(server.call("PUT", "/api/v1/zones", token: server.token).status == 405)
        let huge = "{\"name\": \"" + String(repeating: "a", count: 70_000) + "\", \"addresses\": []}"
        #expect(server.call("POST", "/api/v1/hosts", token: server.token, body: huge).status == 413)
        // A revoked token stops working.
        let listed = server.daemon.command("admin", ["token", "list"])
        let viewer = try #require(listed.stdout.split(separator: "\n").first { $0.hasSuffix("viewer") })
        #expect(server.daemon.command("admin", ["token", "revoke", String(viewer.prefix(8))]).status == 0)
        #expect(server.call("GET", "/api/v1/status", token: server.readOnly).status == 401)
    }

    @Test func accountsRecordsAndTokensOfTheDynamicDNSService() throws {
        let server = try DynDNSServer()
        defer { server.cleanup() }
        #expect(server.daemon.command("records", ["add", "dyn.example.net", "MX", "10", "mail.example.net."],
                                      extra: ["--hosted-zone", DynDNSServer.zone]).status == 0)
        let token = try Server.token(server.daemon, ["--name", "ddns"], sourceLocation: #_sourceLocation)
        func call(_ method: String, _ path: String, body: String? = nil) -> (status: Int, json: Any?) {
            var arguments = ["-s", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "10",
                             "-H", "Authorization: Bearer \(token)"]
            if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
            let result = run("curl", arguments + [server.base + path], timeout: 15)
            var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let status = Int(lines.popLast() ?? "") ?? 0
            return (status, try? JSONSerialization.jsonObject(with: Data(lines.joined(separator: "\n").utf8), options: [.fragmentsAllowed]))
        }
        let accounts = try #require(call("GET", "/api/v1/accounts").json as? [[String: Any]])
        #expect(accounts.map { $0["name"] as? String } == ["shop"])
        let shop = try #require(call("GET", "/api/v1/accounts/shop").json as? [String: Any])
        #expect((shop["hosts"] as? [[String: Any]])?.compactMap { $0["fqdn"] as? String }.sorted()
                == ["nas.dyn.example.net.", "shop.dyn.example.net."])
        #expect(call("GET", "/api/v1/accounts/nobody").status == 404)
        let records = try #require(call("GET", "/api/v1/records").json as? [[String: Any]])
        #expect(records.contains { $0["type"] as? String == "MX" && $0["data"] as? String == "10 mail.example.net." })

        // A token made through the API updates the host; revoked, it is refused.
        let made = call("POST", "/api/v1/tokens", body: #"{"account": "shop", "hosts": ["shop.dyn.example.net"]}"#)
        #expect(made.status == 201)
        let created = try #require(made.json as? [String: Any])
        let secret = try #require(created["secret"] as? String)
        let id = try #require((created["token"] as? [String: Any])?["id"] as? String)
        #expect(server.get("/nic/update?hostname=shop.\(DynDNSServer.zone)&myip=203.0.113.44", ["-u", "shop:\(secret)"]).body
                == "good 203.0.113.44")
        let tokens = try #require(call("GET", "/api/v1/tokens").json as? [[String: Any]])
        #expect(tokens.contains { $0["id"] as? String == id && $0["lastUsed"] as? String != nil })
        #expect(!String(describing: tokens).contains(secret), "no secret in the listing")
        #expect(call("POST", "/api/v1/tokens", body: #"{"account": "nobody"}"#).status == 400)
        #expect(call("DELETE", "/api/v1/tokens/\(id)").status == 204)
        #expect(call("DELETE", "/api/v1/tokens/ffffffff").status == 404)
        #expect(server.get("/nic/update?hostname=shop.\(DynDNSServer.zone)&myip=203.0.113.45", ["-u", "shop:\(secret)"]).body
                == "badauth")
    }

    @Test func onlyTheAdminAccessListReachesTheAPI() throws {
        let server = try Server(extra: ["--admin-allow", "203.0.113.0/24"])
        defer { server.cleanup() }
        #expect(server.call("GET", "/api/v1/status", token: server.token).status == 403)
    }

    @Test func theServerMatchesItsOpenAPIDocument() throws {
        // On PATH, or where python3 puts the scripts of what pip installs (when PATH lacks it).
        let scripts = run("python3", ["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let schemathesis = try E2E.which("schemathesis") ?? E2E.which(scripts + "/schemathesis")
            ?? E2E.require("schemathesis", package: "schemathesis (pip install schemathesis; scripts/deps --test)")
        let server = try Server()
        defer { server.cleanup() }
        let document = E2E.packageRoot.appendingPathComponent("openapi/lannamed.yaml").path
        // Every check but positive_data_acceptance: the document cannot say which strings are
        // DNS names inside the zone or IP addresses, so a schema-valid host may be refused (400).
        let result = run(schemathesis, ["run", document, "--url", "http://127.0.0.1:\(server.port)/api/v1",
                                        "-H", "Authorization: Bearer \(server.token)", "--checks", "all",
                                        "--exclude-checks", "positive_data_acceptance", "--max-examples", "30", "-w", "1",
                                        "--seed", "1", "--no-color"],
                         timeout: 240)
        #expect(result.status == 0, "\(result.stdout.suffix(4000))\(result.stderr.suffix(2000))")
    }
}
