import Foundation
import Testing
import DNSWire
@testable import DynamicDNS

private let peer = IPAddress("198.51.100.7")!

private func parse(_ query: String?, headers: [(name: String, value: String)] = [], from: IPAddress = peer) throws(DynDNSProtocolError) -> DynDNSRequest {
    try DynDNSRequest(path: "/nic/update", rawQuery: query, headers: headers, peer: from, trustedProxies: [])
}

private func error(_ query: String?, headers: [(name: String, value: String)] = []) -> DynDNSProtocolError.Code? {
    do {
        _ = try parse(query, headers: headers)
        return nil
    } catch {
        return (error as DynDNSProtocolError).code
    }
}

private func basic(_ userPassword: String) -> (name: String, value: String) {
    (name: "Authorization", value: "Basic " + Data(userPassword.utf8).base64EncodedString())
}

private func ips(_ texts: String...) -> [IPAddress] { texts.map { IPAddress($0)! } }

@Suite("DynDNSRequest credentials")
struct DynDNSRequestCredentialTests {
    @Test func basicUserAndPassword() throws {
        let request = try parse("hostname=a.example", headers: [basic("a.example:s3cret:with:colons")])
        #expect(request.credentials == DynDNSCredentials(user: "a.example", secret: "s3cret:with:colons", source: .basic))
    }

    @Test func tokenHeader() throws {
        let request = try parse(nil, headers: [(name: "authorization", value: "Token AbC_-123")])
        #expect(request.credentials == DynDNSCredentials(user: nil, secret: "AbC_-123", source: .token))
    }

    @Test func queryUsernameAndPassword() throws {
        let request = try parse("username=alice&password=p%2Bq+r")
        // `+` is kept: routers paste secrets into URLs unescaped.
        #expect(request.credentials == DynDNSCredentials(user: "alice", secret: "p+q+r", source: .query))
    }

    @Test func headerWinsOverQuery() throws {
        let request = try parse("username=bob&password=fromquery", headers: [(name: "Authorization", value: "Token fromheader")])
        #expect(request.credentials?.secret == "fromheader")
        #expect(request.credentials?.source == .token)
    }

    @Test(arguments: [
        ("", [] as [String]),
        ("username=alice", []),
        ("password=", []),
        ("", ["Basic " + Data("alice:".utf8).base64EncodedString()]),
        ("", ["Token "]),
    ])
    func noCredentials(query: String, authorization: [String]) throws {
        let request = try parse(query, headers: authorization.map { (name: "Authorization", value: $0) })
        #expect(request.credentials == nil)
    }

    @Test(arguments: ["Basic !!!notbase64", "Basic " + Data("nocolon".utf8).base64EncodedString(), "Bearer xyz", "Digest",
                      "Basic " + Data("u:a\u{0}b".utf8).base64EncodedString()])
    func unreadableAuthorizationIsBadauth(value: String) {
        #expect(error(nil, headers: [(name: "Authorization", value: value)]) == .badauth)
    }

    @Test func twoDifferentAuthorizationHeadersAreMalformed() {
        #expect(error(nil, headers: [(name: "Authorization", value: "Token a"), (name: "Authorization", value: "Token b")]) == .malformed)
    }
}

@Suite("DynDNSRequest hostnames")
struct DynDNSRequestHostnameTests {
    @Test(arguments: [
        ("hostname=Home.Example.ORG", ["home.example.org."]),
        ("hostname=home.example.org.", ["home.example.org."]),
        ("hostname=a.example,b.example,a.example", ["a.example.", "b.example."]),
        ("hostname=a.example,%20b.example,", ["a.example.", "b.example."]),
        ("hostname=_acme.a-b.xn--bcher-kva.example", ["_acme.a-b.xn--bcher-kva.example."]),
    ])
    func hostnames(query: String, expected: [String]) throws {
        let request = try parse(query)
        #expect(request.hostnames?.map(\.description) == expected)
        // Lower-cased bytes, not only case-insensitive equality.
        #expect(request.hostnames?.map(\.wire) == expected.map { try! DomainName($0).lowercasedWire })
    }

    @Test(arguments: ["", "hostname=", "hostname=YES", "hostname=yes", "system=dyndns&wildcard=NOCHG&mx=&backmx=NO&offline=NO"])
    func absentHostname(query: String) throws {
        #expect(try parse(query).hostnames == nil)
    }

    @Test(arguments: [
        "hostname=b%C3%BCcher.example", "hostname=localhost", "hostname=*.example.org", "hostname=a..example",
        "hostname=-a.example", "hostname=a-.example", "hostname=a%20b.example", "hostname=a.example,b c.example",
        "hostname=" + String(repeating: "a", count: 64) + ".example", "hostname=a.example..",
        "hostname=" + Array(repeating: "abcdefghij", count: 26).joined(separator: "."),
    ])
    func notFQDN(query: String) {
        #expect(error(query) == .notfqdn)
    }

    @Test func tooManyHostnames() {
        let twenty = (1...20).map { "h\($0).example" }.joined(separator: ",")
        #expect(error("hostname=" + twenty) == nil)
        #expect(error("hostname=" + twenty + ",h21.example") == .numhost)
        let tenThousand = Array(repeating: "a.e", count: 10_000).joined(separator: ",")
        #expect(error("hostname=" + tenThousand) == .numhost)
    }

    @Test func perHostMaximumIsConfigurable() throws {
        #expect(throws: DynDNSProtocolError.self) {
            try DynDNSRequest(path: "/", rawQuery: "hostname=a.x,b.x", headers: [], peer: peer, trustedProxies: [], maximumHostnames: 1)
        }
    }
}

@Suite("DynDNSRequest addresses")
struct DynDNSRequestAddressTests {
    @Test(arguments: [
        // One family: the other is kept.
        ("myip=192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
        ("myip=2001:db8::1", AddressInstructions(ipv6: .set(ips("2001:db8::1")))),
        // Mixed list (ddclient 3.11+), unordered, the families sorted out.
        ("myip=2001:db8::1,192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")), ipv6: .set(ips("2001:db8::1")))),
        ("myip=192.0.2.9,192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1", "192.0.2.9")))),
        ("myipv4=192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
        ("myipv6=2001:db8::1", AddressInstructions(ipv6: .set(ips("2001:db8::1")))),
        ("ip=192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
        ("ipv6=2001:db8::1", AddressInstructions(ipv6: .set(ips("2001:db8::1")))),
        ("ip=192.0.2.1&ipv6=2001:db8::1", AddressInstructions(ipv4: .set(ips("192.0.2.1")), ipv6: .set(ips("2001:db8::1")))),
        // Fully expanded (OpenWrt) and %3a-escaped colons.
        ("myipv6=2001:0db8:0000:0000:0000:0000:0000:0001", AddressInstructions(ipv6: .set(ips("2001:db8::1")))),
        ("myip=2001%3adb8%3A%3a1", AddressInstructions(ipv6: .set(ips("2001:db8::1")))),
        // Empty deletes that family; preserve keeps.
        ("myipv4=&myipv6=2001:db8::1", AddressInstructions(ipv4: .delete, ipv6: .set(ips("2001:db8::1")))),
        ("myipv6=&myip=192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")), ipv6: .delete)),
        ("myipv4=preserve&myipv6=2001:db8::1", AddressInstructions(ipv4: .keep, ipv6: .set(ips("2001:db8::1")))),
        ("myip=preserve", AddressInstructions()),
        ("myipv6=PRESERVE&myipv4=192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
        // IPv6 prefix: keep each host's interface identifier.
        ("myipv6=2001:db8:1:2::/64", AddressInstructions(ipv6: .prefix(try! AddressPrefix(parsing: "2001:db8:1:2::/64")))),
        ("myip=192.0.2.1,2001:db8:1:2::/64",
         AddressInstructions(ipv4: .set(ips("192.0.2.1")), ipv6: .prefix(try! AddressPrefix(parsing: "2001:db8:1:2::/64")))),
        // Precedence: myipv4 over myip over ip; myipv6 over ipv6 over myip.
        ("myip=192.0.2.1&myipv4=192.0.2.2&ip=192.0.2.3", AddressInstructions(ipv4: .set(ips("192.0.2.2")))),
        ("myip=192.0.2.1&ip=192.0.2.3", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
        ("myip=2001:db8::1&ipv6=2001:db8::2&myipv6=2001:db8::3", AddressInstructions(ipv6: .set(ips("2001:db8::3")))),
        ("myip=2001:db8::1&ipv6=2001:db8::2", AddressInstructions(ipv6: .set(ips("2001:db8::2")))),
        // An IPv4-mapped address is the IPv4 address.
        ("myip=::ffff:192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
        // The same parameter twice with one value is fine.
        ("myip=192.0.2.1&myip=192.0.2.1", AddressInstructions(ipv4: .set(ips("192.0.2.1")))),
    ])
    func addressForms(query: String, expected: AddressInstructions) throws {
        let request = try parse("hostname=a.example&" + query)
        #expect(request.addresses == expected)
        #expect(!request.usesClientAddress)
    }

    @Test(arguments: [
        (nil as String?, "198.51.100.7", AddressInstructions(ipv4: .set(ips("198.51.100.7")))),
        ("hostname=a.example&system=dyndns&wildcard=ON&mx=&backmx=NO", "2001:db8::7", AddressInstructions(ipv6: .set(ips("2001:db8::7")))),
        ("hostname=a.example&myip=", "198.51.100.7", AddressInstructions(ipv4: .set(ips("198.51.100.7")))),
        ("myip=&ip=", "::ffff:198.51.100.7", AddressInstructions(ipv4: .set(ips("198.51.100.7")))),
    ])
    func clientAddressWhenNoAddressParameter(query: String?, from: String, expected: AddressInstructions) throws {
        let request = try parse(query, from: IPAddress(from)!)
        #expect(request.addresses == expected)
        #expect(request.usesClientAddress)
    }

    @Test func perHostValues() throws {
        let request = try parse(
            "hostname=a.example,b.example,c.example&myip=192.0.2.1&myipv4:B.example=192.0.2.2&myipv6:b.example=2001:db8::2"
                + "&myipv6:c.example.=")
        let a = DomainName("a.example."), b = DomainName("b.example."), c = DomainName("c.example.")
        #expect(request.instructions(for: a) == AddressInstructions(ipv4: .set(ips("192.0.2.1"))))
        #expect(request.instructions(for: b) == AddressInstructions(ipv4: .set(ips("192.0.2.2")), ipv6: .set(ips("2001:db8::2"))))
        #expect(request.instructions(for: c) == AddressInstructions(ipv4: .set(ips("192.0.2.1")), ipv6: .delete))
    }

    @Test func perHostValuesAloneKeepOtherHosts() throws {
        let request = try parse("hostname=a.example,b.example&myipv4:b.example=192.0.2.2")
        #expect(!request.usesClientAddress)
        #expect(request.instructions(for: DomainName("a.example.")) == AddressInstructions())
        #expect(request.instructions(for: DomainName("b.example.")) == AddressInstructions(ipv4: .set(ips("192.0.2.2"))))
    }

    @Test(arguments: [
        "myip=999.1.1.1", "myip=192.0.2.1,", "myip=192.0.2.1,,192.0.2.2", "myip=example.org", "myipv4=2001:db8::1",
        "myipv6=192.0.2.1", "ipv6=192.0.2.1", "myip=fe80::1%25eth0", "myip=fe80::1%eth0", "myipv6=2001:db8::/64,2001:db8::1",
        "myip=192.0.2.0/24", "myipv6=2001:db8::/64,2001:db9::/64", "myipv6=2001:db8::/129", "myip=preserve,192.0.2.1",
        "myip=192.0.2.1&myip=192.0.2.2", "hostname=a.example&hostname=b.example", "myip=01.2.3.4",
        "myipv4:a.example=2001:db8::1", "myip=" + Array(repeating: "192.0.2.1", count: 17).joined(separator: ","),
    ])
    func malformedAddresses(query: String) {
        #expect(error("hostname=a.example&" + query) == .malformed)
    }

    @Test func perHostNameMustBeAHostname() {
        #expect(error("hostname=a.example&myipv4:b%C3%BC.example=192.0.2.1") == .notfqdn)
    }
}

@Suite("DynDNSRequest hostile input")
struct DynDNSRequestHostileTests {
    @Test(arguments: [
        "%", "%4", "%zz", "hostname=%G1", "hostname=a.example%00", "password=a%00b", "%FF%FE=1", "hostname=%C3%28.example",
        "myip=1.2.3.4%0d%0aX-Injected:%20yes", "a=%7f",
    ])
    func badEncoding(query: String) {
        #expect(error(query) == .malformed)
    }

    @Test func hugeQueryIsRefused() {
        #expect(error("x=" + String(repeating: "a", count: 70_000)) == .malformed)
        #expect(error(String(repeating: "a=1&", count: 1_000)) == .malformed)
    }

    @Test func nulByteInRawText() {
        #expect(error("hostname=a.example\u{0}") == .malformed)
    }

    @Test func repeatedAmpersandsAndBareKeys() throws {
        let request = try parse("&&hostname=a.example&&offline&")
        #expect(request.hostnames?.count == 1)
    }

    /// Random bytes never crash the parser; whatever it accepts it accepts consistently.
    @Test func randomQueriesNeverCrash() {
        var generator = SplitMix(seed: 7)
        let alphabet = Array("abcmyipv46hostname=&%,:./0123456789ABCDEFfx\u{0} +".utf8)
        for _ in 0..<3_000 {
            let length = Int(generator.next() % 80)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let text = String(decoding: bytes, as: UTF8.self)
            let first = Result { try parse(text) }
            let second = Result { try parse(text) }
            switch (first, second) {
            case (.success(let a), .success(let b)): #expect(a.addresses == b.addresses && a.hostnames == b.hostnames)
            case (.failure, .failure): break
            default: Issue.record("inconsistent result for \(text)")
            }
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
