import DNSWire
import Testing

@testable import Forwarder

@Suite struct UpstreamParsingTests {
    @Test func aBareIPv4AddressIsPort53() throws {
        let upstream = try Upstream(parsing: "192.0.2.1")
        #expect(upstream.address == IPAddress("192.0.2.1")!)
        #expect(upstream.port == 53)
        #expect(upstream.tlsName == nil)
        #expect(upstream.description == "192.0.2.1:53")
        #expect(upstream == Upstream(address: IPAddress("192.0.2.1")!))
    }

    @Test func anIPv4AddressWithAPort() throws {
        let upstream = try Upstream(parsing: "192.0.2.1:5353")
        #expect(upstream.address == IPAddress("192.0.2.1")!)
        #expect(upstream.port == 5353)
        #expect(upstream.tlsName == nil)
        #expect(upstream.description == "192.0.2.1:5353")
    }

    @Test func anIPv6AddressInBracketsWithAPort() throws {
        let upstream = try Upstream(parsing: "[2001:db8::1]:53")
        #expect(upstream.address == IPAddress("2001:db8::1")!)
        #expect(upstream.port == 53)
        #expect(upstream.description == "[2001:db8::1]:53")

        let other = try Upstream(parsing: "[2001:db8::1]:5300")
        #expect(other.port == 5300)
    }

    @Test func anIPv6AddressWithoutBracketsOrPort() throws {
        let bare = try Upstream(parsing: "2001:db8::1")
        #expect(bare.address == IPAddress("2001:db8::1")!)
        #expect(bare.port == 53)
        let bracketed = try Upstream(parsing: "[::1]")
        #expect(bracketed.address == IPAddress("::1")!)
        #expect(bracketed.port == 53)
    }

    @Test func tlsDefaultsToPort853AndKeepsTheServerName() throws {
        let upstream = try Upstream(parsing: "tls://192.0.2.1#dns.example")
        #expect(upstream.address == IPAddress("192.0.2.1")!)
        #expect(upstream.port == 853)
        #expect(upstream.tlsName == "dns.example")
        #expect(upstream.description == "tls://192.0.2.1:853#dns.example")

        let withPort = try Upstream(parsing: "tls://[2001:db8::53]:8853#resolver.example")
        #expect(withPort.address == IPAddress("2001:db8::53")!)
        #expect(withPort.port == 8853)
        #expect(withPort.tlsName == "resolver.example")

        // Without a name, the address is the name to check.
        let unnamed = try Upstream(parsing: "tls://192.0.2.1")
        #expect(unnamed.port == 853)
        #expect(unnamed.tlsName == "192.0.2.1")
    }

    @Test func descriptionsParseBackToTheSameUpstream() throws {
        for text in ["192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53", "tls://192.0.2.1#dns.example", "::1"] {
            let upstream = try Upstream(parsing: text)
            #expect(try Upstream(parsing: upstream.description) == upstream, "\(text)")
        }
    }

    @Test(arguments: [
        "", "dns.example", "dns.example:53", "192.0.2", "192.0.2.1:", "192.0.2.1:abc", "192.0.2.1:0",
        "192.0.2.1:65536", "192.0.2.1:-1", "[2001:db8::1", "[2001:db8::1]53", "[2001:db8::1]:", "[2001:db8::1]:x",
        "[dns.example]:53", "192.0.2.1#dns.example", "tls://192.0.2.1#", "tls://", "udp://192.0.2.1", "192.0.2.1:53:53",
    ])
    func malformedUpstreamsAreErrors(text: String) {
        #expect(throws: Upstream.ParseError.self, "\"\(text)\"") { try Upstream(parsing: text) }
    }

    @Test func errorsSayWhatIsWrong() {
        do {
            _ = try Upstream(parsing: "192.0.2.1:99999")
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("99999"), "\(error)")
        }
        do {
            _ = try Upstream(parsing: "resolver.example")
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("resolver.example"), "\(error)")
        }
    }
}

@Suite struct ForwardingPolicyTests {
    let primary = Upstream(address: IPAddress("192.0.2.1")!)
    let secondary = Upstream(address: IPAddress("192.0.2.2")!, port: 5353)
    let corp = Upstream(address: IPAddress("198.51.100.1")!)
    let lab = Upstream(address: IPAddress("198.51.100.2")!)
    let labBackup = Upstream(address: IPAddress("2001:db8::2")!)

    var policy: ForwardingPolicy {
        ForwardingPolicy(defaults: [primary, secondary],
                         domains: ["corp.example.": [corp], "lab.corp.example.": [lab, labBackup]])
    }

    @Test func namesOutsideEveryDomainGoToTheDefaultsInOrder() {
        #expect(policy.upstreams(for: "www.example.com.") == [primary, secondary])
        #expect(policy.upstreams(for: .root) == [primary, secondary])
        #expect(policy.upstreams(for: "example.") == [primary, secondary])
        // A label boundary matters: notcorp.example is not under corp.example.
        #expect(policy.upstreams(for: "notcorp.example.") == [primary, secondary])
        #expect(policy.upstreams(for: "corp.example.com.") == [primary, secondary])
    }

    @Test func theLongestMatchingDomainWins() {
        #expect(policy.upstreams(for: "corp.example.") == [corp])
        #expect(policy.upstreams(for: "www.corp.example.") == [corp])
        #expect(policy.upstreams(for: "a.b.c.corp.example.") == [corp])
        #expect(policy.upstreams(for: "lab.corp.example.") == [lab, labBackup])
        #expect(policy.upstreams(for: "host.lab.corp.example.") == [lab, labBackup])
        #expect(policy.upstreams(for: "x.y.lab.corp.example.") == [lab, labBackup])
        #expect(policy.upstreams(for: "notlab.corp.example.") == [corp])
    }

    @Test func matchingIgnoresCase() {
        #expect(policy.upstreams(for: "WWW.Corp.EXAMPLE.") == [corp])
        #expect(policy.upstreams(for: "Host.LAB.corp.example.") == [lab, labBackup])
    }

    @Test func withoutDefaultsOnlyTheDomainsAreForwarded() {
        let onlyCorp = ForwardingPolicy(defaults: [], domains: ["corp.example.": [corp]])
        #expect(!onlyCorp.isEmpty)
        #expect(onlyCorp.upstreams(for: "www.corp.example.") == [corp])
        #expect(onlyCorp.upstreams(for: "www.example.com.") == [])
        #expect(ForwardingPolicy(defaults: []).isEmpty)
        #expect(!ForwardingPolicy(defaults: [primary]).isEmpty)
    }

    @Test func aRootDomainEntryCatchesEverythingNotMoreSpecific() {
        let rooted = ForwardingPolicy(defaults: [primary], domains: [.root: [secondary], "corp.example.": [corp]])
        #expect(rooted.upstreams(for: "www.example.com.") == [secondary])
        #expect(rooted.upstreams(for: "www.corp.example.") == [corp])
    }

    @Test func allUpstreamsListsEachOnceDefaultsFirst() {
        let shared = ForwardingPolicy(defaults: [primary, secondary],
                                      domains: ["lab.corp.example.": [lab, primary], "corp.example.": [corp, secondary]])
        // Defaults in order, then each domain's (in canonical name order: corp.example before lab.corp.example).
        #expect(shared.allUpstreams == [primary, secondary, corp, lab])
        #expect(policy.allUpstreams == [primary, secondary, corp, lab, labBackup])
    }
}
