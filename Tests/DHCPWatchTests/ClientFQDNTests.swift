import Testing
@testable import DHCPWatch

@Suite("ClientFQDN")
struct ClientFQDNTests {
    // MARK: DHCPv4 option 81 (RFC 4702): flags, RCODE1, RCODE2, name

    @Test func v4WireFormat() throws {
        // flags 0x05 = S | E, as dhclient sends it: `\x03nas\x04home\x04arpa\x00`.
        let bytes: [UInt8] = [0x05, 0x00, 0x00] + [0x03] + ascii("nas") + [0x04] + ascii("home") + [0x04] + ascii("arpa") + [0x00]
        let fqdn = try ClientFQDN(v4Option: bytes)
        #expect(fqdn.serverUpdates)
        #expect(!fqdn.noUpdates)
        #expect(fqdn.labels == [ascii("nas"), ascii("home"), ascii("arpa")])
        #expect(fqdn.hostLabel == ascii("nas"))
    }

    @Test func aLengthByteThatSwallowsTheNextLabelIsAnError() throws {
        // `\x04nas\x04home\x04arpa\x00` (a one-off length): the first label takes "nas\x04",
        // then 'h' (0x68 = 104) is read as a label length over 63.
        let bytes: [UInt8] = [0x05, 0x00, 0x00] + [0x04] + ascii("nas") + [0x04] + ascii("home") + [0x04] + ascii("arpa") + [0x00]
        let error = try #require(dhcpError { () throws(DHCPError) in try ClientFQDN(v4Option: bytes) })
        #expect(error.code == .badOption)
        #expect(error.offset == 5)
        #expect(wireName(["nas", "home", "arpa"]) == [0x03] + ascii("nas") + [0x04] + ascii("home") + [0x04] + ascii("arpa") + [0x00])
    }

    @Test func v4ASCII() throws {
        // flags 0x01 = S, E clear: the deprecated ASCII form busybox udhcpc sends.
        let fqdn = try ClientFQDN(v4Option: [0x01, 0x00, 0x00] + ascii("laptop.example"))
        #expect(fqdn.serverUpdates)
        #expect(!fqdn.noUpdates)
        #expect(fqdn.labels == [ascii("laptop"), ascii("example")])
        #expect(fqdn.hostLabel == ascii("laptop"))
    }

    @Test func v4ASCIIWithTrailingDotAndNul() throws {
        let fqdn = try ClientFQDN(v4Option: [0x00, 0xFF, 0xFF] + ascii("laptop.example.") + [0] + ascii("junk"))
        #expect(!fqdn.serverUpdates)
        #expect(fqdn.labels == [ascii("laptop"), ascii("example")])
    }

    @Test func v4PartialName() throws {
        // Wire format without the terminating zero: only the host label (RFC 4702 sec. 3.1).
        let wire = try ClientFQDN(v4Option: [0x04, 0x00, 0x00] + wireName(["laptop"], qualified: false))
        #expect(wire.labels == [ascii("laptop")])
        #expect(wire.hostLabel == ascii("laptop"))
        #expect(!wire.serverUpdates)
        let text = try ClientFQDN(v4Option: [0x00, 0x00, 0x00] + ascii("laptop"))
        #expect(text.labels == [ascii("laptop")])
    }

    @Test func v4NFlagMeansNoUpdates() throws {
        let n = try ClientFQDN(v4Option: [0x08, 0x00, 0x00] + ascii("quiet"))
        #expect(n.noUpdates)
        #expect(!n.serverUpdates)
        #expect(n.hostLabel == ascii("quiet"))
        let wire = try ClientFQDN(v4Option: [0x0C, 0x00, 0x00] + wireName(["quiet", "lan"]))
        #expect(wire.noUpdates)
        #expect(wire.labels == [ascii("quiet"), ascii("lan")])
        // O (0x02) is the server's override bit, nothing else.
        let o = try ClientFQDN(v4Option: [0x02, 0x00, 0x00] + ascii("x"))
        #expect(!o.noUpdates && !o.serverUpdates)
    }

    @Test func v4EmptyName() throws {
        let empty = try ClientFQDN(v4Option: [0x01, 0x00, 0x00])
        #expect(empty.labels.isEmpty)
        #expect(empty.hostLabel == nil)
        let root = try ClientFQDN(v4Option: [0x05, 0x00, 0x00, 0x00])
        #expect(root.labels.isEmpty)
    }

    @Test func v4ShorterThanThreeBytes() throws {
        for bytes: [UInt8] in [[], [0x05], [0x05, 0x00]] {
            let error = try #require(dhcpError { () throws(DHCPError) in try ClientFQDN(v4Option: bytes) })
            #expect(error.code == .badOption)
        }
    }

    // MARK: DHCPv6 option 39 (RFC 4704): flags, name (always wire format)

    @Test func v6() throws {
        let fqdn = try ClientFQDN(v6Option: [0x01] + wireName(["dualstack"]))
        #expect(fqdn.serverUpdates)
        #expect(!fqdn.noUpdates)
        #expect(fqdn.labels == [ascii("dualstack")])
        #expect(fqdn.hostLabel == ascii("dualstack"))
        let partial = try ClientFQDN(v6Option: [0x00] + wireName(["raspberrypi"], qualified: false))
        #expect(partial.labels == [ascii("raspberrypi")])
        #expect(!partial.serverUpdates)
    }

    @Test func v6NFlagIs0x04() throws {
        let n = try ClientFQDN(v6Option: [0x04] + wireName(["quiet", "home", "arpa"]))
        #expect(n.noUpdates)
        #expect(!n.serverUpdates)
        #expect(n.labels.count == 3)
        // Kea's answer flags 0x06 (O | N).
        #expect(try ClientFQDN(v6Option: [0x06] + wireName(["dualstack"])).noUpdates)
    }

    @Test func v6Empty() throws {
        #expect(dhcpError { () throws(DHCPError) in try ClientFQDN(v6Option: []) }?.code == .badOption)
        #expect(try ClientFQDN(v6Option: [0x01]).labels.isEmpty)
    }

    // MARK: Wire format errors

    @Test func labelLongerThan63IsAnError() throws {
        let long = [64] + Array(repeating: UInt8(ascii: "a"), count: 64) + [0]
        let v4 = try #require(dhcpError { () throws(DHCPError) in try ClientFQDN(v4Option: [0x05, 0, 0] + long) })
        #expect(v4.code == .badOption)
        #expect(v4.offset == 0)
        let v6 = try #require(dhcpError { () throws(DHCPError) in try ClientFQDN(v6Option: [0x01] + wireName(["ok"], qualified: false) + long) })
        #expect(v6.code == .badOption)
        #expect(v6.offset == 3)
        // 63 is the longest label allowed.
        let max = [63] + Array(repeating: UInt8(ascii: "a"), count: 63) + [0]
        #expect(try ClientFQDN(v6Option: [0x01] + max).hostLabel?.count == 63)
    }

    @Test func compressionPointerIsAnError() throws {
        let error = try #require(dhcpError { () throws(DHCPError) in
            try ClientFQDN(v4Option: [0x05, 0, 0] + [3] + ascii("nas") + [0xC0, 0x0C])
        })
        #expect(error.code == .badOption)
        #expect(error.offset == 4)
    }

    @Test func labelRunningPastTheOptionIsAnError() throws {
        let error = try #require(dhcpError { () throws(DHCPError) in try ClientFQDN(v6Option: [0x01, 9] + ascii("dual")) })
        #expect(error.code == .badOption)
        #expect(error.offset == 0)
    }
}
