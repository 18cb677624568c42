import DNSWire
import Testing
@testable import LANZone

@Suite("SpecialZones")
struct SpecialZonesTests {
    @Test func localhostAndEmptyForwardZones() {
        #expect(SpecialZones.localhost.description == "localhost.")
        #expect(SpecialZones.emptyForward.map(\.description) == ["invalid.", "test.", "onion.", "home.arpa."])
    }

    @Test(arguments: [
        "10.in-addr.arpa.", "168.192.in-addr.arpa.", "0.in-addr.arpa.", "127.in-addr.arpa.",
        "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
        "255.255.255.255.in-addr.arpa.", "16.172.in-addr.arpa.", "31.172.in-addr.arpa.", "64.100.in-addr.arpa.",
        "127.100.in-addr.arpa.", "d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
        "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    ])
    func rfc6303ZonesAreServed(_ zone: String) throws {
        #expect(SpecialZones.reverse.contains(try DomainName(zone)))
    }

    @Test(arguments: ["15.172.in-addr.arpa.", "32.172.in-addr.arpa.", "63.100.in-addr.arpa.", "128.100.in-addr.arpa.",
                      "8.8.in-addr.arpa.", "c.e.f.ip6.arpa.", "c.f.ip6.arpa.", "in-addr.arpa.", "ip6.arpa."])
    func otherRangesAreNot(_ zone: String) throws {
        #expect(!SpecialZones.reverse.contains(try DomainName(zone)))
    }

    @Test func reverseZoneListHasNoDuplicates() {
        // 15 named zones, 172.16/12 as 16 zones, 100.64/10 as 64 zones, :: and ::1.
        #expect(SpecialZones.reverse.count == 15 + 16 + 64 + 2)
        #expect(Set(SpecialZones.reverse).count == SpecialZones.reverse.count)
        #expect(SpecialZones.reverse.allSatisfy { $0.isSubdomain(of: "arpa.") })
    }

    @Test(arguments: [
        ("8.8.4.4", "4.8.8.in-addr.arpa."),
        ("1.2.3.4", "3.2.1.in-addr.arpa."),
        ("203.0.114.255", "114.0.203.in-addr.arpa."),
        ("2001:4860:4860::8844", "0.0.0.0.0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa."),
        ("2a00:1450:4001:82b::200e", "b.2.8.0.1.0.0.4.0.5.4.1.0.0.a.2.ip6.arpa."),
    ])
    func derivedReverseZones(_ address: String, _ zone: String) {
        let derived = SpecialZones.derivedReverseZone(for: ip(address))
        #expect(derived.description == zone)
        #expect(ip(address).reverseName.isSubdomain(of: derived))
    }
}
