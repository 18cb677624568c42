import DNSWire
import Testing
@testable import DHCPWatch

@Suite("DHCPv6Message")
struct DHCPv6MessageTests {
    static let client = mac("02:4c:48:00:00:08")

    static let request: [UInt8] = V6.message(
        .request, xid: 0xABCDEF,
        V6.clientID(V6.duidLL(client)),
        V6.serverID(),
        V6.iaNA(iaid: 0x4800_0008, t1: 0, t2: 0, V6.iaAddress("2001:db8:100::1000", preferred: 0, valid: 0)),
        V6.fqdn(flags: 0x01, wireName(["dualstack"])),
        V6.option(6, [0, 23, 0, 24, 0, 39]),  // ORO
        V6.option(8, [0, 0]))  // elapsed time

    @Test func parsesARequest() throws {
        // Hand-checked prefix: type 3, xid ab cd ef, option 1 of 10 bytes, DUID-LL.
        #expect(Array(Self.request.prefix(18)) == [0x03, 0xAB, 0xCD, 0xEF, 0x00, 0x01, 0x00, 0x0A,
                                                    0x00, 0x03, 0x00, 0x01, 0x02, 0x4C, 0x48, 0x00, 0x00, 0x08])
        let m = try DHCPv6Message(bytes: Self.request)
        #expect(m.type == 3)
        #expect(m.messageType == .request)
        #expect(m.transactionID == 0xABCDEF)
        #expect(m.relayDepth == 0)
        #expect(m.options.map(\.code) == [1, 2, 3, 39, 6, 8])
        #expect(m.clientDUID == [0x00, 0x03, 0x00, 0x01, 0x02, 0x4C, 0x48, 0x00, 0x00, 0x08])
        #expect(DHCPv6Message.mac(fromDUID: m.clientDUID!) == Self.client)
        #expect(m.option(6) == [0, 23, 0, 24, 0, 39])
        #expect(m.option(99) == nil)
        #expect(m.clientFQDN?.labels == [ascii("dualstack")])
        #expect(m.clientFQDN?.serverUpdates == true)
        #expect(!m.rapidCommit)
        // The client's hint: an address with zero lifetimes.
        #expect(m.leasedAddresses == [.init(address: v6("2001:db8:100::1000"), preferredLifetime: 0, validLifetime: 0)])
    }

    @Test func parsesAReplyWithADUIDLLT() throws {
        let bytes = V6.message(
            .reply, xid: 0x000102,
            V6.serverID(),
            V6.clientID(V6.duidLLT(mac("b8:27:eb:b8:53:c8"))),
            V6.iaNA(iaid: 7, t1: 60, t2: 96,
                    V6.iaAddress("2001:db8:100::1000", preferred: 3600, valid: 7200),
                    V6.status(0, "all good")),
            V6.fqdn(flags: 0x06, wireName(["dualstack", "home", "arpa"])))
        let m = try DHCPv6Message(bytes: bytes)
        #expect(m.messageType == .reply)
        #expect(m.transactionID == 0x000102)
        #expect(m.clientDUID?.count == 14)
        #expect(DHCPv6Message.mac(fromDUID: m.clientDUID!) == mac("b8:27:eb:b8:53:c8"))
        #expect(m.leasedAddresses == [.init(address: v6("2001:db8:100::1000"), preferredLifetime: 3600, validLifetime: 7200)])
        #expect(m.clientFQDN?.noUpdates == true)
        #expect(m.clientFQDN?.hostLabel == ascii("dualstack"))
    }

    @Test func everyAddressOfEveryIA() throws {
        let bytes = V6.message(
            .reply, xid: 1,
            V6.clientID(V6.duidLL(Self.client)),
            V6.iaNA(iaid: 1, V6.iaAddress("2001:db8::1", preferred: 10, valid: 20), V6.iaAddress("2001:db8::2", preferred: 30, valid: 40)),
            V6.option(4, be32(2) + V6.iaAddress("2001:db8::99", preferred: 1, valid: 1)),  // IA_TA: not a lease here
            V6.iaNA(iaid: 2, V6.iaAddress("2001:db8::3", preferred: 50, valid: 0xFFFF_FFFF)))
        let m = try DHCPv6Message(bytes: bytes)
        #expect(m.leasedAddresses.map(\.address) == [v6("2001:db8::1"), v6("2001:db8::2"), v6("2001:db8::3")])
        #expect(m.leasedAddresses.map(\.validLifetime) == [20, 40, 0xFFFF_FFFF])
        #expect(m.leasedAddresses.map(\.preferredLifetime) == [10, 30, 50])
    }

    @Test func noAddrsAvailYieldsNoAddresses() throws {
        // Status inside the IA (RFC 8415 sec. 18.3.9): NoAddrsAvail = 2.
        let inIA = V6.message(
            .reply, xid: 2, V6.clientID(V6.duidLL(Self.client)),
            V6.iaNA(iaid: 1, V6.iaAddress("2001:db8::1", preferred: 10, valid: 20), V6.status(2, "no addresses")))
        #expect(try DHCPv6Message(bytes: inIA).leasedAddresses.isEmpty)
        // Status at the message level with an empty IA.
        let top = V6.message(.reply, xid: 2, V6.clientID(V6.duidLL(Self.client)), V6.status(2, "none"), V6.iaNA(iaid: 1))
        let m = try DHCPv6Message(bytes: top)
        #expect(m.leasedAddresses.isEmpty)
        #expect(m.option(13) == [0, 2] + ascii("none"))
    }

    @Test func malformedIAsAreSkipped() throws {
        let bytes = V6.message(
            .reply, xid: 3, V6.clientID(V6.duidLL(Self.client)),
            V6.option(3, [0, 0, 0, 1, 0, 0]),  // shorter than IAID + T1 + T2
            V6.option(3, be32(1) + be32(0) + be32(0) + [0, 5, 0, 40]),  // inner option past its end
            V6.iaNA(iaid: 3, V6.option(5, v6("2001:db8::7").bytes + [0, 0, 0, 1])),  // IAADDR of 20 bytes
            V6.iaNA(iaid: 4, V6.iaAddress("2001:db8::8", preferred: 5, valid: 6)))
        let m = try DHCPv6Message(bytes: bytes)
        #expect(m.leasedAddresses == [.init(address: v6("2001:db8::8"), preferredLifetime: 5, validLifetime: 6)])
    }

    @Test func rapidCommit() throws {
        let bytes = V6.message(.solicit, xid: 4, V6.clientID(V6.duidLL(Self.client)), V6.option(14, []))
        #expect(try DHCPv6Message(bytes: bytes).rapidCommit)
    }

    @Test(arguments: [
        (DHCPv6Message.MessageType.solicit, 1), (.advertise, 2), (.request, 3), (.confirm, 4), (.renew, 5), (.rebind, 6),
        (.reply, 7), (.release, 8), (.decline, 9), (.reconfigure, 10), (.informationRequest, 11),
    ] as [(DHCPv6Message.MessageType, UInt8)])
    func messageTypes(type: DHCPv6Message.MessageType, code: UInt8) throws {
        #expect(type.rawValue == code)
        #expect(try DHCPv6Message(bytes: [code, 0, 0, 1]).messageType == type)
    }

    @Test func unknownTypeKeepsItsNumber() throws {
        let m = try DHCPv6Message(bytes: [200, 1, 2, 3])
        #expect(m.type == 200)
        #expect(m.messageType == nil)
        #expect(m.transactionID == 0x010203)
        #expect(m.options.isEmpty)
    }

    // MARK: DUIDs

    @Test func macFromDUID() {
        let m = mac("02:4c:48:00:00:08")
        #expect(DHCPv6Message.mac(fromDUID: V6.duidLL(m)) == m)
        #expect(DHCPv6Message.mac(fromDUID: V6.duidLLT(m)) == m)
        // The tcpdump-dhcpv6-ia-na DUID.
        #expect(DHCPv6Message.mac(fromDUID: [0x00, 0x03, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05]) == mac("00:01:02:03:04:05"))
        // DUID-EN (2) and DUID-UUID (4) carry no MAC.
        #expect(DHCPv6Message.mac(fromDUID: [0x00, 0x02] + be32(311) + [1, 2, 3, 4, 5, 6]) == nil)
        #expect(DHCPv6Message.mac(fromDUID: [0x00, 0x04] + Array(repeating: 0xAB, count: 16)) == nil)
        // Not Ethernet (hardware type 6, IEEE 802, is not taken here), or the wrong length.
        #expect(DHCPv6Message.mac(fromDUID: [0x00, 0x03, 0x00, 0x06] + m.bytes) == nil)
        #expect(DHCPv6Message.mac(fromDUID: V6.duidLL(m) + [0]) == nil)
        #expect(DHCPv6Message.mac(fromDUID: Array(V6.duidLLT(m).dropLast())) == nil)
        #expect(DHCPv6Message.mac(fromDUID: [0x00, 0x03, 0x00]) == nil)
        #expect(DHCPv6Message.mac(fromDUID: []) == nil)
    }

    // MARK: Relays

    static let solicit = V6.message(.solicit, xid: 0x123456, V6.clientID(V6.duidLLT(mac("b8:27:eb:b8:53:c8"))),
                                    V6.fqdn(flags: 0x01, wireName(["raspberrypi"], qualified: false)))

    @Test func relayForwardIsUnwrapped() throws {
        let m = try DHCPv6Message(bytes: V6.relayForward(Self.solicit))
        #expect(m.relayDepth == 1)
        #expect(m.messageType == .solicit)
        #expect(m.type == 1)
        #expect(m.transactionID == 0x123456)
        #expect(m.options.map(\.code) == [1, 39])  // the inner message's options, not the relay's
        #expect(DHCPv6Message.mac(fromDUID: m.clientDUID!) == mac("b8:27:eb:b8:53:c8"))
        #expect(m.clientFQDN?.labels == [ascii("raspberrypi")])
        let withoutInterfaceID = try DHCPv6Message(bytes: V6.relayForward(Self.solicit, withInterfaceID: false))
        #expect(withoutInterfaceID == m)
    }

    @Test func relayReplyIsUnwrapped() throws {
        let reply = V6.message(.reply, xid: 9, V6.clientID(V6.duidLL(Self.client)),
                               V6.iaNA(iaid: 1, V6.iaAddress("2001:db8::5", preferred: 1, valid: 2)))
        let m = try DHCPv6Message(bytes: V6.relayReply(reply))
        #expect(m.relayDepth == 1)
        #expect(m.messageType == .reply)
        #expect(m.leasedAddresses.map(\.address) == [v6("2001:db8::5")])
    }

    @Test func nestedRelaysCountTheirDepth() throws {
        var bytes = Self.solicit
        for depth in 1...8 {
            bytes = V6.relayForward(bytes, hops: UInt8(depth - 1))
            let m = try DHCPv6Message(bytes: bytes)
            #expect(m.relayDepth == depth)
            #expect(m.messageType == .solicit)
            #expect(m.transactionID == 0x123456)
        }
    }

    @Test func nestedRelaysAreLimited() throws {
        var bytes = Self.solicit
        for _ in 0..<32 { bytes = V6.relayForward(bytes, withInterfaceID: false) }
        #expect(try DHCPv6Message(bytes: bytes).relayDepth == 32)
        bytes = V6.relayForward(bytes, withInterfaceID: false)
        let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) })
        #expect(error.code == .badOption)
        // Far deeper nesting fails the same way (and does not exhaust the stack).
        for _ in 0..<200 { bytes = V6.relayForward(bytes, withInterfaceID: false) }
        #expect(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) }?.code == .badOption)
    }

    @Test func relayWithoutARelayedMessage() throws {
        var bytes: [UInt8] = [12, 0] + Array(repeating: 0, count: 32) + V6.option(18, ascii("eth1"))
        let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) })
        #expect(error.code == .notDHCP)
        #expect(error.offset == 34)
        bytes = Array(bytes.prefix(34))
        #expect(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) }?.code == .notDHCP)
    }

    @Test func relayShorterThan34Bytes() throws {
        for count in [1, 2, 20, 33] {
            let bytes = Array(V6.relayForward(Self.solicit).prefix(count))
            let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) })
            #expect(error.code == .truncated)
            #expect(error.offset == 0)
        }
    }

    @Test func relayedMessageThatIsBrokenIsAnError() throws {
        let bytes = V6.relayForward([1, 0, 0])  // a SOLICIT of 3 bytes
        #expect(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) }?.code == .truncated)
    }

    // MARK: Errors

    @Test func tooShort() throws {
        for bytes: [UInt8] in [[], [3], [3, 0], [3, 0, 0]] {
            let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) })
            #expect(error.code == .truncated)
            #expect(error.offset == 0)
        }
    }

    @Test func optionPastTheEnd() throws {
        let bytes: [UInt8] = [3, 0, 0, 1] + V6.option(8, [0, 0]) + [0, 1, 0, 10, 1, 2]
        let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) })
        #expect(error.code == .badOption)
        #expect(error.offset == 10)
    }

    @Test func optionHeaderCutShort() throws {
        let bytes: [UInt8] = [3, 0, 0, 1, 0, 1, 0]
        let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv6Message(bytes: bytes) })
        #expect(error.code == .truncated)
        #expect(error.offset == 6)
    }
}
