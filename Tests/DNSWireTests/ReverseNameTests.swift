import Testing
@testable import DNSWire

/// Reverse names read back into addresses from their lower-cased wire form (the query path's
/// `IPAddress(reverseNameWire:)`): exactly the full-length names `reverseName` writes.
@Suite("Reverse names read back")
struct ReverseNameTests {
    @Test(arguments: ["198.51.100.20", "0.0.0.0", "255.255.255.255", "10.0.0.1", "2001:db8::21", "::", "::1",
                      "fd00::1:2", "2001:db8:ffff::abcd", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"])
    func everyReverseNameReadsBack(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(IPAddress(reverseNameWire: address.reverseName.lowercasedWire) == address)
    }

    @Test(arguments: [
        "100.51.198.in-addr.arpa.",          // a prefix, not an address
        "1.20.100.51.198.in-addr.arpa.",     // five octets
        "020.100.51.198.in-addr.arpa.",      // a leading zero
        "256.100.51.198.in-addr.arpa.",      // above 255
        "2a.100.51.198.in-addr.arpa.",       // not a digit
        "1234.51.198.in-addr.arpa.",         // four digits
        "20.100.51.198.in-addr.arpa.x.",     // not under in-addr.arpa.
        "in-addr.arpa.",
        "ip6.arpa.",
        "printer.lan.",
        ".",
    ])
    func otherNamesAreNotAddresses(text: String) throws {
        #expect(IPAddress(reverseNameWire: try DomainName(text).lowercasedWire) == nil)
    }

    @Test func ip6NamesNeedThirtyTwoNibbles() throws {
        let full = IPAddress("2001:db8::21")!.reverseName
        // 31 nibbles (a prefix), a two-character label in place of one nibble, a non-hex nibble.
        #expect(IPAddress(reverseNameWire: full.parent.lowercasedWire) == nil)
        var labels = full.labels
        labels[0] = Array("10".utf8)
        labels.remove(at: 1)
        #expect(IPAddress(reverseNameWire: try DomainName(labels: labels).lowercasedWire) == nil)
        labels = full.labels
        labels[3] = Array("g".utf8)
        #expect(IPAddress(reverseNameWire: try DomainName(labels: labels).lowercasedWire) == nil)
    }
}
