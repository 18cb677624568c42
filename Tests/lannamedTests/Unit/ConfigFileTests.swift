import HostSystem
import DNSWire
import Foundation
import LANZone
import Testing

@testable import lannamed
@testable import DNSServer

@Suite struct ConfigFileTests {
    func load(_ text: String) throws(ConfigError) -> Settings { try loadConfig(text) }

    func failure(of text: String) -> ConfigError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyFileKeepsTheDefaults() throws {
        let settings = try load("")
        #expect(settings.zone.name == "lan.")
        #expect(settings.server.listen.map(\.description) == ["0.0.0.0:53", "[::]:53"])
        #expect(settings.store.database == "/var/lib/lannamed/lannamed.sqlite")
    }

    @Test func readsEverySection() throws {
        let settings = try load("""
            [zone]
            name = "home.arpa"
            ttl = 300
            negative-ttl = 30
            server-name = "dns"
            server-addresses = ["198.51.100.1", "2001:db8::1"]

            [[zone.hosts]]
            name = "printer"
            addresses = ["198.51.100.20"]
            aliases = ["laser"]

            [server]
            listen = ["127.0.0.1:5353", "[::1]:5353"]
            threads = 1
            tcp-idle-timeout = 5
            max-tcp-connections = 10

            [database]
            path = "/tmp/x.sqlite"

            [dhcp]
            enabled = false
            interfaces = ["eth0"]

            [forwarder]
            upstreams = ["192.0.2.53", "[2001:db8::53]:5300"]
            """)
        #expect(settings.zone.name == "home.arpa.")
        #expect(settings.zone.ttl == 300)
        #expect(settings.zone.negativeTTL == 30)
        #expect(settings.zone.serverName == "dns")
        #expect(settings.zone.serverAddresses.map(\.description) == ["198.51.100.1", "2001:db8::1"])
        #expect(settings.zone.hosts.map(\.name) == ["printer", "laser"])
        #expect(settings.zone.hosts.map(\.publishesPTR) == [true, false])
        #expect(settings.zone.hosts.allSatisfy { $0.source == .config })
        #expect(settings.server.listen.map(\.description) == ["127.0.0.1:5353", "[::1]:5353"])
        #expect(settings.server.threads == 1)
        #expect(settings.server.tcpIdleTimeout == 5)
        #expect(settings.server.maxTCPConnections == 10)
        #expect(settings.store.database == "/tmp/x.sqlite")
        #expect(settings.dhcp.enabled == false)
        #expect(settings.dhcp.interfaces == ["eth0"])
        #expect(settings.forwarding.upstreams.map(\.description) == ["192.0.2.53:53", "[2001:db8::53]:5300"])
    }

    @Test func syntaxErrorsNameTheirLine() throws {
        let problem = try #require(failure(of: "[zone]\nname = \"lan\nttl = 5\n"))
        #expect(problem.line == 2)
        #expect(problem.description.contains(":2:"))
    }

    @Test(arguments: [
        ("[zone]\nname = \"lan\"\nbogus = 1\n", 3, "unknown setting \"bogus\""),
        ("[server]\n\nlisten = [\"1.2.3.4:99999\"]\n", 3, "not between 0 and 65535"),
        ("[server]\nlisten = [\"printer:53\"]\n", 2, "is not ADDRESS[:PORT]"),
        ("[zone]\nttl = \"sixty\"\n", 2, "whole number"),
        ("[zone]\nttl = -1\n", 2, "outside"),
        ("[zone]\nname = \"a..b\"\n", 2, "not a valid zone name"),
        ("[zone]\n[[zone.hosts]]\nname = \"x\"\naddresses = [\"300.1.1.1\"]\n", 4, "not an IPv4 or IPv6 address"),
        ("[zone]\n[[zone.hosts]]\nname = \"x\"\n", 3, "needs addresses"),
        ("[zone]\nname = \"lan\"\n[[zone.hosts]]\nname = \"x.example.com.\"\naddresses = [\"198.51.100.1\"]\n", 4, "outside the zone"),
        ("[dhcp]\nenabled = \"yes\"\n", 2, "true or false"),
        ("[tls]\nkey = 1\n", 1, "unknown setting \"tls\""),
        ("[http]\nadmin-allow = [\"198.51.100.0/33\"]\n", 2, "the length must be 0...32"),
    ])
    func badValuesNameTheirLineAndSayWhy(text: String, line: Int, words: String) throws {
        let problem = try #require(failure(of: text))
        #expect(problem.line == line, "\(problem)")
        #expect(problem.message.contains(words), "\(problem)")
    }

    @Test func theHTTPListenerIsOnByDefaultAndCanBeTurnedOff() throws {
        let plain = try load("")
        #expect(plain.http.listen?.description == "[::]:8053" && !plain.http.listenChosen)
        let off = try load("[http]\nlisten = \"off\"\n")
        #expect(off.http.listen == nil && off.http.listenChosen)
        let chosen = try load("[http]\nlisten = \"127.0.0.1:8443\"\n")
        #expect(chosen.http.listen?.description == "127.0.0.1:8443" && chosen.http.listenChosen)
    }

    @Test func adminAllowListsWhoReadsTheMetrics() throws {
        #expect(try load("").http.adminAllow == nil)
        let settings = try load("[http]\nadmin-allow = [\"198.51.100.0/24\", \"::1/128\"]\n")
        #expect(settings.http.adminAllow?.map(\.description) == ["198.51.100.0/24", "::1/128"])
    }

    @Test func missingFileSaysSo() {
        var settings = Settings()
        do {
            try ConfigFile(path: "/nonexistent/lannamed.toml").apply(to: &settings)
            Issue.record("no error for a missing file")
        } catch {
            #expect(error.description.contains("no such file"))
        }
    }
}

@Suite struct EndpointTests {
    @Test(arguments: [
        ("127.0.0.1:5353", "127.0.0.1:5353"),
        ("0.0.0.0:53", "0.0.0.0:53"),
        ("[::]:53", "[::]:53"),
        ("[::1]:5353", "[::1]:5353"),
        ("198.51.100.1", "198.51.100.1:53"),
        ("2001:db8::1", "[2001:db8::1]:53"),
        ("[2001:db8::1]", "[2001:db8::1]:53"),
    ])
    func parses(text: String, expected: String) throws {
        #expect(try Endpoint(setting: text).description == expected)
    }

    @Test(arguments: ["", "host:53", "1.2.3.4:", "1.2.3.4:x", "[::1", "[::1]53", "1.2.3.4:70000", "[::1]:-1"])
    func rejects(text: String) {
        #expect(throws: ConfigError.self) { try Endpoint(setting: text) }
    }

    @Test func serverNameAddressesPreferSpecificListenAddresses() throws {
        let specific = [try Endpoint(setting: "198.51.100.1:53"), try Endpoint(setting: "[2001:db8::1]:53")]
        #expect(InterfaceAddresses.forServerName(listening: specific).map(\.description) == ["198.51.100.1", "2001:db8::1"])
        let wildcard = [try Endpoint(setting: "0.0.0.0:53")]
        #expect(!InterfaceAddresses.forServerName(listening: wildcard).isEmpty)
    }
}

@Suite struct TCPConnectionLimitTests {
    @Test func capsOpenConnections() {
        let limit = TCPConnectionLimit(maximum: 2)
        #expect(limit.acquire())
        #expect(limit.acquire())
        #expect(!limit.acquire())
        limit.release()
        #expect(limit.acquire())
        #expect(limit.count == 2)
    }
}
