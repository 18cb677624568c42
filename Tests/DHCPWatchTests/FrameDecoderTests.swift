import DNSWire
import Testing
@testable import DHCPWatch

/// Frames taken from lan-kea.pcap and rewritten by hand into the other link layers.
@Suite("FrameDecoder")
struct FrameDecoderTests {
    /// Frame 3 of lan-kea.pcap: udhcpc's broadcast REQUEST from 02:4c:48:00:00:01.
    static var v4Frame: [UInt8] { Captures.lanKea.frames[2].bytes }
    /// Frame 35: dhclient's DHCPv6 REQUEST from fe80::4c:48ff:fe00:8 to ff02::1:2.
    static var v6Frame: [UInt8] { Captures.lanKea.frames[34].bytes }
    static let ethernet = LinkType.ethernet.rawValue

    static func decode(_ frame: [UInt8], linkType: Int32 = LinkType.ethernet.rawValue, timestamp: Double = 1000,
                       interface: String? = "br0") throws(DHCPError) -> DHCPPacket {
        try FrameDecoder.decode(frame, linkType: linkType, timestamp: timestamp, interface: interface)
    }

    static func v4(_ packet: DHCPPacket, sourceLocation: SourceLocation = #_sourceLocation) -> DHCPv4Message? {
        if case .v4(let m, _) = packet { return m }
        Issue.record("expected a DHCPv4 packet, got \(packet)", sourceLocation: sourceLocation)
        return nil
    }

    static func v6(_ packet: DHCPPacket, sourceLocation: SourceLocation = #_sourceLocation) -> DHCPv6Message? {
        if case .v6(let m, _) = packet { return m }
        Issue.record("expected a DHCPv6 packet, got \(packet)", sourceLocation: sourceLocation)
        return nil
    }

    @Test func theSampleFramesAreWhatTheTestsAssume() {
        #expect(Captures.lanKea.linkType == Self.ethernet)
        #expect(Captures.lanKea.frames.count == 48)
        let f = Self.v4Frame
        #expect(f.count == 345)
        #expect(Array(f[12..<14]) == [0x08, 0x00])
        #expect(f[14] == 0x45)  // IPv4, 20-byte header
        #expect(f[23] == 17)  // UDP
        #expect(Array(f[34..<38]) == [0x00, 0x44, 0x00, 0x43])  // 68 -> 67
        let g = Self.v6Frame
        #expect(Array(g[12..<14]) == [0x86, 0xDD])
        #expect(g[20] == 17)
        #expect(Array(g[54..<58]) == [0x02, 0x22, 0x02, 0x23])  // 546 -> 547
    }

    // MARK: Link layers

    @Test func ethernet() throws {
        let packet = try Self.decode(Self.v4Frame, timestamp: 1_795_592_835.342408)
        let m = try #require(Self.v4(packet))
        #expect(m.messageType == .request)
        #expect(m.xid == 0xFDA7_AA7B)
        #expect(m.clientMAC == mac("02:4c:48:00:00:01"))
        #expect(m.requestedAddress == DHCPWatchTests.v4("198.51.100.100"))
        #expect(m.hostName == ascii("plainhost"))
        let meta = packet.metadata
        #expect(meta.timestamp == 1_795_592_835.342408)
        #expect(meta.interface == "br0")
        #expect(meta.sourceMAC == mac("02:4c:48:00:00:01"))
        #expect(meta.destinationMAC == mac("ff:ff:ff:ff:ff:ff"))
        #expect(meta.sourceIP == ip("0.0.0.0"))
        #expect(meta.destinationIP == ip("255.255.255.255"))
        #expect(meta.vlan == nil)
    }

    /// The frame with 802.1Q tags inserted after the two MAC addresses.
    static func tagged(_ frame: [UInt8], _ tags: [(tpid: UInt16, tci: UInt16)]) -> [UInt8] {
        Array(frame[0..<12]) + tags.flatMap { be16($0.tpid) + be16($0.tci) } + Array(frame[12...])
    }

    @Test func vlanTagged() throws {
        let plain = try Self.decode(Self.v4Frame)
        // PCP 1, VLAN 42.
        let packet = try Self.decode(Self.tagged(Self.v4Frame, [(0x8100, 0x202A)]))
        #expect(packet.metadata.vlan == 42)
        #expect(Self.v4(packet) == Self.v4(plain))
        var meta = packet.metadata
        meta.vlan = nil
        #expect(meta == plain.metadata)
        // IPv6 behind a tag as well.
        let six = try Self.decode(Self.tagged(Self.v6Frame, [(0x8100, 0x0007)]))
        #expect(six.metadata.vlan == 7)
        #expect(Self.v6(six)?.messageType == .request)
    }

    @Test func qinqReportsTheOuterVLAN() throws {
        let packet = try Self.decode(Self.tagged(Self.v4Frame, [(0x88A8, 100), (0x8100, 42)]))
        #expect(packet.metadata.vlan == 100)
        #expect(Self.v4(packet)?.xid == 0xFDA7_AA7B)
        let old = try Self.decode(Self.tagged(Self.v4Frame, [(0x9100, 0xF00A), (0x8100, 42)]))
        #expect(old.metadata.vlan == 10)
    }

    @Test func moreThanFourTagsIsABadFrame() throws {
        let four = Self.tagged(Self.v4Frame, Array(repeating: (0x8100, 5), count: 4))
        #expect(try Self.decode(four).metadata.vlan == 5)
        let five = Self.tagged(Self.v4Frame, Array(repeating: (0x8100, 5), count: 5))
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(five) })
        #expect(error.code == .badFrame)
    }

    /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes): packet type, ARPHRD, address
    /// length, address (8), protocol.
    static func sll(_ ip: [UInt8], source: [UInt8], packetType: UInt16 = 0, protocolType: UInt16 = 0x0800) -> [UInt8] {
        be16(packetType) + be16(1) + be16(UInt16(source.count)) + (source + Array(repeating: 0, count: 8)).prefix(8)
            + be16(protocolType) + ip
    }

    /// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20 bytes): protocol, reserved, interface
    /// index, ARPHRD, packet type, address length, address (8).
    static func sll2(_ ip: [UInt8], source: [UInt8], protocolType: UInt16 = 0x0800) -> [UInt8] {
        be16(protocolType) + [0, 0] + be32(3) + be16(1) + [4] + [UInt8(source.count)]
            + (source + Array(repeating: 0, count: 8)).prefix(8) + ip
    }

    @Test func linuxCookedV1() throws {
        let ip = Array(Self.v4Frame[14...])
        let header = Self.sll(ip, source: mac("02:4c:48:00:00:01").bytes)
        #expect(header.count == 16 + ip.count)
        let packet = try Self.decode(header, linkType: LinkType.linuxSLL.rawValue)
        #expect(Self.v4(packet) == Self.v4(try Self.decode(Self.v4Frame)))
        #expect(packet.metadata.sourceMAC == mac("02:4c:48:00:00:01"))
        #expect(packet.metadata.destinationMAC == nil)
        #expect(packet.metadata.sourceIP == DHCPWatchTests.ip("0.0.0.0"))
        #expect(packet.metadata.vlan == nil)
        // No link-layer address (a tunnel): no MAC, the message still decodes.
        let tunnel = try Self.decode(Self.sll(ip, source: []), linkType: 113)
        #expect(tunnel.metadata.sourceMAC == nil)
        #expect(Self.v4(tunnel)?.xid == 0xFDA7_AA7B)
        // IPv6 inside.
        let six = try Self.decode(Self.sll(Array(Self.v6Frame[14...]), source: mac("02:4c:48:00:00:08").bytes,
                                           protocolType: 0x86DD), linkType: 113)
        #expect(Self.v6(six)?.messageType == .request)
        #expect(six.metadata.sourceMAC == mac("02:4c:48:00:00:08"))
    }

    @Test func linuxCookedV2() throws {
        let ip = Array(Self.v4Frame[14...])
        let frame = Self.sll2(ip, source: mac("02:4c:48:00:00:01").bytes)
        #expect(frame.count == 20 + ip.count)
        let packet = try Self.decode(frame, linkType: LinkType.linuxSLL2.rawValue)
        #expect(Self.v4(packet) == Self.v4(try Self.decode(Self.v4Frame)))
        #expect(packet.metadata.sourceMAC == mac("02:4c:48:00:00:01"))
        #expect(packet.metadata.destinationMAC == nil)
        let six = try Self.decode(Self.sll2(Array(Self.v6Frame[14...]), source: [], protocolType: 0x86DD), linkType: 276)
        #expect(Self.v6(six)?.transactionID == Self.v6(try Self.decode(Self.v6Frame))?.transactionID)
        #expect(six.metadata.sourceMAC == nil)
    }

    @Test func cookedHeadersCutShortAreTruncated() throws {
        let v1 = Array(Self.sll([], source: mac("02:4c:48:00:00:01").bytes).prefix(12))
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(v1, linkType: 113) }?.code == .truncated)
        let v2 = Array(Self.sll2([], source: []).prefix(15))
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(v2, linkType: 276) }?.code == .truncated)
    }

    @Test(arguments: [LinkType.rawIP.rawValue, LinkType.rawIPAlt.rawValue])
    func rawIP(linkType: Int32) throws {
        let packet = try Self.decode(Array(Self.v4Frame[14...]), linkType: linkType)
        #expect(Self.v4(packet) == Self.v4(try Self.decode(Self.v4Frame)))
        #expect(packet.metadata.sourceMAC == nil && packet.metadata.destinationMAC == nil)
        let six = try Self.decode(Array(Self.v6Frame[14...]), linkType: linkType)
        #expect(Self.v6(six)?.messageType == .request)
        #expect(six.metadata.sourceIP == ip("fe80::4c:48ff:fe00:8"))
        #expect(dhcpError { () throws(DHCPError) in try Self.decode([], linkType: linkType) }?.code == .truncated)
    }

    @Test func unsupportedLinkType() throws {
        for linkType: Int32 in [0, 105, 127, 228, -1] {
            let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(Self.v4Frame, linkType: linkType) })
            #expect(error.code == .unsupportedLinkType)
            #expect(error.offset == 0)
        }
    }

    // MARK: IPv6

    @Test func ipv6() throws {
        let packet = try Self.decode(Self.v6Frame, timestamp: 1_795_592_840.976112)
        let m = try #require(Self.v6(packet))
        #expect(m.messageType == .request)
        #expect(m.relayDepth == 0)
        #expect(DHCPv6Message.mac(fromDUID: m.clientDUID ?? []) == mac("02:4c:48:00:00:08"))
        #expect(m.clientFQDN?.labels == [ascii("dualstack")])
        let meta = packet.metadata
        #expect(meta.sourceIP == ip("fe80::4c:48ff:fe00:8"))
        #expect(meta.destinationIP == ip("ff02::1:2"))
        #expect(meta.sourceMAC == mac("02:4c:48:00:00:08"))
        #expect(meta.destinationMAC == mac("33:33:00:01:00:02"))
        #expect(meta.timestamp == 1_795_592_840.976112)
    }

    /// The v6 frame with one extension header inserted before UDP.
    static func withExtensionHeader(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        var f = Self.v6Frame
        let payload = Int(f[18]) << 8 | Int(f[19])
        f[20] = type
        let newPayload = be16(UInt16(payload + 2 + body.count))
        f[18] = newPayload[0]
        f[19] = newPayload[1]
        f.insert(contentsOf: [17, UInt8((2 + body.count) / 8 - 1)] + body, at: 54)
        return f
    }

    @Test func ipv6ExtensionHeadersAreSkipped() throws {
        // Hop-by-hop with a PadN option (8 bytes), as MLD-style traffic carries.
        let hopByHop = Self.withExtensionHeader(0, [1, 4, 0, 0, 0, 0])
        let m = try #require(Self.v6(try Self.decode(hopByHop)))
        #expect(m == Self.v6(try Self.decode(Self.v6Frame)))
        // Destination options, 16 bytes.
        let destination = Self.withExtensionHeader(60, [1, 12] + Array(repeating: 0, count: 12))
        #expect(Self.v6(try Self.decode(destination))?.messageType == .request)
    }

    @Test func ipv6FragmentHeaderIsNotDHCP() throws {
        let fragment = Self.withExtensionHeader(44, [0, 0, 0, 0, 0, 1])
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(fragment) })
        #expect(error.code == .notDHCP)
    }

    @Test func ipv6NotUDP() throws {
        var f = Self.v6Frame
        f[20] = 58  // ICMPv6
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(f) }?.code == .notDHCP)
    }

    @Test func ipv6TrailingBytesAreNotOptions() throws {
        // Anything after the IPv6 payload length (an Ethernet trailer) is not part of the message:
        // read as DHCPv6 options it would be an option running past the end.
        let f = Self.v6Frame + [0x00, 0x27, 0x00, 0xFF, 0xAA, 0xBB]
        #expect(Self.v6(try Self.decode(f)) == Self.v6(try Self.decode(Self.v6Frame)))
    }

    // MARK: IPv4 and UDP

    @Test func nonDHCPPortsAreNotDHCP() throws {
        var f = Self.v4Frame
        f[34] = 0; f[35] = 53; f[36] = 0; f[37] = 53
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(f) })
        #expect(error.code == .notDHCP)
        var g = Self.v6Frame
        g[54] = 0x14; g[55] = 0xE9; g[56] = 0x14; g[57] = 0xE9  // mDNS 5353
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(g) }?.code == .notDHCP)
    }

    @Test func oneDHCPPortIsEnough() throws {
        // Relay to server (67 -> 67) and server to relay are DHCP too.
        var f = Self.v4Frame
        f[34] = 0; f[35] = 67
        #expect(Self.v4(try Self.decode(f))?.xid == 0xFDA7_AA7B)
        f[34] = 0x30; f[35] = 0x39; f[36] = 0; f[37] = 68  // 12345 -> 68
        #expect(Self.v4(try Self.decode(f))?.xid == 0xFDA7_AA7B)
    }

    @Test(arguments: [UInt8(6), 1, 2, 47, 50])
    func nonUDPIsNotDHCP(proto: UInt8) throws {
        var f = Self.v4Frame
        f[23] = proto
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(f) })
        #expect(error.code == .notDHCP)
        #expect(error.offset == 14)
    }

    @Test func laterIPv4FragmentIsNotDHCP() throws {
        var f = Self.v4Frame
        f[20] = 0x00; f[21] = 0x01  // fragment offset 1 (8 bytes)
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(f) })
        #expect(error.code == .notDHCP)
        #expect(error.reason.contains("fragment"))
        f[20] = 0x20; f[21] = 0xB9  // MF and an offset
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(f) }?.code == .notDHCP)
        // The first fragment (MF set, offset 0) carries the UDP header and is read.
        f[20] = 0x20; f[21] = 0x00
        #expect(Self.v4(try Self.decode(f))?.xid == 0xFDA7_AA7B)
        // DF alone is fine.
        f[20] = 0x40
        #expect(Self.v4(try Self.decode(f))?.xid == 0xFDA7_AA7B)
    }

    @Test func ipv4WithOptions() throws {
        var f = Self.v4Frame
        let total = Int(f[16]) << 8 | Int(f[17])
        f[14] = 0x46  // IHL 6
        f[16] = UInt8((total + 4) >> 8); f[17] = UInt8((total + 4) & 0xFF)
        f.insert(contentsOf: [0x94, 0x04, 0x00, 0x00], at: 34)  // Router Alert
        #expect(Self.v4(try Self.decode(f)) == Self.v4(try Self.decode(Self.v4Frame)))
    }

    @Test func badIPv4Headers() throws {
        var f = Self.v4Frame
        f[14] = 0x65  // version 6 under EtherType IPv4
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(f) }?.code == .badFrame)
        f[14] = 0x44  // IHL 4: 16 bytes
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(f) })
        #expect(error.code == .badFrame)
        #expect(error.offset == 14)
        var g = Self.v6Frame
        g[14] = 0x45  // version 4 under EtherType IPv6
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(g) }?.code == .badFrame)
    }

    @Test func ethernetPaddingAfterTheIPPacketIsIgnored() throws {
        let f = Self.v4Frame + Array(repeating: 0xEE, count: 18)
        #expect(Self.v4(try Self.decode(f)) == Self.v4(try Self.decode(Self.v4Frame)))
    }

    @Test func udpLengthBoundsTheMessage() throws {
        var f = Self.v4Frame
        // UDP length 8 + 200: the DHCP message is cut below 240 bytes.
        f[38] = 0; f[39] = 208
        let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(f) })
        #expect(error.code == .truncated)
    }

    @Test func ipTotalLengthShorterThanTheUDPHeader() throws {
        var f = Self.v4Frame
        f[16] = 0; f[17] = 24  // 20-byte header + 4: the UDP header does not fit
        #expect(dhcpError { () throws(DHCPError) in try Self.decode(f) }?.code == .truncated)
    }

    @Test func nonIPEtherTypesAreNotDHCP() throws {
        for etherType: [UInt8] in [[0x08, 0x06], [0x88, 0xCC], [0x00, 0x2E]] {
            var f = Self.v4Frame
            f[12] = etherType[0]; f[13] = etherType[1]
            let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(f) })
            #expect(error.code == .notDHCP)
            #expect(error.offset == 14)
        }
    }

    @Test func truncatedFrames() throws {
        for count in [0, 5, 13, 14, 20, 33, 37, 41, 100] {
            let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(Array(Self.v4Frame.prefix(count))) },
                                     "prefix \(count)")
            #expect(error.code == .truncated, "prefix \(count): \(error)")
        }
        for count in [15, 40, 53, 57, 61] {
            let error = try #require(dhcpError { () throws(DHCPError) in try Self.decode(Array(Self.v6Frame.prefix(count))) })
            #expect(error.code == .truncated, "prefix \(count): \(error)")
        }
    }
}
