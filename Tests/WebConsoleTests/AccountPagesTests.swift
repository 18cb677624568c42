import DNSWire
import Foundation
import LANZone
import NIOPosix
import Testing

@testable import WebConsole

/// The dynamic DNS customer's pages without a browser: sign-in with the account's password, the
/// account's own hosts and tokens only, a new token's secret shown once and usable, CSRF.
@Suite struct AccountPagesTests {
    final class Fixture: @unchecked Sendable {
        let directory: URL
        let store: HostStore
        let pool = NIOThreadPool(numberOfThreads: 1)
        let pages: AccountPages

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-account-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try HostStore(path: directory.appendingPathComponent("db.sqlite").path)
            pool.start()
            let zones = [try DomainName("dyn.example.net.")]
            try store.addDynamicPlan(DynamicPlan(name: "basic", maxHosts: 3, minInterval: 0, zones: []))
            for name in ["shop", "other"] {
                _ = try store.addDynamicAccount(name: name, plan: "basic", now: 0)
                _ = try store.addDynamicHost("\(name).dyn.example.net", account: name, hostedZones: zones, now: 0)
            }
            _ = try store.createDynamicToken(account: "other", now: 0)
            #expect(try AccountPages.setPassword("shop password 1", account: "shop", in: store))
            #expect(try !AccountPages.setPassword("whatever 123", account: "nobody", in: store))
            pages = AccountPages(.init(store: store, now: { 1000 }, pool: pool))
        }

        func request(_ method: String, _ path: String, form: String = "", cookie: String? = nil) async -> ConsoleResponse {
            var headers: [(name: String, value: String)] = [(name: "Host", value: "dyn.example.net")]
            if let cookie { headers.append((name: "Cookie", value: cookie)) }
            return await pages.handle(ConsoleRequest(method: method, path: path, query: nil, headers: headers, body: Array(form.utf8),
                                                     client: "203.0.113.5", secure: true), client: IPAddress("203.0.113.5")!)
        }

        deinit {
            try? pool.syncShutdownGracefully()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func field(_ body: String, after marker: String, until end: Character) -> String? {
        guard let range = body.range(of: marker) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != end })
    }

    @Test func aCustomerSeesAndManagesTheirOwnAccountOnly() async throws {
        let fixture = try Fixture()
        #expect(await fixture.request("GET", "/account").status == 303)
        #expect(await fixture.request("POST", "/account/login", form: "account=shop&password=wrong").status == 401)
        #expect(await fixture.request("POST", "/account/login", form: "account=other&password=shop+password+1").status == 401)
        let signedIn = await fixture.request("POST", "/account/login", form: "account=shop&password=shop+password+1")
        #expect(signedIn.status == 303)
        let setCookie = try #require(signedIn.headers.first { $0.name == "Set-Cookie" }?.value)
        #expect(setCookie.contains("Secure") && setCookie.contains("HttpOnly") && setCookie.contains("Path=/account"))
        let cookie = String(setCookie.split(separator: ";")[0])

        let page = await fixture.request("GET", "/account", cookie: cookie)
        #expect(page.status == 200)
        #expect(page.body.contains("shop.dyn.example.net.") && !page.body.contains("other.dyn.example.net"))
        #expect(page.body.contains("203.0.113.5"), "the address this server sees")
        #expect(page.body.contains("https://dyn.example.net/nic/update?hostname=&lt;domain&gt;&amp;myip=&lt;ipaddr&gt;"))
        let csrf = try #require(Self.field(page.body, after: "name=\"csrf\" value=\"", until: "\""))

        // A token made here works for updates; its secret shows once.
        #expect(await fixture.request("POST", "/account/tokens", form: "host=", cookie: cookie).status == 403, "no CSRF token")
        let made = await fixture.request("POST", "/account/tokens", form: "csrf=\(csrf)&host=shop.dyn.example.net", cookie: cookie)
        let secret = try #require(Self.field(made.body, after: "id=\"new-secret\">", until: "<"))
        let credential = try fixture.store.dynamicCredential(secret: secret, now: 1000)
        #expect(credential?.account.name == "shop")
        #expect(!(await fixture.request("GET", "/account", cookie: cookie)).body.contains(secret))

        // Only the account's own tokens can be revoked.
        let others = try #require(try fixture.store.dynamicAccountView("other")?.tokens.first?.id)
        #expect(await fixture.request("POST", "/account/tokens/revoke", form: "csrf=\(csrf)&id=\(others)", cookie: cookie).status == 404)
        #expect(try fixture.store.dynamicAccountView("other")?.tokens.first?.revoked == nil)
        let mine = try #require(try fixture.store.dynamicAccountView("shop")?.tokens.first?.id)
        #expect(await fixture.request("POST", "/account/tokens/revoke", form: "csrf=\(csrf)&id=\(mine)", cookie: cookie).status == 303)
        #expect(try fixture.store.dynamicCredential(secret: secret, now: 1001) == nil)

        #expect(await fixture.request("POST", "/account/logout", form: "csrf=\(csrf)", cookie: cookie).status == 303)
        #expect(await fixture.request("GET", "/account", cookie: cookie).status == 303)
    }
}
