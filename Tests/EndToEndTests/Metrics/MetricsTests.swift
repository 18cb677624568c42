import Foundation
import TestSupport
import Testing

/// `/metrics` on the HTTP listener, scraped with curl from a running daemon: queries by lane,
/// type and response code, DHCP registrations from a replayed capture, a zone transfer, dyndns2
/// answers and HTTP requests; and refused to an address outside the admin access list.
@Suite(.tags(.endToEnd), .serialized) struct MetricsTests {
    /// Every sample of the text, by series (name and labels as printed).
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
        }
        return samples
    }

    static func scrape(_ port: UInt16) -> (status: Int, body: String) {
        let result = run("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10", "http://127.0.0.1:\(port)/metrics"],
                         timeout: 15)
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    @Test func queriesRegistrationsAndTransfersAreCounted() throws {
        _ = try E2E.require("curl", package: "curl")
        let port = try LoopbackSocket.freePort()
        let capture = E2E.packageRoot.appendingPathComponent("Tests/DHCPWatchTests/Fixtures/lan-kea.pcap").path
        let daemon = try LannamedDaemon(["--no-forward", "--pcap-file", capture, "--http-listen", "127.0.0.1:\(port)",
                                         "--allow-transfer", "127.0.0.0/8"])
        defer { daemon.cleanup() }
        // The replay registers its clients; `dualstack` answers once it is done.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, daemon.answers("dualstack.lan.", "A").isEmpty { usleep(50_000) }
        #expect(daemon.answers("dualstack.lan.", "A") == ["198.51.100.107"])

        let before = Self.samples(Self.scrape(port).body)
        for _ in 0..<5 { _ = daemon.answers("dualstack.lan.", "A") }
        _ = daemon.answers("nobody-here.lan.", "AAAA")
        _ = daemon.dig(["+tcp", "dualstack.lan.", "MX"])
        let axfr = try #require(XFR.axfr(port: daemon.port, zone: "lan."))
        #expect(axfr.contains { $0.contains(" SOA ") })
        let scraped = Self.scrape(port)
        #expect(scraped.status == 200)
        let after = Self.samples(scraped.body)
        func grew(_ series: String) -> Double { (after[series] ?? 0) - (before[series] ?? 0) }
        // Five A questions and one AAAA over UDP answer from the fast lanes or the responder.
        let lanes = ["direct", "template", "responder"].map { grew(#"lannamed_dns_queries_total{lane="\#($0)"}"#) }
        #expect(lanes.reduce(0, +) >= 7, "\(lanes)")
        #expect(grew(#"lannamed_dns_query_types_total{type="A"}"#) >= 5)
        #expect(grew(#"lannamed_dns_query_types_total{type="MX"}"#) == 1)
        #expect(grew(#"lannamed_dns_query_types_total{type="AXFR"}"#) == 1)
        #expect(grew(#"lannamed_dns_responses_total{rcode="NXDOMAIN"}"#) >= 1)
        #expect(grew(#"lannamed_dns_queries_total{lane="transfer"}"#) == 1)
        #expect(grew(#"lannamed_zone_transfers_total{kind="axfr"}"#) == 1)
        #expect((after[#"lannamed_dhcp_registrations_total{outcome="registered"}"#] ?? 0) >= 4)
        #expect((after["lannamed_lan_hosts"] ?? 0) >= 4)
        let serial = try #require(daemon.serial("lan."))
        #expect(after[#"lannamed_zone_serial{zone="lan."}"#] == Double(serial))
        // The API's zones name the secondary that took the AXFR (this test, from loopback).
        let made = daemon.command("admin", ["token", "create"])
        let token = made.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let zones = run("curl", ["-s", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)/api/v1/zones"]).stdout
        let lan = (try? JSONSerialization.jsonObject(with: Data(zones.utf8)) as? [[String: Any]])?.first { $0["name"] as? String == "lan." }
        let secondaries = lan?["secondaries"] as? [[String: Any]]
        #expect(secondaries?.first?["address"] as? String == "127.0.0.1", "\(zones)")
        #expect((secondaries?.first?["serial"] as? Int).map(UInt32.init) == serial)
        // `lannamed status` reads the same endpoint.
        let status = daemon.command("status", ["--url", "http://127.0.0.1:\(port)"])
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.contains("lan.  serial \(serial)") && status.stdout.contains("in all:"), "\(status.stdout)")
        // The first scrape itself is counted by the second.
        #expect((after[#"lannamed_http_requests_total{route="metrics",status="200"}"#] ?? 0) >= 1)
    }

    @Test func dyndns2AnswersAreCountedAndOthersAreRefused() throws {
        let server = try DynDNSServer()
        defer { server.cleanup() }
        #expect(server.get("/nic/update?hostname=shop.\(DynDNSServer.zone)&myip=203.0.113.5", ["-u", "shop:\(server.secret)"])
            .body.hasPrefix("good"))
        #expect(server.get("/nic/update?hostname=shop.\(DynDNSServer.zone)", ["-u", "shop:wrong"]).body == "badauth")
        let scraped = Self.scrape(server.httpPort)
        #expect(scraped.status == 200)
        let samples = Self.samples(scraped.body)
        #expect(samples[#"lannamed_dyndns2_answers_total{answer="good"}"#] == 1)
        #expect(samples[#"lannamed_dyndns2_answers_total{answer="badauth"}"#] == 1)
        #expect((samples[#"lannamed_http_requests_total{route="update",status="200"}"#] ?? 0) >= 1)

        // Only the admin access list reads the metrics; updates and /healthz stay open.
        let closed = try DynDNSServer(extra: ["--admin-allow", "203.0.113.0/24"])
        defer { closed.cleanup() }
        #expect(Self.scrape(closed.httpPort).status == 403)
        #expect(closed.get("/healthz").status == 200)
    }
}
