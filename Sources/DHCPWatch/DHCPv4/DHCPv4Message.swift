import DNSWire

/// A DHCPv4 message (RFC 2131 sec. 2, options RFC 2132).
///
///     0                   1                   2                   3
///     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +---------------+---------------+---------------+---------------+
///     |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
///     +---------------+---------------+---------------+---------------+
///     |                            xid (4)                            |
///     +-------------------------------+-------------------------------+
///     |           secs (2)            |           flags (2)           |
///     +-------------------------------+-------------------------------+
///     |  ciaddr (4) | yiaddr (4) | siaddr (4) | giaddr (4)            |
///     |  chaddr (16) | sname (64) | file (128) | magic cookie | options |
///     +---------------------------------------------------------------+
public struct DHCPv4Message: Hashable, Sendable {
    public enum MessageType: UInt8, Sendable {
        case discover = 1, offer, request, decline, ack, nak, release, inform
        case forceRenew = 9, leaseQuery, leaseUnassigned, leaseUnknown, leaseActive
    }

    public var op: UInt8
    public var htype: UInt8
    public var hlen: UInt8
    public var xid: UInt32
    public var flags: UInt16
    public var ciaddr: IPv4Address
    public var yiaddr: IPv4Address
    public var siaddr: IPv4Address
    public var giaddr: IPv4Address
    /// The client hardware address field, `hlen` bytes of it (at most 16).
    public var chaddr: [UInt8]
    /// Options by code, with repeated instances concatenated (RFC 3396), from the options field
    /// first, then `file` and `sname` when option 52 says they carry options.
    public var options: [UInt8: [UInt8]]

    static let magicCookie: [UInt8] = [99, 130, 83, 99]
    static let fixedSize = 236

    public init(bytes: [UInt8]) throws(DHCPError) {
        guard bytes.count >= Self.fixedSize + 4 else {
            throw DHCPError(.truncated, at: 0, "\(bytes.count) bytes is shorter than a DHCP message (240)")
        }
        var reader = ByteReader(bytes)
        op = try reader.u8()
        htype = try reader.u8()
        hlen = try reader.u8()
        _ = try reader.u8()  // hops
        xid = try reader.u32()
        _ = try reader.u16()  // secs
        flags = try reader.u16()
        func address(_ reader: inout ByteReader) throws(DHCPError) -> IPv4Address {
            IPv4Address(bytes: try reader.take(4))!
        }
        ciaddr = try address(&reader)
        yiaddr = try address(&reader)
        siaddr = try address(&reader)
        giaddr = try address(&reader)
        let hardware = try reader.take(16)
        chaddr = Array(hardware.prefix(Int(min(hlen, 16))))
        let sname = (offset: reader.offset, count: 64)
        let file = (offset: reader.offset + 64, count: 128)
        reader.offset += 192
        guard try reader.take(4) == Self.magicCookie else {
            throw DHCPError(.badMagicCookie, at: Self.fixedSize, "no DHCP magic cookie (a plain BOOTP message)")
        }
        var options: [UInt8: [UInt8]] = [:]
        try Self.readOptions(bytes, from: reader.offset, to: bytes.count, into: &options)
        if let overload = options[52]?.first {
            if overload & 1 != 0 { try Self.readOptions(bytes, from: file.offset, to: file.offset + file.count, into: &options) }
            if overload & 2 != 0 { try Self.readOptions(bytes, from: sname.offset, to: sname.offset + sname.count, into: &options) }
        }
        self.options = options
    }

    /// Reads code/length/value options until END (255) or the end of the area; PAD (0) is skipped.
    static func readOptions(_ bytes: [UInt8], from start: Int, to end: Int, into options: inout [UInt8: [UInt8]]) throws(DHCPError) {
        var reader = ByteReader(bytes, offset: start, end: end)
        while reader.remaining > 0 {
            let code = try reader.u8()
            if code == 0 { continue }
            if code == 255 { return }
            guard reader.remaining >= 1 else {
                throw DHCPError(.badOption, at: reader.offset - 1, "option \(code) has no length byte")
            }
            let length = Int(try reader.u8())
            guard reader.remaining >= length else {
                throw DHCPError(.badOption, at: reader.offset - 2, "option \(code) of \(length) bytes runs past the end")
            }
            options[code, default: []].append(contentsOf: try reader.take(length))
        }
    }

    public var isRequest: Bool { op == 1 }
    public var messageType: MessageType? { options[53]?.first.flatMap(MessageType.init(rawValue:)) }

    /// The client's MAC, when the hardware type is Ethernet (or unset, as some relays send it)
    /// and the address is six bytes long.
    public var clientMAC: MACAddress? {
        guard htype == 1 || htype == 0 || htype == 6, chaddr.count >= 6 else { return nil }
        return MACAddress(bytes: chaddr.prefix(6))
    }

    /// Option 12, raw bytes as the client sent them (may be UTF-8, Latin-1, or anything).
    public var hostName: [UInt8]? { options[12].flatMap { $0.isEmpty ? nil : Array($0.prefix { $0 != 0 }) } }

    public var requestedAddress: IPv4Address? { options[50].flatMap { IPv4Address(bytes: $0) } }
    public var serverIdentifier: IPv4Address? { options[54].flatMap { IPv4Address(bytes: $0) } }
    public var leaseTime: UInt32? {
        guard let value = options[51], value.count == 4 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt32($1) }
    }
    public var clientIdentifier: [UInt8]? { options[61] }

    /// Option 81 (RFC 4702).
    public var clientFQDN: ClientFQDN? { options[81].flatMap { try? ClientFQDN(v4Option: $0) } }
}

/// The client FQDN option: DHCPv4 option 81 (RFC 4702) and DHCPv6 option 39 (RFC 4704).
public struct ClientFQDN: Hashable, Sendable {
    /// S: the client asks the server to update the A record.
    public var serverUpdates: Bool
    /// N: the client asks that no DNS update be made at all.
    public var noUpdates: Bool
    /// The name's labels (possibly only the host label: a partial name).
    public var labels: [[UInt8]]

    /// `flags, rcode1, rcode2, name`; the E bit (0x04) says the name is in DNS wire format,
    /// otherwise it is ASCII text (deprecated but sent by busybox udhcpc).
    public init(v4Option bytes: [UInt8]) throws(DHCPError) {
        guard bytes.count >= 3 else { throw DHCPError(.badOption, at: 0, "option 81 shorter than 3 bytes") }
        let flags = bytes[0]
        serverUpdates = flags & 0x01 != 0
        noUpdates = flags & 0x08 != 0
        let name = Array(bytes[3...])
        labels = flags & 0x04 != 0 ? try Self.wireLabels(name) : Self.textLabels(name)
    }

    /// `flags, name` in wire format, always (RFC 4704 sec. 4).
    public init(v6Option bytes: [UInt8]) throws(DHCPError) {
        guard bytes.count >= 1 else { throw DHCPError(.badOption, at: 0, "option 39 is empty") }
        serverUpdates = bytes[0] & 0x01 != 0
        noUpdates = bytes[0] & 0x04 != 0
        labels = try Self.wireLabels(Array(bytes[1...]))
    }

    /// Wire-format labels, fully qualified (ending in a zero byte) or partial (not). Compression
    /// is not allowed here (RFC 4702 sec. 2.3.1), so a pointer is an error.
    static func wireLabels(_ bytes: [UInt8]) throws(DHCPError) -> [[UInt8]] {
        var labels: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let length = Int(bytes[index])
            if length == 0 { break }
            guard length <= 63 else { throw DHCPError(.badOption, at: index, "label length \(length) in a client FQDN") }
            guard index + 1 + length <= bytes.count else {
                throw DHCPError(.badOption, at: index, "client FQDN label runs past the option")
            }
            labels.append(Array(bytes[(index + 1)...(index + length)]))
            index += 1 + length
        }
        return labels
    }

    static func textLabels(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.prefix { $0 != 0 }.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: true).map(Array.init)
    }

    /// The host label: the first label of the name.
    public var hostLabel: [UInt8]? { labels.first }
}
