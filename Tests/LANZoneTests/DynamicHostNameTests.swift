import DNSWire
import Testing
@testable import LANZone

/// The naming rules of customers' hosts, as a table (`DynamicHostName`).
@Suite("Dynamic host names")
struct DynamicHostNameTests {
    static let zones: [DomainName] = ["dyn.example.net.", "home.example.org."]

    /// (typed name, the account's hosts, the plan's zones, expected fqdn or the error's start)
    static let cases: [(String, [DomainName], [DomainName], String)] = [
        ("shop.dyn.example.net", [], [], "shop.dyn.example.net."),
        ("Shop.DYN.example.net.", [], [], "shop.dyn.example.net."),
        ("a1-b2.home.example.org", [], [], "a1-b2.home.example.org."),
        ("9lives.dyn.example.net", [], [], "9lives.dyn.example.net."),
        ("www.shop.dyn.example.net", ["shop.dyn.example.net."], [], "www.shop.dyn.example.net."),
        ("a.b.shop.dyn.example.net", ["shop.dyn.example.net."], [], "a.b.shop.dyn.example.net."),
        ("nsa-fan.dyn.example.net", [], [], "nsa-fan.dyn.example.net."),
        ("www.shop.dyn.example.net", [], [], "error: \"www.shop.dyn.example.net.\" has several labels"),
        ("www.other.dyn.example.net", ["shop.dyn.example.net."], [], "error: \"www.other.dyn.example.net.\" has several labels"),
        ("dyn.example.net", [], [], "error: \"dyn.example.net.\" is the zone itself"),
        ("www.dyn.example.net", [], [], "error: \"www.dyn.example.net.\" is reserved"),
        ("MAIL.dyn.example.net", [], [], "error: \"mail.dyn.example.net.\" is reserved"),
        ("hostmaster.dyn.example.net", [], [], "error: \"hostmaster.dyn.example.net.\" is reserved"),
        ("ns.dyn.example.net", [], [], "error: \"ns.dyn.example.net.\" is reserved"),
        ("ns1.dyn.example.net", [], [], "error: \"ns1.dyn.example.net.\" is reserved"),
        ("ns42.dyn.example.net", [], [], "error: \"ns42.dyn.example.net.\" is reserved"),
        ("-shop.dyn.example.net", [], [], "error: \"-shop.dyn.example.net.\" is not a valid host name: \"-shop\" may not start"),
        ("shop-.dyn.example.net", [], [], "error: \"shop-.dyn.example.net.\" is not a valid host name"),
        ("sh_op.dyn.example.net", [], [], "error: \"sh_op.dyn.example.net.\" is not a valid host name"),
        ("_acme-challenge.dyn.example.net", [], [], "error: \"_acme-challenge.dyn.example.net.\" is not a valid host name"),
        ("shop..dyn.example.net", [], [], "error: \"shop..dyn.example.net\" is not a valid host name"),
        (String(repeating: "a", count: 64) + ".dyn.example.net", [], [], "error: \"" + String(repeating: "a", count: 64)),
        ("shop.example.com", [], [], "error: \"shop.example.com.\" is in none of the hosted zones"),
        ("shop.home.example.org", [], ["dyn.example.net."], "error: \"shop.home.example.org.\": plan basic does not include"),
        ("shop.dyn.example.net", [], ["dyn.example.net."], "shop.dyn.example.net."),
    ]

    @Test(arguments: cases)
    func rule(_ name: String, _ owned: [DomainName], _ planZones: [DomainName], _ expected: String) {
        do {
            let host = try DynamicHostName(name, hostedZones: Self.zones, planZones: planZones, plan: "basic",
                                           account: "shop", accountHosts: owned)
            #expect(host.fqdn.description == expected)
            #expect(Self.zones.contains(host.zone))
        } catch {
            #expect(("error: " + error.description).hasPrefix(expected), "\(error.description)")
        }
    }

    @Test func keepsTheZoneAndTheParent() throws {
        let host = try DynamicHostName("www.shop.dyn.example.net", hostedZones: Self.zones, accountHosts: ["shop.dyn.example.net."])
        #expect(host.zone == "dyn.example.net.")
        #expect(host.parent == "shop.dyn.example.net.")
        #expect(try DynamicHostName("shop.dyn.example.net", hostedZones: Self.zones).parent == nil)
    }

    @Test func theDeepestHostedZoneWins() throws {
        let host = try DynamicHostName("pc.sub.dyn.example.net", hostedZones: ["dyn.example.net.", "sub.dyn.example.net."])
        #expect(host.zone == "sub.dyn.example.net.")
    }

    @Test func noHostedZonesSaysHowToNameThem() {
        #expect(throws: DynamicDNSError.notHostedZone("shop.dyn.example.net.", [])) {
            try DynamicHostName("shop.dyn.example.net", hostedZones: [])
        }
        #expect(DynamicDNSError.notHostedZone("x.", []).description.contains("--hosted-zone"))
    }

    @Test(arguments: [("shop", true), ("Shop-2", true), ("-a", false), ("a_b", false), ("", false), ("ä", false)])
    func accountNamesAreLabels(_ name: String, _ valid: Bool) {
        #expect(((try? DynamicHostName.accountLabel(name, kind: "account")) != nil) == valid)
    }
}
