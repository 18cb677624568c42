import DNSWire
import Foundation
import LANZone
import NIOPosix
import Testing

@testable import WebConsole

/// The console's rules without a browser: vendors from the OUI list, the sign-in limiter,
/// sessions, and the request flow (sign-in, cookies, CSRF, forms, escaping) on a real store.
@Suite struct WebConsoleTests {
    @Test func vendorsComeFromTheOUIListWithItsCRLFLines() {
        let text = "OUI/MA-L\t\t\tOrganization\r\n00-17-88   (hex)\t\tPhilips Lighting BV\r\n001788     (base 16)\t\tPhilips Lighting BV\r\n"
            + "B8-27-EB   (hex)\t\tRaspberry Pi Foundation\r\n02-00-00   (hex)\t\tNobody\r\n"
        let vendors = OUIVendors(text: text)
        #expect(vendors.count == 3)
        #expect(vendors.vendor(of: "00:17:88:ab:cd:ef") == "Philips Lighting BV")
        #expect(vendors.vendor(of: "B8-27-EB-12-34-56") == "Raspberry Pi Foundation")
        #expect(vendors.vendor(of: "02:00:00:00:00:01") == nil, "locally administered")
        #expect(vendors.vendor(of: "00:11:22:33:44:55") == nil)
        #expect(vendors.vendor(of: "nonsense") == nil)
        #expect(OUIVendors(path: "/nonexistent/oui.txt").isEmpty)
    }

    @Test func signInsAreLimitedPerAddress() {
        var limiter = LoginLimiter()
        for attempt in 0..<5 {
            #expect(limiter.wait(for: "198.51.100.9", now: 100 + Double(attempt)) == nil)
            limiter.failed("198.51.100.9", now: 100 + Double(attempt))
        }
        #expect(limiter.wait(for: "198.51.100.9", now: 110) == 294)
        #expect(limiter.wait(for: "198.51.100.10", now: 110) == nil, "another address is not slowed")
        #expect(limiter.wait(for: "198.51.100.9", now: 404) == nil, "after the lockout")
        limiter.failed("198.51.100.10", now: 120)
        limiter.succeeded("198.51.100.10")
        #expect(limiter.wait(for: "198.51.100.10", now: 121) == nil)
    }

    @Test func sessionsEndWhenIdleClosedOrCrowdedOut() {
        var sessions = ConsoleSessions()
        sessions.limit = 2
        let (first, session) = sessions.open(now: 0)
        #expect(session.csrf.count >= 32 && first.count >= 64)
        #expect(sessions.touch(first, now: 100)?.csrf == session.csrf)
        #expect(sessions.touch(first, now: 100 + sessions.lifetime + 1) == nil, "idle too long")
        let (second, _) = sessions.open(now: 200)
        let (third, _) = sessions.open(now: 300)
        _ = sessions.open(now: 400)
        #expect(sessions.touch(second, now: 401) == nil, "the oldest made room")
        #expect(sessions.touch(third, now: 401) != nil)
        sessions.close(third)
        #expect(sessions.touch(third, now: 402) == nil)
        #expect(sessions.touch(nil, now: 402) == nil && sessions.touch("made-up", now: 402) == nil)
    }

    final class Fixture: @unchecked Sendable {
        let directory: URL
        let store: HostStore
        let pool = NIOThreadPool(numberOfThreads: 1)
        let console: WebConsole
        var published = 0

        init(secondaries: [(zone: String, secondary: String, serial: UInt32, at: Double)] = []) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-console-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try HostStore(path: directory.appendingPathComponent("db.sqlite").path)
            pool.start()
            let store = store
            let snapshot = ZoneSnapshot(config: ZoneConfig(origin: "lan."), hosts: [], state: ZoneState(serial: 7, generation: 1))
            console = WebConsole(.init(store: store, origin: try DomainName("lan."), snapshot: { snapshot }, publish: {},
                                       upstreams: { [] }, vendors: { OUIVendors(text: "") }, secondaries: { secondaries }, started: 0, now: { 1000 }, pool: pool))
            try WebConsole.setPassword("correct horse battery", in: store)
        }

        func request(_ method: String, _ path: String, query: String? = nil, form: String = "", cookie: String? = nil,
                     headers: [(name: String, value: String)] = []) async -> ConsoleResponse {
            var all = headers
            if let cookie { all.append((name: "Cookie", value: cookie)) }
            return await console.handle(ConsoleRequest(method: method, path: path, query: query, headers: all, body: Array(form.utf8),
                                                       client: "198.51.100.9", secure: false))
        }

        func header(_ response: ConsoleResponse, _ name: String) -> String? {
            response.headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// Signs in and returns the cookie and the page's CSRF token.
        func signIn() async throws -> (cookie: String, csrf: String) {
            let response = await request("POST", "/console/login", form: "password=correct+horse+battery")
            #expect(response.status == 303)
            let setCookie = try #require(header(response, "Set-Cookie"))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"))
            let cookie = String(setCookie.split(separator: ";")[0])
            let page = await request("GET", "/console/hosts", cookie: cookie)
            let marker = try #require(page.body.range(of: "name=\"csrf\" value=\""))
            let csrf = String(page.body[marker.upperBound...].prefix { $0 != "\"" })
            return (cookie, csrf)
        }

        deinit {
            try? pool.syncShutdownGracefully()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func signInCookiesAndCSRF() async throws {
        let fixture = try Fixture()
        let anonymous = await fixture.request("GET", "/console/devices")
        #expect(anonymous.status == 303 && fixture.header(anonymous, "Location") == "/console/login")
        #expect(await fixture.request("POST", "/console/hosts", form: "name=x&addresses=198.51.100.1").status == 403)
        #expect(await fixture.request("POST", "/console/login", form: "password=wrong").status == 401)
        let foreign = await fixture.request("POST", "/console/login", form: "password=correct+horse+battery",
                                            headers: [(name: "Origin", value: "https://evil.example"), (name: "Host", value: "127.0.0.1:8245")])
        #expect(foreign.status == 403, "a sign-in form from another site")
        let (cookie, csrf) = try await fixture.signIn()
        #expect(csrf.count >= 32)
        // A form without the session's token is refused; with it, the host is stored.
        #expect(await fixture.request("POST", "/console/hosts", form: "name=laser&addresses=198.51.100.60", cookie: cookie).status == 403)
        #expect(await fixture.request("POST", "/console/hosts", form: "name=laser&addresses=198.51.100.60&csrf=wrong", cookie: cookie)
            .status == 403)
        let added = await fixture.request("POST", "/console/hosts", form: "name=laser&addresses=198.51.100.60+2001%3Adb8%3A%3A60&csrf=\(csrf)",
                                          cookie: cookie)
        #expect(added.status == 303)
        #expect(try fixture.store.host(named: "laser")?.addresses.map(\.description) == ["198.51.100.60", "2001:db8::60"])
        // The rules of hosts add, as the page's error.
        let refused = await fixture.request("POST", "/console/hosts", form: "name=x.example.com.&addresses=198.51.100.1&csrf=\(csrf)",
                                            cookie: cookie)
        #expect(refused.status == 400 && refused.body.contains("outside the zone"))
        let removed = await fixture.request("POST", "/console/hosts/remove", form: "name=laser&csrf=\(csrf)", cookie: cookie)
        #expect(removed.status == 303)
        #expect(try fixture.store.host(named: "laser") == nil)
        // Signing out ends the session.
        #expect(await fixture.request("POST", "/console/logout", form: "csrf=\(csrf)", cookie: cookie).status == 303)
        #expect(await fixture.request("GET", "/console/devices", cookie: cookie).status == 303)
    }

    @Test func theZonesPageShowsWhichSerialEachSecondaryTook() async throws {
        let fixture = try Fixture(secondaries: [(zone: "lan.", secondary: "198.51.100.53", serial: 7, at: 900),
                                                (zone: "lan.", secondary: "198.51.100.54", serial: 5, at: 800)])
        let (cookie, _) = try await fixture.signIn()
        let page = await fixture.request("GET", "/console/zones", cookie: cookie)
        #expect(page.body.contains("<td>lan.</td><td>198.51.100.53</td><td>7</td><td>in sync</td>"))
        #expect(page.body.contains("<td>lan.</td><td>198.51.100.54</td><td>5</td><td>behind: the zone is at 7</td>"))
    }

    @Test func theDynamicDNSPageListsPlansAccountsAndThisMonthsUsage() async throws {
        let fixture = try Fixture()
        let zone = try DomainName("dyn.example.net.")
        try fixture.store.addDynamicPlan(DynamicPlan(name: "basic", maxHosts: 3, minInterval: 60))
        _ = try fixture.store.addDynamicAccount(name: "shop", plan: "basic", now: 0)
        _ = try fixture.store.addDynamicAccount(name: "cafe", plan: "basic", now: 0)
        #expect(try fixture.store.setDynamicAccount("cafe", suspended: true, now: 0))
        _ = try fixture.store.addDynamicHost("shop.dyn.example.net", account: "shop", hostedZones: [zone], now: 0)
        // The fixture's clock says 1000 s after 1970: this month's usage is January 1970's.
        _ = try fixture.store.applyDynamicUpdate(account: "shop", token: nil, changes: [
            DynamicAddressChange(host: try DomainName("shop.dyn.example.net."), addresses: [IPAddress("203.0.113.5")!]),
        ], now: 500)
        let (cookie, _) = try await fixture.signIn()
        let page = await fixture.request("GET", "/console/ddns", cookie: cookie)
        #expect(page.status == 200)
        #expect(page.body.contains("<td>basic</td><td>3</td><td>60 s</td><td>any</td>"))
        #expect(page.body.contains("<td>shop</td><td>basic</td><td>active</td><td>1</td><td>1</td><td>0</td><td>0</td>"))
        #expect(page.body.contains("<td>cafe</td><td>basic</td><td>suspended</td><td>0</td>"))
        #expect(page.body.contains("since 1970-01-01"))
    }

    @Test func whatDevicesAndVisitorsSendIsShownAsText() async throws {
        let fixture = try Fixture()
        try fixture.store.upsert(HostRecord(name: "tv", addresses: [IPAddress("198.51.100.70")!], source: .dhcp,
                                            mac: "02:00:00:00:00:70", state: "acknowledged"))
        // DNS names may hold any byte: a static host named with markup.
        _ = try fixture.store.setStaticHost("<b>bold", addresses: ["198.51.100.71"], origin: try DomainName("lan."))
        let (cookie, _) = try await fixture.signIn()
        let page = await fixture.request("GET", "/console/devices", query: "q=%3Cscript%3Ealert(2)%3C%2Fscript%3E", cookie: cookie)
        #expect(page.status == 200)
        #expect(!page.body.contains("<script>alert(2)") && page.body.contains("&lt;script&gt;alert(2)"))
        let table = await fixture.request("GET", "/console/devices/table", query: "q=tv", cookie: cookie)
        #expect(table.body.contains("tv.lan.") && table.body.contains("02:00:00:00:00:70"))
        let hosts = await fixture.request("GET", "/console/hosts", cookie: cookie)
        #expect(hosts.body.contains("&lt;b&gt;bold") && !hosts.body.contains("<b>bold"))
        #expect(fixture.header(page, "Content-Security-Policy")?.contains("default-src 'self'") == true)
    }
}
