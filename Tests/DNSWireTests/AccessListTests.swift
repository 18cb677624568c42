import Testing

@testable import DNSWire

@Suite struct AddressPrefixTests {
    func prefix(_ text: String) throws -> AddressPrefix { try AddressPrefix(parsing: text) }
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func ipv4Prefixes() throws {
        let lan = try prefix("192.168.1.0/24")
        #expect(lan.length == 24)
        #expect(lan.description == "192.168.1.0/24")
        #expect(lan.contains(ip("192.168.1.0")))
        #expect(lan.contains(ip("192.168.1.77")))
        #expect(lan.contains(ip("192.168.1.255")))
        #expect(!lan.contains(ip("192.168.2.1")))
        #expect(!lan.contains(ip("192.168.0.255")))
        #expect(!lan.contains(ip("10.0.0.1")))
        #expect(!lan.contains(ip("2001:db8::1")))
    }

    @Test func prefixesOffTheByteBoundary() throws {
        let private172 = try prefix("172.16.0.0/12")
        #expect(private172.contains(ip("172.16.0.1")))
        #expect(private172.contains(ip("172.31.255.255")))
        #expect(!private172.contains(ip("172.32.0.0")))
        #expect(!private172.contains(ip("172.15.255.255")))

        let small = try prefix("192.0.2.64/27")
        #expect(small.contains(ip("192.0.2.64")))
        #expect(small.contains(ip("192.0.2.95")))
        #expect(!small.contains(ip("192.0.2.96")))
        #expect(!small.contains(ip("192.0.2.63")))

        let v6 = try prefix("2001:db8:8000::/33")
        #expect(v6.contains(ip("2001:db8:8000::1")))
        #expect(v6.contains(ip("2001:db8:ffff::1")))
        #expect(!v6.contains(ip("2001:db8:7fff::1")))
    }

    @Test func hostBitsInThePrefixAddressAreIgnored() throws {
        let sloppy = try prefix("192.168.1.77/24")
        #expect(sloppy.contains(ip("192.168.1.5")))
        #expect(!sloppy.contains(ip("192.168.3.5")))
    }

    @Test func ipv6Prefixes() throws {
        let doc = try prefix("2001:db8::/32")
        #expect(doc.contains(ip("2001:db8::1")))
        #expect(doc.contains(ip("2001:db8:ffff:ffff::1")))
        #expect(!doc.contains(ip("2001:db9::1")))
        #expect(!doc.contains(ip("192.0.2.1")))

        let ula = try prefix("fd00::/8")
        #expect(ula.contains(ip("fd12:3456::1")))
        #expect(!ula.contains(ip("fe80::1")))
    }

    @Test func slashZeroMatchesItsWholeFamilyOnly() throws {
        let allV4 = try prefix("0.0.0.0/0")
        #expect(allV4.contains(ip("1.2.3.4")))
        #expect(allV4.contains(ip("255.255.255.255")))
        #expect(!allV4.contains(ip("::1")))

        let allV6 = try prefix("::/0")
        #expect(allV6.contains(ip("::1")))
        #expect(allV6.contains(ip("2001:db8::1")))
        #expect(!allV6.contains(ip("1.2.3.4")))
    }

    @Test func hostPrefixes() throws {
        for text in ["192.0.2.1", "192.0.2.1/32"] {
            let host = try prefix(text)
            #expect(host.length == 32, "\(text)")
            #expect(host.contains(ip("192.0.2.1")))
            #expect(!host.contains(ip("192.0.2.0")))
            #expect(!host.contains(ip("192.0.2.2")))
        }
        for text in ["2001:db8::1", "2001:db8::1/128"] {
            let host = try prefix(text)
            #expect(host.length == 128, "\(text)")
            #expect(host.contains(ip("2001:db8::1")))
            #expect(!host.contains(ip("2001:db8::2")))
        }
    }

    @Test func ipv4MappedClientsCountAsIPv4() throws {
        let lan = try prefix("192.168.1.0/24")
        #expect(lan.contains(ip("::ffff:192.168.1.5")))
        #expect(!lan.contains(ip("::ffff:192.168.2.5")))
        #expect(try prefix("192.168.1.5").contains(ip("::ffff:192.168.1.5")))
        #expect(try prefix("0.0.0.0/0").contains(ip("::ffff:8.8.8.8")))
        // A v6 prefix does not take a mapped v4 client for one of its own.
        #expect(!(try prefix("2001:db8::/32")).contains(ip("::ffff:192.168.1.5")))
        // Only ::ffff:0:0/96 is mapped: ::192.168.1.5 (compatible form) and ::fffe:... are plain IPv6.
        #expect(!lan.contains(ip("::c0a8:105")))
        #expect(!lan.contains(ip("::fffe:c0a8:105")))
    }

    @Test(arguments: [
        "", "/24", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0.0/8/8", "10.0.0/8", "lan/24",
        "::/129", "2001:db8::/", "2001:db8::/64x",
    ])
    func malformedPrefixesAreErrors(text: String) {
        #expect(throws: AddressPrefix.ParseError.self, "\"\(text)\"") { try AddressPrefix(parsing: text) }
    }
}

@Suite struct AccessListTests {
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func theLoopbackListAllowsOnlyThisMachine() {
        let list = AccessList(AccessList.loopback)
        #expect(list.allows(ip("127.0.0.1")))
        #expect(list.allows(ip("127.0.0.2")))
        #expect(list.allows(ip("127.255.255.254")))
        #expect(list.allows(ip("::1")))
        #expect(list.allows(ip("::ffff:127.0.0.1")))
        #expect(!list.allows(ip("10.0.0.1")))
        #expect(!list.allows(ip("128.0.0.1")))
        #expect(!list.allows(ip("::2")))
        #expect(!list.allows(ip("fe80::1")))
    }

    @Test func anyMatchingPrefixAllows() throws {
        let list = AccessList([try AddressPrefix(parsing: "192.168.1.0/24"), try AddressPrefix(parsing: "fd00::/8"),
                               try AddressPrefix(parsing: "127.0.0.2/32")])
        #expect(list.allows(ip("192.168.1.9")))
        #expect(list.allows(ip("::ffff:192.168.1.9")))
        #expect(list.allows(ip("fd00::9")))
        #expect(list.allows(ip("127.0.0.2")))
        #expect(!list.allows(ip("127.0.0.1")))
        #expect(!list.allows(ip("192.168.10.9")))
        #expect(!list.allows(ip("2001:db8::9")))
    }

    @Test func anEmptyListAllowsNoOne() {
        let list = AccessList([])
        #expect(!list.allows(ip("127.0.0.1")))
        #expect(!list.allows(ip("::1")))
    }
}
