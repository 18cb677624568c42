import DNSWire
import Testing
@testable import DHCPWatch

@Suite("DHCPv4Message")
struct DHCPv4MessageTests {
    /// A REQUEST as busybox udhcpc sends it with `-x hostname:plainhost -F laptop.home.arpa`,
    /// written out byte by byte (RFC 2131 sec. 2, options RFC 2132, FQDN RFC 4702).
    static let udhcpcRequest: [UInt8] = [
        0x01,                               // op: BOOTREQUEST
        0x01,                               // htype: Ethernet
        0x06,                               // hlen: 6
        0x00,                               // hops
        0x3C, 0x66, 0x65, 0x43,             // xid 0x3c666543
        0x00, 0x03,                         // secs: 3
        0x80, 0x00,                         // flags: broadcast
        0x00, 0x00, 0x00, 0x00,             // ciaddr 0.0.0.0 (SELECTING)
        0x00, 0x00, 0x00, 0x00,             // yiaddr
        0x00, 0x00, 0x00, 0x00,             // siaddr
        0x00, 0x00, 0x00, 0x00,             // giaddr (not relayed)
        0x02, 0x4C, 0x48, 0x00, 0x00, 0x01, // chaddr 02:4c:48:00:00:01 ...
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // ... padded to 16
    ]
        + Array(repeating: 0, count: 64)    // sname (offset 44)
        + Array(repeating: 0, count: 128)   // file (offset 108)
        + [
            0x63, 0x82, 0x53, 0x63,             // magic cookie (offset 236)
            0x35, 0x01, 0x03,                   // 53 message type, 1 byte: REQUEST
            0x32, 0x04, 0xC6, 0x33, 0x64, 0x64, // 50 requested address: 198.51.100.100
            0x36, 0x04, 0xC6, 0x33, 0x64, 0x02, // 54 server identifier: 198.51.100.2
            0x0C, 0x09,                         // 12 host name, 9 bytes:
            0x70, 0x6C, 0x61, 0x69, 0x6E,       //    "plain
            0x68, 0x6F, 0x73, 0x74,             //     host"
            0x3D, 0x07, 0x01,                   // 61 client identifier, 7 bytes: type 1 (Ethernet)
            0x02, 0x4C, 0x48, 0x00, 0x00, 0x01, //    + the MAC
            0x51, 0x13,                         // 81 client FQDN, 19 bytes:
            0x01,                               //    flags: S (server updates A), E clear = ASCII
            0x00, 0x00,                         //    RCODE1, RCODE2
            0x6C, 0x61, 0x70, 0x74, 0x6F, 0x70, //    "laptop
            0x2E, 0x68, 0x6F, 0x6D, 0x65,       //     .home
            0x2E, 0x61, 0x72, 0x70, 0x61,       //     .arpa"
            0x37, 0x05, 0x01, 0x03, 0x06, 0x0C, 0x0F, // 55 parameter request list: 1 3 6 12 15
            0x00,                               // PAD
            0xFF,                               // END
            0x00, 0x00, 0x00,                   // trailing padding
        ]

    @Test func parsesEveryFieldOfAnAnnotatedUdhcpcRequest() throws {
        #expect(Self.udhcpcRequest.count == 240 + 3 + 6 + 6 + 11 + 9 + 21 + 7 + 2 + 3)
        let m = try DHCPv4Message(bytes: Self.udhcpcRequest)
        #expect(m.op == 1)
        #expect(m.isRequest)
        #expect(m.htype == 1)
        #expect(m.hlen == 6)
        #expect(m.xid == 0x3C66_6543)
        #expect(m.flags == 0x8000)
        #expect(m.ciaddr == IPv4Address(0, 0, 0, 0))
        #expect(m.yiaddr == IPv4Address(0, 0, 0, 0))
        #expect(m.siaddr == IPv4Address(0, 0, 0, 0))
        #expect(m.giaddr == IPv4Address(0, 0, 0, 0))
        #expect(m.chaddr == [0x02, 0x4C, 0x48, 0x00, 0x00, 0x01])
        #expect(m.clientMAC == mac("02:4c:48:00:00:01"))
        #expect(m.messageType == .request)
        #expect(m.requestedAddress == v4("198.51.100.100"))
        #expect(m.serverIdentifier == v4("198.51.100.2"))
        #expect(m.hostName == ascii("plainhost"))
        #expect(m.clientIdentifier == [0x01, 0x02, 0x4C, 0x48, 0x00, 0x00, 0x01])
        #expect(m.leaseTime == nil)
        #expect(m.options[55] == [1, 3, 6, 12, 15])
        #expect(Set(m.options.keys) == [53, 50, 54, 12, 61, 81, 55])
        let fqdn = try #require(m.clientFQDN)
        #expect(fqdn.serverUpdates)
        #expect(!fqdn.noUpdates)
        #expect(fqdn.labels == [ascii("laptop"), ascii("home"), ascii("arpa")])
        #expect(fqdn.hostLabel == ascii("laptop"))
        #expect(m.options[81] == [0x01, 0x00, 0x00] + ascii("laptop.home.arpa"))
    }

    @Test func theBuilderWritesTheSameBytesAsTheAnnotatedRequest() throws {
        // Keeps the builder used everywhere else honest.
        var b = V4Builder()
        b.xid = 0x3C66_6543
        b.secs = 3
        b.flags = 0x8000
        b.rawOptions = Array(Self.udhcpcRequest[240...])
        #expect(b.bytes == Self.udhcpcRequest)
    }

    @Test func serverFieldsOfAnAck() throws {
        var b = V4Builder.ack(mac: mac("02:4c:48:00:00:05"), xid: 0x9420_8524, yiaddr: "198.51.100.104", lease: 120)
        b.ciaddr = "198.51.100.104"
        b.giaddr = "198.51.100.1"
        b.hops = 1
        let m = try b.parsed()
        #expect(!m.isRequest)
        #expect(m.op == 2)
        #expect(m.messageType == .ack)
        #expect(m.ciaddr == v4("198.51.100.104"))
        #expect(m.yiaddr == v4("198.51.100.104"))
        #expect(m.siaddr == v4("198.51.100.2"))
        #expect(m.giaddr == v4("198.51.100.1"))
        #expect(m.leaseTime == 120)
        #expect(m.serverIdentifier == v4("198.51.100.2"))
        #expect(m.hostName == nil)
        #expect(m.clientFQDN == nil)
    }

    @Test(arguments: [
        (DHCPv4Message.MessageType.discover, 1), (.offer, 2), (.request, 3), (.decline, 4), (.ack, 5), (.nak, 6),
        (.release, 7), (.inform, 8), (.forceRenew, 9), (.leaseQuery, 10), (.leaseUnassigned, 11),
        (.leaseUnknown, 12), (.leaseActive, 13),
    ] as [(DHCPv4Message.MessageType, UInt8)])
    func messageTypes(type: DHCPv4Message.MessageType, code: UInt8) throws {
        #expect(type.rawValue == code)
        var b = V4Builder()
        b.options = [(53, [code])]
        #expect(try b.parsed().messageType == type)
    }

    @Test func unknownOrMissingMessageTypeIsNil() throws {
        var b = V4Builder()
        b.options = [(53, [99])]
        #expect(try b.parsed().messageType == nil)
        b.options = [(53, [])]
        #expect(try b.parsed().messageType == nil)
        b.options = []  // a BOOTP message with a cookie and no option 53
        #expect(try b.parsed().messageType == nil)
    }

    // MARK: Options

    @Test func repeatedOptionsAreConcatenated() throws {
        // RFC 3396: instances of one option are joined in the order they appear.
        var b = V4Builder()
        b.options = [(12, ascii("kitchen")), (53, [3]), (12, ascii("-pi")),
                     (81, [0x05, 0, 0] + [3] + ascii("nas")), (81, wireName(["home", "arpa"]))]
        let m = try b.parsed()
        #expect(m.hostName == ascii("kitchen-pi"))
        #expect(m.messageType == .request)
        #expect(m.clientFQDN?.labels == [ascii("nas"), ascii("home"), ascii("arpa")])
    }

    @Test func overloadOneReadsFileButNotSname() throws {
        var b = V4Builder()
        b.options = [(53, [5]), (52, [1])]
        b.file = [12, 5] + ascii("filed") + [51, 4] + be32(600) + [0, 0] + [255]
        // A server host name in sname; read as options it would be option 115 running past the end.
        b.sname = ascii("server1")
        let m = try b.parsed()
        #expect(m.hostName == ascii("filed"))
        #expect(m.leaseTime == 600)
        #expect(m.options[52] == [1])
        #expect(m.options[115] == nil)
        #expect(Set(m.options.keys) == [53, 52, 12, 51])
    }

    @Test func overloadTwoReadsSnameButNotFile() throws {
        var b = V4Builder()
        b.options = [(53, [5]), (52, [2])]
        b.sname = [15, 7] + ascii("example") + [255]
        // A boot file name in file; read as options it would be option 112 ('p').
        b.file = ascii("pxelinux.0")
        let m = try b.parsed()
        #expect(m.options[15] == ascii("example"))
        #expect(m.options[112] == nil)
        #expect(Set(m.options.keys) == [53, 52, 15])
    }

    @Test func overloadThreeReadsOptionsThenFileThenSname() throws {
        // RFC 2131 sec. 4.1 / RFC 3396 sec. 5: options field, then file, then sname.
        var b = V4Builder()
        b.options = [(53, [3]), (52, [3]), (12, ascii("ab"))]
        b.file = [12, 2] + ascii("cd") + [255]
        b.sname = [0, 0, 12, 2] + ascii("ef") + [255]
        let m = try b.parsed()
        #expect(m.hostName == ascii("abcdef"))
    }

    @Test func withoutOverloadFileAndSnameAreNotOptions() throws {
        var b = V4Builder()
        b.options = [(53, [5])]
        b.file = [12, 5] + ascii("filed") + [255]
        b.sname = [12, 5] + ascii("sname") + [255]
        #expect(try b.parsed().hostName == nil)
    }

    @Test func padsAreSkippedAndNothingAfterEndIsRead() throws {
        var b = V4Builder()
        b.rawOptions = [0, 0, 53, 1, 3, 0, 12, 4] + ascii("host") + [0, 0, 255]
            + [12, 200]  // after END: would be an option running past the end
        let m = try b.parsed()
        #expect(m.hostName == ascii("host"))
        #expect(Set(m.options.keys) == [53, 12])
        #expect(m.options[0] == nil)
    }

    @Test func optionsWithoutEndRunToTheEndOfTheMessage() throws {
        var b = V4Builder()
        b.rawOptions = [53, 1, 5, 51, 4] + be32(3600) + [0, 0]
        let m = try b.parsed()
        #expect(m.messageType == .ack)
        #expect(m.leaseTime == 3600)
        // Nothing at all after the cookie is fine too.
        b.rawOptions = []
        #expect(try b.parsed().options.isEmpty)
    }

    @Test func hostNameStopsAtANulAndEmptyIsNil() throws {
        var b = V4Builder()
        b.options = [(12, ascii("laptop") + [0])]
        #expect(try b.parsed().hostName == ascii("laptop"))
        b.options = [(12, [])]
        #expect(try b.parsed().hostName == nil)
    }

    @Test func leaseTimeNeedsFourBytes() throws {
        var b = V4Builder()
        b.options = [(51, be32(0xFFFF_FFFF))]
        #expect(try b.parsed().leaseTime == 0xFFFF_FFFF)
        b.options = [(51, [0, 0, 120])]
        #expect(try b.parsed().leaseTime == nil)
        b.options = [(50, [198, 51, 100])]
        #expect(try b.parsed().requestedAddress == nil)
    }

    @Test func invalidClientFQDNIsNilNotAnError() throws {
        var b = V4Builder()
        b.options = [(81, [0x05, 0, 0, 64] + Array(repeating: 0x61, count: 64) + [0])]
        let m = try b.parsed()
        #expect(m.clientFQDN == nil)
        b.options = [(81, [0x01])]
        #expect(try b.parsed().clientFQDN == nil)
    }

    // MARK: Hardware address

    @Test func clientMACByHardwareType() throws {
        var b = V4Builder()
        b.chaddr = [0x02, 0x4C, 0x48, 0x00, 0x00, 0x09, 0xAA, 0xBB]
        for htype: UInt8 in [0, 1, 6] {
            b.htype = htype
            let m = try b.parsed()
            #expect(m.chaddr == [0x02, 0x4C, 0x48, 0x00, 0x00, 0x09])
            #expect(m.clientMAC == mac("02:4c:48:00:00:09"))
        }
        // InfiniBand (32) is not a MAC, whatever its length.
        b.htype = 32
        b.hlen = 20
        let infiniband = try b.parsed()
        #expect(infiniband.clientMAC == nil)
        #expect(infiniband.chaddr.count == 16)  // hlen is capped at the field's 16 bytes
        // A short hardware address is not a MAC either.
        b.htype = 1
        b.hlen = 4
        #expect(try b.parsed().chaddr == [0x02, 0x4C, 0x48, 0x00])
        #expect(try b.parsed().clientMAC == nil)
        b.hlen = 0
        #expect(try b.parsed().clientMAC == nil)
    }

    // MARK: Errors

    @Test(arguments: [0, 1, 100, 235, 236, 239])
    func shorterThan240BytesIsTruncated(count: Int) throws {
        let bytes = Array(Self.udhcpcRequest.prefix(count))
        let error = try #require(dhcpError { () throws(DHCPError) in try DHCPv4Message(bytes: bytes) })
        #expect(error.code == .truncated)
        #expect(error.offset == 0)
        #expect(error.description.hasPrefix("truncated at offset 0: "))
    }

    @Test func exactly240BytesIsAMessageWithoutOptions() throws {
        let m = try DHCPv4Message(bytes: Array(Self.udhcpcRequest.prefix(240)))
        #expect(m.options.isEmpty)
        #expect(m.xid == 0x3C66_6543)
    }

    @Test func badMagicCookie() throws {
        var b = V4Builder()
        b.cookie = [99, 130, 83, 98]
        let error = try #require(dhcpError { () throws(DHCPError) in try b.parsed() })
        #expect(error.code == .badMagicCookie)
        #expect(error.offset == 236)
        var bytes = Self.udhcpcRequest
        bytes[236] = 0
        #expect(dhcpError { () throws(DHCPError) in try DHCPv4Message(bytes: bytes) }?.code == .badMagicCookie)
    }

    @Test func optionLengthPastTheEnd() throws {
        var b = V4Builder()
        b.rawOptions = [53, 1, 3, 12, 10] + ascii("ab")
        let error = try #require(dhcpError { () throws(DHCPError) in try b.parsed() })
        #expect(error.code == .badOption)
        #expect(error.offset == 243)  // the option's code byte
        // The annotated REQUEST cut inside its FQDN option.
        let cut = Array(Self.udhcpcRequest.prefix(240 + 3 + 6 + 6 + 11 + 9 + 10))
        let second = try #require(dhcpError { () throws(DHCPError) in try DHCPv4Message(bytes: cut) })
        #expect(second.code == .badOption)
        #expect(second.offset == 240 + 3 + 6 + 6 + 11 + 9)
    }

    @Test func optionWithoutALengthByte() throws {
        var b = V4Builder()
        b.rawOptions = [53, 1, 3, 12]
        let error = try #require(dhcpError { () throws(DHCPError) in try b.parsed() })
        #expect(error.code == .badOption)
        #expect(error.offset == 243)
    }

    @Test func aBadOptionInAnOverloadedFieldIsAnError() throws {
        var b = V4Builder()
        b.options = [(53, [5]), (52, [1])]
        b.file = [12, 200, 0x61]
        let error = try #require(dhcpError { () throws(DHCPError) in try b.parsed() })
        #expect(error.code == .badOption)
        #expect(error.offset == 108)  // where `file` begins
        b.options = [(53, [5]), (52, [2])]
        b.file = []
        b.sname = Array(repeating: 0, count: 63) + [12]  // a code as the last byte of sname
        let second = try #require(dhcpError { () throws(DHCPError) in try b.parsed() })
        #expect(second.code == .badOption)
        #expect(second.offset == 44 + 63)
    }
}

@Suite("DHCPError")
struct DHCPErrorTests {
    @Test func errorDescription() {
        let error = DHCPError(.badOption, at: 243, "option 12 of 10 bytes runs past the end")
        #expect(error.description == "badOption at offset 243: option 12 of 10 bytes runs past the end")
        #expect(error == DHCPError(.badOption, at: 243, "option 12 of 10 bytes runs past the end"))
    }
}
