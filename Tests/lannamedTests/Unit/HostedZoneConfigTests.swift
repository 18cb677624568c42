import DNSWire
import Foundation
import LANZone
import Testing

@testable import lannamed

@Suite struct HostedZoneConfigTests {
    func load(_ text: String) throws(ConfigError) -> Settings { try loadConfig(text) }

    @Test func readsZonesWithEveryKey() throws {
        let settings = try load("""
            [[zones]]
            name = "dyn.example.net"
            ns = ["ns1.dyn.example.net", "ns2.example.org."]
            ns-addresses = { "ns1.dyn.example.net" = ["203.0.113.53", "2001:db8::53"] }
            contact = "dns.admin@example.net"
            dynamic-ttl = 30
            negative-ttl = 120
            records = ["@ MX 10 mail.example.org.", "www CNAME shop", "@ CAA 0 issue \\"letsencrypt.org\\""]
            notify = ["127.0.0.1:5301"]

            [[zones]]
            name = "dyn.example.org."
            """)
        #expect(settings.hostedZoneNames == ["dyn.example.net.", "dyn.example.org."])
        let config = settings.hostedZoneConfigs(serverAddresses: [])[0]
        #expect(config.nameServers == ["ns1.dyn.example.net.", "ns2.example.org."])
        #expect(config.nameServerAddresses["ns1.dyn.example.net."]?.map(\.description) == ["203.0.113.53", "2001:db8::53"])
        #expect(config.primaryName == "ns1.dyn.example.net.")
        #expect(config.responsibleName.wire == (try DomainName(labels: [Array("dns.admin".utf8), Array("example".utf8), Array("net".utf8)])).wire)
        #expect(config.dynamicTTL == 30 && config.negativeTTL == 120)
        #expect(config.records.map { RecordText.format($0) } == [
            "dyn.example.net. 3600 IN MX 10 mail.example.org.",
            "www.dyn.example.net. 3600 IN CNAME shop.dyn.example.net.",
            "dyn.example.net. 3600 IN CAA 0 issue \"letsencrypt.org\"",
        ])
        #expect(settings.hosted[0].notify.map(\.description) == ["127.0.0.1:5301"])
        // Without ns, the zone is served as ns1.ZONE on this server's addresses.
        let plain = settings.hostedZoneConfigs(serverAddresses: [IPAddress("198.51.100.1")!])[1]
        #expect(plain.nameServers == ["ns1.dyn.example.org."])
        #expect(plain.nameServerAddresses["ns1.dyn.example.org."]?.map(\.description) == ["198.51.100.1"])
    }

    @Test(arguments: [
        ("[[zones]]\nttl = 5\n", 1, "needs a name"),
        ("[[zones]]\nname = \"lan\"\n", 2, "overlaps the LAN zone"),
        ("[[zones]]\nname = \"x.lan\"\n", 2, "overlaps the LAN zone"),
        ("[[zones]]\nname = \"a.example\"\n[[zones]]\nname = \"a.example.\"\n", 4, "listed twice"),
        ("[[zones]]\nname = \"a.example\"\nrecords = [\"www A 1.2.3\"]\n", 3, "not an IPv4 address"),
        ("[[zones]]\nname = \"a.example\"\nrecords = [\"x.other. A 1.2.3.4\"]\n", 3, "outside the zone"),
        ("[[zones]]\nname = \"a.example\"\nrecords = [\"@ CNAME b.example.\"]\n", 3, "apex"),
        ("[[zones]]\nname = \"a.example\"\nns-addresses = { \"ns1.a.example\" = [\"x\"] }\n", 3, "not an IPv4 or IPv6"),
        ("[[zones]]\nname = \"a.example\"\ncolour = 1\n", 3, "unknown setting \"colour\""),
        ("[[zones]]\nname = \"a.example\"\ncontact = \"@\"\n", 3, "not a mail address"),
    ])
    func badZonesNameTheirLineAndSayWhy(text: String, line: Int, words: String) throws {
        do {
            _ = try load(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(words), "\(error)")
        }
    }

    @Test func theCommandLineAddsZonesWithDefaults() throws {
        var settings = Settings()
        try settings.addHostedZone("Dyn.Example.NET")
        try settings.addHostedZone("dyn.example.net.")
        #expect(settings.hostedZoneNames.map(\.description) == ["dyn.example.net."])
        #expect(throws: ConfigError.self) { try settings.addHostedZone("printers.lan") }
        #expect(throws: ConfigError.self) { try settings.addHostedZone("1.168.192.in-addr.arpa") }
    }
}
