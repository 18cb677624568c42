import DNSWire
import Foundation
import Testing
@testable import DHCPWatch

// Shared helpers for the DHCPWatch tests: where the captures are, reading them, building DHCP
// messages and frames by hand, and folding lease events into a final per-device state.

// MARK: - Captures

enum Captures {
    /// `Tests/DHCPWatchTests/Fixtures`, copies of the shared captures kept in the repository.
    static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// The package root: three levels up from `Tests/DHCPWatchTests/Support.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `<root>/../shared/dhcp-captures`, beside the repository (may be absent in a clean clone).
    static let shared: URL = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/dhcp-captures", isDirectory: true)

    /// The Fixtures copy when present, else the shared directory (`public/` for the public ones).
    static func path(_ name: String) -> String? {
        let candidates = [
            fixtures.appendingPathComponent(name),
            shared.appendingPathComponent(name),
            shared.appendingPathComponent("public").appendingPathComponent(name),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.path
    }

    static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(path(name), "capture \(name) is neither in Fixtures nor in ../shared", sourceLocation: sourceLocation)
    }

    struct Frame {
        var bytes: [UInt8]
        var timestamp: Double
    }

    struct File {
        var linkType: Int32
        var frames: [Frame]
    }

    /// Every frame of a capture file (through the product's own DHCP filter, as the daemon reads it).
    static func read(_ name: String, filter: String = PcapCapture.filter) throws -> File {
        let capture = try PcapCapture(.file(try require(name)), filter: filter)
        var frames: [Frame] = []
        loop: while true {
            switch capture.next() {
            case .frame(let bytes, let timestamp): frames.append(Frame(bytes: bytes, timestamp: timestamp))
            case .timeout: continue
            case .end: break loop
            case .failed(let reason): throw PcapCapture.Failure(description: reason)
            }
        }
        return File(linkType: capture.linkType, frames: frames)
    }

    /// lan-kea.pcap, read once.
    static let lanKea: File = {
        do { return try read("lan-kea.pcap") } catch { fatalError("cannot read lan-kea.pcap: \(error)") }
    }()
}

/// The result of pushing a capture through FrameDecoder and LeaseTracker.
struct Replay {
    var packets: [DHCPPacket] = []
    /// Events per decoded packet, in order (same index as `packets`).
    var eventsPerPacket: [[LeaseEvent]] = []
    var errors: [DHCPError] = []
    var tracker = LeaseTracker()

    var events: [LeaseEvent] { eventsPerPacket.flatMap { $0 } }

    init(_ file: Captures.File, interface: String? = nil) {
        for frame in file.frames {
            do {
                let packet = try FrameDecoder.decode(frame.bytes, linkType: file.linkType, timestamp: frame.timestamp,
                                                     interface: interface)
                packets.append(packet)
                eventsPerPacket.append(tracker.ingest(packet))
            } catch {
                errors.append(error)
            }
        }
    }

    init(_ name: String) throws {
        self.init(try Captures.read(name))
    }

    var bound: [Lease] {
        events.compactMap { if case .bound(let lease) = $0 { lease } else { nil } }
    }
}

// MARK: - Folding events into a final state

/// What each device holds after a sequence of events, following the store's rules (one address
/// per family per device, an address belongs to one device, a cancel drops only a requested one,
/// a REQUEST does not demote an acknowledged address).
struct DeviceState: Equatable {
    var leases: [MACAddress: [IPAddress: Lease]] = [:]

    init(_ events: [LeaseEvent]) {
        for event in events { apply(event) }
    }

    mutating func apply(_ event: LeaseEvent) {
        switch event {
        case .bound(var lease):
            for mac in leases.keys where mac != lease.mac {
                leases[mac]?[lease.address] = nil
                if leases[mac]?.isEmpty == true { leases[mac] = nil }
            }
            var mine = leases[lease.mac] ?? [:]
            if let previous = mine[lease.address], previous.state == .acknowledged, lease.state == .requested {
                lease.state = .acknowledged
            }
            for address in mine.keys where address != lease.address && address.isV4 == lease.address.isV4 {
                mine[address] = nil
            }
            mine[lease.address] = lease
            leases[lease.mac] = mine
        case .released(let mac, let address, _):
            leases[mac]?[address] = nil
            if leases[mac]?.isEmpty == true { leases[mac] = nil }
        case .cancelled(let mac, let address, _):
            if leases[mac]?[address]?.state == .requested { leases[mac]?[address] = nil }
            if leases[mac]?.isEmpty == true { leases[mac] = nil }
        }
    }

    /// `mac -> [address: name]`, the shape of the ground truth tables.
    var summary: [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for (mac, addresses) in leases {
            out[mac.description] = Dictionary(uniqueKeysWithValues: addresses.map { ($0.key.description, $0.value.name ?? "-") })
        }
        return out
    }
}

extension IPAddress {
    var isV4: Bool {
        if case .v4 = self { return true }
        return false
    }
}

// MARK: - Values

func mac(_ text: String) -> MACAddress {
    guard let value = MACAddress(text) else { preconditionFailure("bad MAC literal \(text)") }
    return value
}

func v4(_ text: String) -> IPv4Address {
    guard let value = IPv4Address(text) else { preconditionFailure("bad IPv4 literal \(text)") }
    return value
}

func v6(_ text: String) -> IPv6Address {
    guard let value = IPv6Address(text) else { preconditionFailure("bad IPv6 literal \(text)") }
    return value
}

func ip(_ text: String) -> IPAddress {
    guard let value = IPAddress(text) else { preconditionFailure("bad address literal \(text)") }
    return value
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

func be32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// A name in DNS wire format: `["nas", "home", "arpa"]` -> `\x03nas\x04home\x04arpa\x00`
/// (without the final zero when `qualified` is false: a partial name).
func wireName(_ labels: [String], qualified: Bool = true) -> [UInt8] {
    var out: [UInt8] = []
    for label in labels {
        out.append(UInt8(label.utf8.count))
        out += label.utf8
    }
    if qualified { out.append(0) }
    return out
}

/// Runs `body`, expecting a `DHCPError`; returns it (or records an issue and returns nil).
@discardableResult
func dhcpError<T>(_ body: () throws(DHCPError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> DHCPError? {
    do {
        let value = try body()
        Issue.record("expected a DHCPError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func metadata(at timestamp: Double, interface: String? = "br0", source: MACAddress? = nil,
              destination: MACAddress? = nil, sourceIP: String = "0.0.0.0",
              destinationIP: String = "255.255.255.255") -> PacketMetadata {
    PacketMetadata(timestamp: timestamp, interface: interface, sourceMAC: source, destinationMAC: destination,
                   sourceIP: ip(sourceIP), destinationIP: ip(destinationIP), vlan: nil)
}

// MARK: - Building DHCPv4 messages

/// A DHCPv4 message written field by field; `bytes` is what a client or server would send.
struct V4Builder {
    var op: UInt8 = 1
    var htype: UInt8 = 1
    var hlen: UInt8 = 6
    var hops: UInt8 = 0
    var xid: UInt32 = 0x1234_5678
    var secs: UInt16 = 0
    var flags: UInt16 = 0
    var ciaddr = "0.0.0.0"
    var yiaddr = "0.0.0.0"
    var siaddr = "0.0.0.0"
    var giaddr = "0.0.0.0"
    var chaddr: [UInt8] = [0x02, 0x4C, 0x48, 0x00, 0x00, 0x01]
    var sname: [UInt8] = []
    var file: [UInt8] = []
    var cookie: [UInt8] = [99, 130, 83, 99]
    /// Code/value pairs written in order (a code may repeat), then END.
    var options: [(UInt8, [UInt8])] = []
    /// When set, written after the cookie instead of `options` + END.
    var rawOptions: [UInt8]?

    var bytes: [UInt8] {
        var out: [UInt8] = [op, htype, hlen, hops] + be32(xid) + be16(secs) + be16(flags)
        out += v4(ciaddr).bytes + v4(yiaddr).bytes + v4(siaddr).bytes + v4(giaddr).bytes
        out += (chaddr + Array(repeating: 0, count: 16)).prefix(16)
        out += (sname + Array(repeating: 0, count: 64)).prefix(64)
        out += (file + Array(repeating: 0, count: 128)).prefix(128)
        out += cookie
        if let rawOptions {
            out += rawOptions
        } else {
            for (code, value) in options { out += [code, UInt8(value.count)] + value }
            out.append(255)
        }
        return out
    }

    func parsed() throws(DHCPError) -> DHCPv4Message {
        try DHCPv4Message(bytes: bytes)
    }

    func packet(at timestamp: Double, interface: String? = "br0") throws -> DHCPPacket {
        .v4(try DHCPv4Message(bytes: bytes), metadata(at: timestamp, interface: interface))
    }

    // Common messages.

    static func message(_ type: DHCPv4Message.MessageType, mac: MACAddress, xid: UInt32,
                        extra: [(UInt8, [UInt8])] = []) -> V4Builder {
        var b = V4Builder()
        b.op = [.offer, .ack, .nak, .leaseActive, .leaseUnassigned, .leaseUnknown].contains(type) ? 2 : 1
        b.xid = xid
        b.chaddr = mac.bytes
        b.options = [(53, [type.rawValue])] + extra
        return b
    }

    /// A SELECTING / INIT-REBOOT REQUEST: no ciaddr, the address in option 50.
    static func request(mac: MACAddress, xid: UInt32, requested: String?, hostname: String? = nil,
                        extra: [(UInt8, [UInt8])] = []) -> V4Builder {
        var options: [(UInt8, [UInt8])] = []
        if let requested { options.append((50, v4(requested).bytes)) }
        options.append((54, v4("198.51.100.2").bytes))
        if let hostname { options.append((12, ascii(hostname))) }
        return message(.request, mac: mac, xid: xid, extra: options + extra)
    }

    static func ack(mac: MACAddress, xid: UInt32, yiaddr: String, lease: UInt32? = 120, hostname: String? = nil,
                    extra: [(UInt8, [UInt8])] = []) -> V4Builder {
        var options: [(UInt8, [UInt8])] = [(54, v4("198.51.100.2").bytes)]
        if let lease { options.append((51, be32(lease))) }
        if let hostname { options.append((12, ascii(hostname))) }
        var b = message(.ack, mac: mac, xid: xid, extra: options + extra)
        b.yiaddr = yiaddr
        b.siaddr = "198.51.100.2"
        return b
    }
}

// MARK: - Building DHCPv6 messages

enum V6 {
    static func option(_ code: UInt16, _ data: [UInt8]) -> [UInt8] { be16(code) + be16(UInt16(data.count)) + data }

    static func message(_ type: DHCPv6Message.MessageType, xid: UInt32, _ options: [UInt8]...) -> [UInt8] {
        [type.rawValue, UInt8((xid >> 16) & 0xFF), UInt8((xid >> 8) & 0xFF), UInt8(xid & 0xFF)] + options.flatMap { $0 }
    }

    /// DUID-LL (type 3), hardware type 1 (Ethernet).
    static func duidLL(_ mac: MACAddress) -> [UInt8] { [0x00, 0x03, 0x00, 0x01] + mac.bytes }

    /// DUID-LLT (type 1), hardware type 1, a time, then the MAC.
    static func duidLLT(_ mac: MACAddress, time: UInt32 = 0x2A3B_4C5D) -> [UInt8] {
        [0x00, 0x01, 0x00, 0x01] + be32(time) + mac.bytes
    }

    static func clientID(_ duid: [UInt8]) -> [UInt8] { option(1, duid) }
    static func serverID() -> [UInt8] { option(2, duidLL(MACAddress("02:4c:48:00:00:fe")!)) }

    static func iaAddress(_ address: String, preferred: UInt32, valid: UInt32, _ inner: [UInt8] = []) -> [UInt8] {
        option(5, v6(address).bytes + be32(preferred) + be32(valid) + inner)
    }

    static func status(_ code: UInt16, _ message: String = "") -> [UInt8] { option(13, be16(code) + ascii(message)) }

    static func iaNA(iaid: UInt32, t1: UInt32 = 60, t2: UInt32 = 96, _ inner: [UInt8]...) -> [UInt8] {
        option(3, be32(iaid) + be32(t1) + be32(t2) + inner.flatMap { $0 })
    }

    static func fqdn(flags: UInt8, _ name: [UInt8]) -> [UInt8] { option(39, [flags] + name) }

    /// RELAY-FORW (12) around `inner`.
    static func relayForward(_ inner: [UInt8], hops: UInt8 = 0, withInterfaceID: Bool = true) -> [UInt8] {
        var out: [UInt8] = [12, hops]
        out += v6("2001:db8:100::1").bytes  // link-address
        out += v6("fe80::4c:48ff:fe00:8").bytes  // peer-address
        if withInterfaceID { out += option(18, ascii("eth1")) }
        out += option(9, inner)
        return out
    }

    static func relayReply(_ inner: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [13, 0]
        out += v6("2001:db8:100::1").bytes
        out += v6("fe80::4c:48ff:fe00:8").bytes
        out += option(9, inner)
        return out
    }

    static func packet(_ bytes: [UInt8], at timestamp: Double, source: MACAddress? = nil,
                       destination: MACAddress? = nil, interface: String? = "br0") throws -> DHCPPacket {
        .v6(try DHCPv6Message(bytes: bytes),
            metadata(at: timestamp, interface: interface, source: source, destination: destination,
                     sourceIP: "fe80::4c:48ff:fe00:8", destinationIP: "ff02::1:2"))
    }
}

// MARK: - Deterministic randomness

/// SplitMix64: a small seeded generator, so a failing mutation run can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Temporary directories

final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("dhcpwatch-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("lannamed.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
