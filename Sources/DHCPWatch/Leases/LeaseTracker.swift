import DNSWire

/// Turns DHCP messages into lease events. A value type with no I/O: the capture feeds it packets
/// with their capture time and performs nothing itself.
///
/// The name comes from the client's own REQUEST, matched to the ACK by xid and MAC, because many
/// servers never echo it (ISC dhcpd) or rewrite it (Kea). Option 81 wins over option 12.
public struct LeaseTracker: Sendable {
    struct PendingV4: Sendable {
        var name: [UInt8]?
        var noUpdate: Bool
        var requested: IPv4Address?
        var at: Double
    }

    struct PendingV6: Sendable {
        var type: DHCPv6Message.MessageType
        var name: [UInt8]?
        var noUpdate: Bool
        var mac: MACAddress?
        var rapidCommit: Bool
        var at: Double
    }

    struct KeyV4: Hashable { var xid: UInt32; var mac: MACAddress }
    struct KeyV6: Hashable { var xid: UInt32; var duid: [UInt8] }

    var pendingV4: [KeyV4: PendingV4] = [:]
    var pendingV6: [KeyV6: PendingV6] = [:]
    /// Requests older than this are forgotten (a server answers within seconds).
    public var pendingLifetime: Double = 120
    /// Bound on remembered requests, so a flood cannot grow memory without limit.
    public var maxPending = 16_384

    /// Counters for the status page and logs.
    public private(set) var counters = Counters()

    public struct Counters: Hashable, Sendable {
        public var v4Messages = 0
        public var v6Messages = 0
        public var acks = 0
        public var replies = 0
        public var unmatchedAcks = 0
    }

    public init() {}

    public mutating func ingest(_ packet: DHCPPacket) -> [LeaseEvent] {
        prune(now: packet.metadata.timestamp)
        switch packet {
        case .v4(let message, let meta): return ingest(v4: message, meta)
        case .v6(let message, let meta): return ingest(v6: message, meta)
        }
    }

    var ingested = 0

    /// Forgets old requests every 256 messages (and at once past the bound).
    mutating func prune(now: Double) {
        ingested += 1
        guard ingested % 256 == 0 || pendingV4.count + pendingV6.count > maxPending else { return }
        pendingV4 = pendingV4.filter { now - $0.value.at < pendingLifetime }
        pendingV6 = pendingV6.filter { now - $0.value.at < pendingLifetime }
        if pendingV4.count > maxPending { pendingV4.removeAll() }
        if pendingV6.count > maxPending { pendingV6.removeAll() }
    }

    /// The name a message carries and whether it asks for no DNS update. Only a client's N flag
    /// is a wish; in a server's reply the flag says what the server did (RFC 4702 sec. 2.1).
    static func name(of message: DHCPv4Message) -> (name: [UInt8]?, noUpdate: Bool) {
        let fqdn = message.clientFQDN
        let noUpdate = message.isRequest && (fqdn?.noUpdates ?? false)
        if let label = fqdn?.hostLabel, !label.isEmpty {
            return (label, noUpdate)
        }
        return (message.hostName, noUpdate)
    }

    static func lease(mac: MACAddress, raw: [UInt8]?, noUpdate: Bool, address: IPAddress, leaseEnd: Double?,
                      state: Lease.State, relayed: Bool, meta: PacketMetadata) -> Lease {
        let sanitised = noUpdate ? nil : raw.flatMap(HostnameSanitizer.sanitize)
        return Lease(mac: mac, name: sanitised, rawName: raw, address: address, leaseEnd: leaseEnd, state: state,
                     relayed: relayed, noDNSUpdate: noUpdate, interface: meta.interface, seenAt: meta.timestamp)
    }

    mutating func ingest(v4 message: DHCPv4Message, _ meta: PacketMetadata) -> [LeaseEvent] {
        counters.v4Messages += 1
        guard let mac = message.clientMAC, let type = message.messageType else { return [] }
        let key = KeyV4(xid: message.xid, mac: mac)
        let zero = IPv4Address(0, 0, 0, 0)
        let relayed = message.giaddr != zero
        let at = meta.timestamp
        switch (message.isRequest, type) {
        case (true, .request):
            let (raw, noUpdate) = Self.name(of: message)
            // SELECTING and INIT-REBOOT: broadcast, no ciaddr, the address in option 50.
            let requested = message.ciaddr == zero ? message.requestedAddress : nil
            pendingV4[key] = PendingV4(name: raw, noUpdate: noUpdate, requested: requested, at: at)
            guard let requested, !relayed else { return [] }
            return [.bound(Self.lease(mac: mac, raw: raw, noUpdate: noUpdate, address: .v4(requested), leaseEnd: nil,
                                      state: .requested, relayed: false, meta: meta))]
        case (false, .ack):
            let pending = pendingV4.removeValue(forKey: key)
            // INFORM answers carry no address: not a lease.
            guard message.yiaddr != zero else { return [] }
            counters.acks += 1
            if pending == nil { counters.unmatchedAcks += 1 }
            let (echoed, echoedNoUpdate) = Self.name(of: message)
            let raw = pending?.name ?? echoed
            let noUpdate = pending?.noUpdate ?? echoedNoUpdate
            let leaseEnd = message.leaseTime.flatMap { $0 == 0xFFFF_FFFF ? nil : at + Double($0) }
            return [.bound(Self.lease(mac: mac, raw: raw, noUpdate: noUpdate, address: .v4(message.yiaddr),
                                      leaseEnd: leaseEnd, state: .acknowledged, relayed: relayed, meta: meta))]
        case (false, .nak):
            guard let pending = pendingV4.removeValue(forKey: key), let requested = pending.requested else { return [] }
            return [.cancelled(mac: mac, address: .v4(requested), at: at)]
        case (true, .decline):
            // The client found the address in use by someone else (RFC 2131 sec. 3.1, after the
            // ACK): it does not hold it. Strict: a DECLINE that does not name it (option 50)
            // changes nothing.
            guard let address = message.requestedAddress else { return [] }
            return [.released(mac: mac, address: .v4(address), at: at)]
        case (true, .release):
            // Strict: a RELEASE without ciaddr names no address, so nothing is released.
            guard message.ciaddr != zero else { return [] }
            return [.released(mac: mac, address: .v4(message.ciaddr), at: at)]
        default:
            return []
        }
    }

    mutating func ingest(v6 message: DHCPv6Message, _ meta: PacketMetadata) -> [LeaseEvent] {
        counters.v6Messages += 1
        guard let type = message.messageType, let duid = message.clientDUID else { return [] }
        let key = KeyV6(xid: message.transactionID, duid: duid)
        let relayed = message.relayDepth > 0
        let at = meta.timestamp
        switch type {
        case .solicit, .request, .renew, .rebind, .confirm, .informationRequest, .release, .decline:
            let mac = DHCPv6Message.mac(fromDUID: duid) ?? (relayed ? nil : meta.sourceMAC)
            let fqdn = message.clientFQDN
            pendingV6[key] = PendingV6(type: type, name: fqdn?.hostLabel, noUpdate: fqdn?.noUpdates ?? false, mac: mac,
                                       rapidCommit: message.rapidCommit, at: at)
            guard type == .release || type == .decline, let mac else { return [] }
            return message.leasedAddresses.map { .released(mac: mac, address: .v6($0.address), at: at) }
        case .reply:
            let pending = pendingV6.removeValue(forKey: key)
            switch pending?.type {
            case .request?, .renew?, .rebind?, nil: break
            case .solicit? where pending?.rapidCommit == true: break
            default: return []
            }
            guard let mac = DHCPv6Message.mac(fromDUID: duid) ?? pending?.mac ?? (relayed ? nil : meta.destinationMAC)
            else { return [] }
            counters.replies += 1
            // The server's echo of option 39 gives a name when the request was not seen; its N
            // flag is the server's report, not the client's wish.
            let raw = pending?.name ?? message.clientFQDN?.hostLabel
            let noUpdate = pending?.noUpdate ?? false
            return message.leasedAddresses.map { leased in
                if leased.validLifetime == 0 {
                    return .released(mac: mac, address: .v6(leased.address), at: at)
                }
                let end = leased.validLifetime == 0xFFFF_FFFF ? nil : at + Double(leased.validLifetime)
                return .bound(Self.lease(mac: mac, raw: raw, noUpdate: noUpdate, address: .v6(leased.address),
                                         leaseEnd: end, state: .acknowledged, relayed: relayed, meta: meta))
            }
        default:
            return []
        }
    }
}
