import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import DNSWire

@Suite("IPv4Address")
struct IPv4AddressTests {
    @Test(arguments: [
        ("1.2.3.4", [1, 2, 3, 4]),
        ("0.0.0.0", [0, 0, 0, 0]),
        ("255.255.255.255", [255, 255, 255, 255]),
        ("192.168.1.10", [192, 168, 1, 10]),
        ("10.0.0.1", [10, 0, 0, 1]),
        ("100.64.0.0", [100, 64, 0, 0]),
    ] as [(String, [UInt8])])
    func validText(text: String, bytes: [UInt8]) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.bytes == bytes)
        #expect(address.description == text)
        #expect(IPv4Address(address.description) == address)
        #expect(IPv4Address(bytes: bytes) == address)
        #expect(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3]) == address)
    }

    @Test(arguments: [
        "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "00.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3",
        "1..2.3", "", "...", "a.b.c.d", "1.2.3.-4", "+1.2.3.4", "1.+2.3.4", " 1.2.3.4", "1.2.3.4 ", "1000.1.1.1",
        "0x1.1.1.1", "1.2.3.4/24", "::1", "1.2.3.4.", "١.٢.٣.٤",
    ])
    func invalidText(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func bytesInitializerChecksLength() {
        #expect(IPv4Address(bytes: [1, 2, 3]) == nil)
        #expect(IPv4Address(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(IPv4Address(bytes: []) == nil)
    }

    @Test func parsesSubstrings() {
        let text = "host=192.0.2.7;"
        let slice = text.dropFirst(5).dropLast()
        #expect(IPv4Address(slice) == IPv4Address(192, 0, 2, 7))
    }

    @Test func orderingIsNumeric() {
        #expect(IPv4Address(10, 0, 0, 2) < IPv4Address(10, 0, 0, 10))
        #expect(IPv4Address(9, 255, 255, 255) < IPv4Address(10, 0, 0, 0))
        #expect(!(IPv4Address(1, 2, 3, 4) < IPv4Address(1, 2, 3, 4)))
        #expect(IPv4Address(192, 168, 1, 2).uint32 == 0xC0A8_0102)
    }

    @Test(arguments: [
        ("1.2.3.4", "4.3.2.1.in-addr.arpa."),
        ("192.168.1.10", "10.1.168.192.in-addr.arpa."),
        ("0.0.0.0", "0.0.0.0.in-addr.arpa."),
        ("255.255.255.255", "255.255.255.255.in-addr.arpa."),
    ])
    func reverseName(text: String, name: String) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.reverseName.description == name)
        #expect(address.reverseName == (try DomainName(name)))
        #expect(address.reverseName.isSubdomain(of: "in-addr.arpa."))
    }
}

@Suite("IPv6Address")
struct IPv6AddressTests {
    @Test(arguments: [
        // text, RFC 5952 description
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),   // first of two equal runs
        ("2001:db8::1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),         // the longest run, not the first
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), // a single zero group stays
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("1:0:0:0:0:0:0:0", "1::"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("fe80::1:2", "fe80::1:2"),
        ("FE80:0:0:0:ABCD:EF01:2345:6789", "fe80::abcd:ef01:2345:6789"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
        ("::1.2.3.4", "::102:304"),
        ("1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func validTextAndRFC5952Description(text: String, description: String) throws {
        let address = try #require(IPv6Address(text))
        #expect(address.description == description)
        #expect(IPv6Address(address.description) == address)
        #expect(IPv6Address(description) == address)
    }

    @Test func bytesOfSomeAddresses() throws {
        #expect(IPv6Address("::")?.bytes == [UInt8](repeating: 0, count: 16))
        #expect(IPv6Address("::1")?.bytes == [UInt8](repeating: 0, count: 15) + [1])
        #expect(IPv6Address("2001:db8::1")?.bytes
            == [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(IPv6Address("1:2:3:4:5:6:1.2.3.4")?.bytes == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4])
    }

    @Test func ipv4MappedAddress() throws {
        let address = try #require(IPv6Address("::ffff:192.0.2.1"))
        #expect(address.bytes == [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 1])
        // Whatever form it prints in (hex or mixed), it must read back as the same address.
        #expect(IPv6Address(address.description) == address)
        #expect(IPv6Address("::FFFF:C000:201") == address)
    }

    /// A zone index names a link of one machine: it has no place in DNS data.
    @Test func zoneIDIsRefused() {
        #expect(IPv6Address("fe80::1%eth0") == nil)
        #expect(IPAddress("fe80::1%eth0") == nil)
    }

    @Test func ipv4MappedKeepsTheDottedQuad() {
        #expect(IPv6Address("::ffff:192.0.2.1")?.description == "::ffff:192.0.2.1")
    }

    @Test(arguments: [
        "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":::", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2:3:4:5:6:7:8", "g::", "::g", "", ":", "1:", ":1",
        "2001:db8:::1", "1.2.3.4", "::ffff:1.2.3", "::ffff:256.1.1.1", "::ffff:01.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "1.2.3.4::", "::1.2.3.4:5", " ::1", "::1 ",
        "2001:db8::1/64", "[::1]", "0x1::", "1:2:3:4:5:6:7:8:1.2.3.4",
        "1111:2222:3333:4444:5555:6666:7777:88888",
    ])
    func invalidText(text: String) {
        #expect(IPv6Address(text) == nil)
    }

    // Regression test (was a bug): each group is converted with UInt16(_:radix:), which accepts a leading '+' or '-',
    // so "+1::", "-0::" and "2001:db8::+1" are taken as valid addresses. RFC 4291 sec. 2.2
    // groups are one to four hex digits only.
    /// Random texts made of address fragments: accepted exactly when the C library's inet_pton
    /// accepts them, with the same sixteen bytes.
    @Test func agreesWithInetPton() {
        let fragments = ["0", "1", "a", "F", "ffff", "db8", "2001", "0000", "12345", ":", "::", ":::", ".", "1.2.3.4",
                         "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "%eth0", "g", " ", "fe80"]
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 1...12, using: &generator))
                .map { _ in fragments.randomElement(using: &generator)! }.joined()
            var expected = [UInt8](repeating: 0, count: 16)
            let libc = inet_pton(AF_INET6, text, &expected) == 1
            let ours = IPv6Address(text)
            #expect((ours != nil) == libc, "\(text)")
            if let ours, libc {
                accepted += 1
                #expect(ours.bytes == expected, "\(text)")
            }
        }
        #expect(accepted > 100)
    }

    @Test(arguments: ["+1::", "-0::", "2001:db8::+1", "::-0", "+0:0:0:0:0:0:0:0"])
    func signedGroupsAreInvalid(text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test func bytesInitializerChecksLength() {
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 17)) == nil)
        #expect(IPv6Address(bytes: [UInt8](repeating: 0, count: 16)) == IPv6Address("::"))
    }

    @Test func randomAddressesFollowRFC5952AndRoundTrip() throws {
        var rng = SplitMix64(seed: 5952)
        for _ in 0..<3000 {
            var bytes = (0..<16).map { _ in rng.byte() }
            // Zero out random groups so `::` placement gets exercised.
            for group in 0..<8 where rng.below(2) == 0 {
                bytes[2 * group] = 0
                bytes[2 * group + 1] = 0
            }
            // Sometimes keep only the high byte of a group (so "a00" vs "a" matters).
            if rng.below(4) == 0 { bytes[2 * rng.below(8) + 1] = 0 }
            let address = try #require(IPv6Address(bytes: bytes))
            let text = address.description
            #expect(IPv6Address(text) == address, "\(text)")
            #expect(text == text.lowercased())
            // At most one "::", never ":::".
            let chars = Array(text)
            let doubleColons = chars.indices.dropLast().filter { chars[$0] == ":" && chars[$0 + 1] == ":" }.count
            #expect(doubleColons <= 1, "\(text)")
            #expect(!text.contains(":::"), "\(text)")
            // No group has a leading zero.
            for group in text.split(separator: ":") {
                #expect(group == "0" || group.first != "0", "\(text)")
            }
            // `::` replaces at least two groups; the groups present plus the ones it stands for make eight.
            let groups = text.split(separator: ":").count
            if text.contains("::") {
                #expect(groups <= 6, "\(text)")
            } else {
                #expect(groups == 8, "\(text)")
            }
        }
    }

    @Test func reverseName() throws {
        let address = try #require(IPv6Address("2001:db8::1"))
        let expected = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        #expect(address.reverseName.description == expected)
        #expect(address.reverseName.labelCount == 34)
        #expect(address.reverseName.isSubdomain(of: "ip6.arpa."))

        let zero = try #require(IPv6Address("::"))
        #expect(zero.reverseName.description == String(repeating: "0.", count: 32) + "ip6.arpa.")

        let mixed = try #require(IPv6Address("fedc:ba98:7654:3210:0123:4567:89ab:cdef"))
        #expect(mixed.reverseName.description
            == "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.ip6.arpa.")
    }

    @Test func ordering() throws {
        let a = try #require(IPv6Address("::1")), b = try #require(IPv6Address("::2")),
            c = try #require(IPv6Address("1::"))
        #expect(a < b)
        #expect(b < c)
        #expect(!(c < a))
        #expect(!(a < a))
    }
}

@Suite("IPAddress")
struct IPAddressTests {
    @Test func parsesEitherFamily() throws {
        let v4 = try #require(IPAddress("192.0.2.1"))
        let v6 = try #require(IPAddress("2001:db8::1"))
        #expect(v4 == .v4(IPv4Address(192, 0, 2, 1)))
        #expect(v6 == .v6(IPv6Address("2001:db8::1")!))
        #expect(IPAddress("::ffff:192.0.2.1") == .v6(IPv6Address("::ffff:192.0.2.1")!))
        #expect(IPAddress("not an address") == nil)
        #expect(IPAddress("") == nil)
        #expect(IPAddress("256.0.0.1") == nil)
    }

    @Test func forwardsDescriptionBytesAndReverseName() throws {
        let v4 = try #require(IPAddress("10.1.2.3"))
        #expect(v4.description == "10.1.2.3")
        #expect(v4.bytes == [10, 1, 2, 3])
        #expect(v4.reverseName.description == "3.2.1.10.in-addr.arpa.")
        let v6 = try #require(IPAddress("2001:DB8:0:0:1::1"))
        #expect(v6.description == "2001:db8::1:0:0:1")
        #expect(v6.bytes.count == 16)
        #expect(v6.reverseName == IPv6Address("2001:db8:0:0:1::1")!.reverseName)
    }

    @Test func orderingPutsIPv4First() throws {
        let list: [IPAddress] = [
            IPAddress("::1")!, IPAddress("10.0.0.10")!, IPAddress("2001:db8::")!, IPAddress("10.0.0.9")!,
            IPAddress("::")!, IPAddress("1.1.1.1")!,
        ]
        #expect(list.sorted().map(\.description) == ["1.1.1.1", "10.0.0.9", "10.0.0.10", "::", "::1", "2001:db8::"])
    }
}
