import Foundation
import Testing
import DNSWire
@testable import DynamicDNS

/// Requests as real clients send them (from their source and captures), through the whole service.
@Suite("Real clients")
struct RealClientTests {
    static func backend() -> MemoryBackend {
        MemoryBackend(credentials: [
            "Tok_en-123": DynDNSCredential(
                tokenID: "t1", account: "alice", allowedHosts: [DomainName("home.dedyn.example.")],
                hosts: [
                    DynDNSHost(name: "home.dedyn.example.", ipv4: [IPv4Address("192.0.2.1")!], ipv6: [IPv6Address("2001:db8:1:1::10")!]),
                    DynDNSHost(name: "other.dedyn.example.", ipv4: [IPv4Address("192.0.2.2")!]),
                ]),
        ])
    }

    static func basic(_ userPassword: String) -> (name: String, value: String) {
        (name: "Authorization", value: "Basic " + Data(userPassword.utf8).base64EncodedString())
    }

    static let cases: [(client: String, path: String, query: String?, headers: [(name: String, value: String)], status: Int, body: String)] = [
        ("ddclient 3.10, v4 only: the AAAA stays", "/nic/update", "system=dyndns&hostname=home.dedyn.example&myip=203.0.113.7",
         [basic("home.dedyn.example:Tok_en-123"), (name: "User-Agent", value: "ddclient/3.10.0")], 200, "good 203.0.113.7"),
        ("ddclient 3.11, mixed list", "/nic/update", "system=dyndns&hostname=home.dedyn.example&myip=203.0.113.7,2001:db8:1:1::99",
         [basic("home.dedyn.example:Tok_en-123")], 200, "good 203.0.113.7,2001:db8:1:1::99"),
        ("inadyn, Host without port, wildcard and mx", "/nic/update",
         "hostname=home.dedyn.example&myip=192.0.2.1&wildcard=NOCHG&mx=&backmx=NO",
         [basic("alice:Tok_en-123"), (name: "Host", value: "update.example")], 200, "nochg 192.0.2.1"),
        ("OpenWrt, fully expanded IPv6 in the URL", "/update",
         "hostname=home.dedyn.example&myipv6=2001:0db8:0001:0001:0000:0000:0000:0010",
         [basic("home.dedyn.example:Tok_en-123")], 200, "nochg 2001:db8:1:1::10"),
        ("FRITZ!Box DS-Lite: empty <ipaddr>, IPv6 given", "/",
         "hostname=home.dedyn.example&myip=&myipv6=2001%3Adb8%3A2%3A2%3A%3A1",
         [basic("home.dedyn.example:Tok_en-123")], 200, "good 2001:db8:2:2::1"),
        ("FRITZ!Box token pasted unescaped in the query", "/nic/update",
         "hostname=home.dedyn.example&myip=192.0.2.1&username=home.dedyn.example&password=Tok_en-123", [], 200, "nochg 192.0.2.1"),
        ("deSEC token header, no hostname: the token's only host", "/",
         "myipv4=preserve&myipv6=2001:db8:1:1::/64", [(name: "Authorization", value: "Token Tok_en-123")], 200, "nochg 2001:db8:1:1::10"),
        ("hostname=YES (ddclient with no name): the Basic user", "/nic/update", "hostname=YES&myip=192.0.2.1",
         [basic("home.dedyn.example:Tok_en-123")], 200, "nochg 192.0.2.1"),
        ("wget/uclient-fetch first try: no credentials", "/nic/update", "hostname=home.dedyn.example&myip=192.0.2.1", [], 401, "badauth"),
        ("wrong password", "/nic/update", "hostname=home.dedyn.example", [basic("home.dedyn.example:nope")], 401, "badauth"),
        ("a host of the account the token may not update", "/nic/update", "hostname=other.dedyn.example&myip=192.0.2.9",
         [basic("alice:Tok_en-123")], 404, "nohost"),
        ("IDN in UTF-8", "/nic/update", "hostname=h%C3%B6me.dedyn.example", [basic("alice:Tok_en-123")], 400, "notfqdn"),
    ]

    @Test(arguments: cases.indices)
    func client(index: Int) async {
        let c = Self.cases[index]
        let service = DynDNSService(backend: Self.backend())
        let outcome = await service.handle(
            path: c.path, rawQuery: c.query, headers: c.headers, peer: IPAddress("198.51.100.7")!, now: 1_000_000)
        #expect(outcome.http.status == c.status, "\(c.client)")
        #expect(outcome.http.body == c.body, "\(c.client)")
        #expect(!outcome.logLine.contains("Tok_en-123"), "\(c.client)")
    }

    @Test func v4OnlyUpdateKeepsTheAAAA() async {
        let backend = Self.backend()
        let service = DynDNSService(backend: backend)
        _ = await service.handle(
            path: "/nic/update", rawQuery: "hostname=home.dedyn.example&myip=203.0.113.7",
            headers: [Self.basic("home.dedyn.example:Tok_en-123")], peer: IPAddress("198.51.100.7")!, now: 1_000_000)
        #expect(await backend.applied == [[DynDNSChange(
            name: "home.dedyn.example.", ipv4: [IPv4Address("203.0.113.7")!], ipv6: [IPv6Address("2001:db8:1:1::10")!])]])
    }

    @Test func inactiveAccountIsBadauthButNotAGuess() async {
        var credential = Self.backend().credentialsSnapshot["Tok_en-123"]!
        credential.status = .suspended
        let backend = MemoryBackend(credentials: ["Tok_en-123": credential])
        let service = DynDNSService(backend: backend)
        let outcome = await service.handle(
            path: "/", rawQuery: "myip=192.0.2.9", headers: [(name: "Authorization", value: "Token Tok_en-123")],
            peer: IPAddress("198.51.100.7")!, now: 0)
        #expect(outcome.answer == .badauth)
        #expect(outcome.http.header("WWW-Authenticate") != nil)
        #expect(await backend.states["src:198.51.100.7/32"] == nil)
        #expect(await backend.applied.isEmpty)
    }
}
