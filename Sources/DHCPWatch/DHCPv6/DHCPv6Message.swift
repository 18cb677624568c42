import DNSWire

/// A DHCPv6 message (RFC 8415 sec. 8 and 9): client/server messages carry a type, a 3-byte
/// transaction id and options; relay messages wrap another message in option 9 (unwrapped here).
///
///     0                   1                   2                   3
///     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |    msg-type   |               transaction-id                  |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     .                            options                            .
public struct DHCPv6Message: Hashable, Sendable {
    public enum MessageType: UInt8, Sendable {
        case solicit = 1, advertise, request, confirm, renew, rebind, reply, release, decline, reconfigure
        case informationRequest = 11, relayForward, relayReply
    }

    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
    }

    /// One address of an IA_NA (option 5 inside option 3).
    public struct LeasedAddress: Hashable, Sendable {
        public var address: IPv6Address
        public var preferredLifetime: UInt32
        public var validLifetime: UInt32
    }

    public var type: UInt8
    public var transactionID: UInt32
    public var options: [Option]
    /// How many relay hops wrapped this message (0 when it was sent directly).
    public var relayDepth: Int

    public var messageType: MessageType? { MessageType(rawValue: type) }

    public init(bytes: [UInt8]) throws(DHCPError) {
        try self.init(bytes: bytes, depth: 0)
    }

    init(bytes: [UInt8], depth: Int) throws(DHCPError) {
        guard depth <= 32 else { throw DHCPError(.badOption, at: 0, "more than 32 nested relay messages") }
        guard let first = bytes.first else { throw DHCPError(.truncated, at: 0, "empty DHCPv6 message") }
        if first == MessageType.relayForward.rawValue || first == MessageType.relayReply.rawValue {
            // msg-type, hop-count, link-address (16), peer-address (16), options
            guard bytes.count >= 34 else { throw DHCPError(.truncated, at: 0, "relay message shorter than 34 bytes") }
            let options = try Self.readOptions(bytes, from: 34, to: bytes.count)
            guard let inner = options.first(where: { $0.code == 9 }) else {
                throw DHCPError(.notDHCP, at: 34, "relay message without a relayed message (option 9)")
            }
            self = try DHCPv6Message(bytes: inner.data, depth: depth + 1)
            relayDepth += 1
            return
        }
        guard bytes.count >= 4 else { throw DHCPError(.truncated, at: 0, "DHCPv6 message shorter than 4 bytes") }
        type = first
        transactionID = UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        options = try Self.readOptions(bytes, from: 4, to: bytes.count)
        relayDepth = 0
    }

    static func readOptions(_ bytes: [UInt8], from start: Int, to end: Int) throws(DHCPError) -> [Option] {
        var reader = ByteReader(bytes, offset: start, end: end)
        var out: [Option] = []
        while reader.remaining > 0 {
            let code = try reader.u16()
            let length = Int(try reader.u16())
            guard reader.remaining >= length else {
                throw DHCPError(.badOption, at: reader.offset - 4, "option \(code) of \(length) bytes runs past the end")
            }
            out.append(Option(code: code, data: try reader.take(length)))
        }
        return out
    }

    public func option(_ code: UInt16) -> [UInt8]? { options.first { $0.code == code }?.data }

    /// Option 1: the client's DUID.
    public var clientDUID: [UInt8]? { option(1) }

    /// The MAC inside a DUID-LLT (type 1) or DUID-LL (type 3) of hardware type Ethernet.
    public static func mac(fromDUID duid: [UInt8]) -> MACAddress? {
        guard duid.count >= 4 else { return nil }
        let duidType = UInt16(duid[0]) << 8 | UInt16(duid[1])
        let hardware = UInt16(duid[2]) << 8 | UInt16(duid[3])
        guard hardware == 1 else { return nil }
        switch duidType {
        case 1 where duid.count == 14: return MACAddress(bytes: duid[8..<14])
        case 3 where duid.count == 10: return MACAddress(bytes: duid[4..<10])
        default: return nil
        }
    }

    /// Option 39 (RFC 4704).
    public var clientFQDN: ClientFQDN? { option(39).flatMap { try? ClientFQDN(v6Option: $0) } }

    /// Whether the client asked for rapid commit (option 14): a SOLICIT answered by a REPLY.
    public var rapidCommit: Bool { options.contains { $0.code == 14 } }

    /// The addresses of every IA_NA (option 3: IAID, T1, T2, then options with IAADDR = 5).
    /// An IA whose status (option 13) is not success yields nothing.
    public var leasedAddresses: [LeasedAddress] {
        var out: [LeasedAddress] = []
        for ia in options where ia.code == 3 && ia.data.count >= 12 {
            guard let inner = try? Self.readOptions(ia.data, from: 12, to: ia.data.count) else { continue }
            if let status = inner.first(where: { $0.code == 13 }), status.data.count >= 2,
               status.data[0] != 0 || status.data[1] != 0 { continue }
            for option in inner where option.code == 5 && option.data.count >= 24 {
                let d = option.data
                guard let address = IPv6Address(bytes: Array(d[0..<16])) else { continue }
                let preferred = UInt32(d[16]) << 24 | UInt32(d[17]) << 16 | UInt32(d[18]) << 8 | UInt32(d[19])
                let valid = UInt32(d[20]) << 24 | UInt32(d[21]) << 16 | UInt32(d[22]) << 8 | UInt32(d[23])
                out.append(LeasedAddress(address: address, preferredLifetime: preferred, validLifetime: valid))
            }
        }
        return out
    }
}
