import DNSWire

/// Link-layer types this decoder reads (pcap LINKTYPE_ values).
public enum LinkType: Int32, Sendable {
    case ethernet = 1
    case rawIP = 101
    case rawIPAlt = 12
    case linuxSLL = 113
    case linuxSLL2 = 276
}

/// Where a DHCP message came from and went to, as seen on the wire.
public struct PacketMetadata: Hashable, Sendable {
    public var timestamp: Double
    public var interface: String?
    public var sourceMAC: MACAddress?
    public var destinationMAC: MACAddress?
    public var sourceIP: IPAddress
    public var destinationIP: IPAddress
    public var vlan: UInt16?
}

/// A DHCP message lifted out of a captured frame.
public enum DHCPPacket: Hashable, Sendable {
    case v4(DHCPv4Message, PacketMetadata)
    case v6(DHCPv6Message, PacketMetadata)

    public var metadata: PacketMetadata {
        switch self {
        case .v4(_, let m), .v6(_, let m): m
        }
    }
}

/// Frame -> link layer (Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP) -> IPv4 or
/// IPv6 -> UDP on the DHCP ports -> DHCPv4 or DHCPv6. No I/O. UDP checksums are not checked:
/// capture offload leaves them blank on the sending host.
public enum FrameDecoder {
    public static func decode(_ frame: [UInt8], linkType: Int32, timestamp: Double, interface: String? = nil)
        throws(DHCPError) -> DHCPPacket {
        var reader = ByteReader(frame)
        var source: MACAddress?
        var destination: MACAddress?
        var vlan: UInt16?
        var etherType: UInt16
        switch LinkType(rawValue: linkType) {
        case .ethernet:
            destination = MACAddress(bytes: try reader.take(6))
            source = MACAddress(bytes: try reader.take(6))
            etherType = try reader.u16()
            var tags = 0
            while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
                tags += 1
                guard tags <= 4 else { throw DHCPError(.badFrame, at: reader.offset, "more than 4 VLAN tags") }
                let tci = try reader.u16()
                if vlan == nil { vlan = tci & 0x0FFF }
                etherType = try reader.u16()
            }
        case .linuxSLL:
            _ = try reader.u16()  // packet type
            _ = try reader.u16()  // ARPHRD
            let length = Int(try reader.u16())
            let address = try reader.take(8)
            if length == 6 { source = MACAddress(bytes: address.prefix(6)) }
            etherType = try reader.u16()
        case .linuxSLL2:
            etherType = try reader.u16()
            _ = try reader.u16()  // reserved
            _ = try reader.u32()  // interface index
            _ = try reader.u16()  // ARPHRD
            _ = try reader.u8()   // packet type
            let length = Int(try reader.u8())
            let address = try reader.take(8)
            if length == 6 { source = MACAddress(bytes: address.prefix(6)) }
        case .rawIP, .rawIPAlt:
            guard let first = frame.first else { throw DHCPError(.truncated, at: 0, "empty frame") }
            etherType = first >> 4 == 6 ? 0x86DD : 0x0800
        case nil:
            throw DHCPError(.unsupportedLinkType, at: 0, "link type \(linkType) is not Ethernet, Linux cooked or raw IP")
        }

        let sourceIP: IPAddress
        let destinationIP: IPAddress
        var payloadEnd = frame.count
        switch etherType {
        case 0x0800:
            let start = reader.offset
            let versionIHL = try reader.u8()
            guard versionIHL >> 4 == 4 else { throw DHCPError(.badFrame, at: start, "not an IPv4 header") }
            let headerLength = Int(versionIHL & 0x0F) * 4
            guard headerLength >= 20 else { throw DHCPError(.badFrame, at: start, "IPv4 header length \(headerLength)") }
            _ = try reader.u8()
            let total = Int(try reader.u16())
            _ = try reader.u16()
            let fragment = try reader.u16()
            guard fragment & 0x1FFF == 0 else { throw DHCPError(.notDHCP, at: start, "a later IPv4 fragment") }
            _ = try reader.u8()
            let proto = try reader.u8()
            guard proto == 17 else { throw DHCPError(.notDHCP, at: start, "IP protocol \(proto), not UDP") }
            _ = try reader.u16()
            sourceIP = .v4(IPv4Address(bytes: try reader.take(4))!)
            destinationIP = .v4(IPv4Address(bytes: try reader.take(4))!)
            reader.offset = start + headerLength
            if total >= headerLength { payloadEnd = min(frame.count, start + total) }
        case 0x86DD:
            let start = reader.offset
            let version = try reader.u8()
            guard version >> 4 == 6 else { throw DHCPError(.badFrame, at: start, "not an IPv6 header") }
            _ = try reader.take(3)
            let payload = Int(try reader.u16())
            var next = try reader.u8()
            _ = try reader.u8()
            sourceIP = .v6(IPv6Address(bytes: try reader.take(16))!)
            destinationIP = .v6(IPv6Address(bytes: try reader.take(16))!)
            payloadEnd = min(frame.count, reader.offset + payload)
            var hops = 0
            while next != 17 {
                hops += 1
                guard hops <= 8, [0, 43, 60].contains(next) else {
                    throw DHCPError(.notDHCP, at: reader.offset, "IPv6 next header \(next), not UDP")
                }
                next = try reader.u8()
                let length = (Int(try reader.u8()) + 1) * 8
                _ = try reader.take(length - 2)
            }
        default:
            throw DHCPError(.notDHCP, at: reader.offset, "EtherType 0x\(String(etherType, radix: 16)) is not IP")
        }

        let sourcePort = try reader.u16()
        let destinationPort = try reader.u16()
        let udpLength = Int(try reader.u16())
        _ = try reader.u16()  // checksum
        if udpLength >= 8 { payloadEnd = min(payloadEnd, reader.offset + udpLength - 8) }
        guard payloadEnd >= reader.offset else { throw DHCPError(.truncated, at: reader.offset, "UDP length past the frame") }
        let payload = Array(frame[reader.offset..<payloadEnd])
        let metadata = PacketMetadata(timestamp: timestamp, interface: interface, sourceMAC: source,
                                      destinationMAC: destination, sourceIP: sourceIP, destinationIP: destinationIP,
                                      vlan: vlan)
        let ports: Set<UInt16> = [sourcePort, destinationPort]
        if ports.contains(67) || ports.contains(68) {
            return .v4(try DHCPv4Message(bytes: payload), metadata)
        }
        if ports.contains(546) || ports.contains(547) {
            return .v6(try DHCPv6Message(bytes: payload), metadata)
        }
        throw DHCPError(.notDHCP, at: reader.offset, "UDP ports \(sourcePort) -> \(destinationPort) are not DHCP")
    }
}
