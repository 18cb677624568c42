import DNSWire
import Foundation
import LANZone
import Testing
@testable import DHCPWatch

/// One binding of the ground truth in Fixtures/README.md (public/README.md).
struct ExpectedBinding: Sendable, CustomTestStringConvertible {
    let file: String
    let mac: String
    let address: String
    /// The sanitised name the client sent in its REQUEST; nil when it sent none.
    let name: String?
    let lease: UInt32
    let relayed: Bool
    /// Acknowledged leases (ACK / REPLY) in the file, in order.
    let acks: [String]

    var testDescription: String { file }
}

@Suite("Replay of the public captures")
struct PublicCaptureTests {
    static let bindings: [ExpectedBinding] = [
        ExpectedBinding(file: "charrua-dhcp.pcap", mac: "68:5b:35:aa:29:16", address: "192.168.8.20", name: "feanor",
                        lease: 86400, relayed: false, acks: ["192.168.8.20"]),
        ExpectedBinding(file: "charrua-dhcp2.pcap", mac: "00:0b:82:01:fc:42", address: "192.168.0.10", name: nil,
                        lease: 3600, relayed: false, acks: ["192.168.0.10"]),
        ExpectedBinding(file: "tcpdump-dhcp-mud.pcap", mac: "b8:27:eb:b8:53:c8", address: "62.12.173.123",
                        name: "raspberrypi", lease: 600, relayed: true, acks: ["62.12.173.123"]),
        ExpectedBinding(file: "tcpdump-dhcp-rfc3004.pcap", mac: "00:0c:29:1f:74:06", address: "192.168.1.4", name: nil,
                        lease: 86400, relayed: false, acks: ["192.168.1.4"]),
        ExpectedBinding(file: "tcpdump-dhcp-rfc5859.pcap", mac: "00:0c:29:1f:74:06", address: "192.168.1.4", name: nil,
                        lease: 43200, relayed: false, acks: ["192.168.1.4"]),
        ExpectedBinding(file: "tcpdump-dhcp-rfc4388.pcap", mac: "5a:4f:34:b1:af:66", address: "10.30.4.4", name: nil,
                        lease: 43200, relayed: true, acks: ["10.30.4.4", "10.50.4.4", "10.50.4.4", "10.30.4.4"]),
        ExpectedBinding(file: "zeek-dhcp.pcap", mac: "90:b1:1c:99:49:29", address: "128.2.6.189", name: "btest-is-cool",
                        lease: 900, relayed: false, acks: ["128.2.6.189"]),
        ExpectedBinding(file: "zeek-dhcp_time_and_nameserver.pcap", mac: "00:90:f5:91:cd:1f", address: "192.168.15.250",
                        name: "pop-os", lease: 86093, relayed: false, acks: ["192.168.15.250"]),
        ExpectedBinding(file: "zeek-dhcp_ack_subscriber_id_and_agent_remote_id.pcap", mac: "00:0a:28:00:fa:42",
                        address: "192.168.0.10", name: nil, lease: 3600, relayed: false, acks: ["192.168.0.10"]),
        ExpectedBinding(file: "tcpdump-dhcpv6-ia-na.pcap", mac: "00:01:02:03:04:05",
                        address: "2a00:1:1:200:38e6:b22e:c440:acdf", name: nil, lease: 7200, relayed: false,
                        acks: ["2a00:1:1:200:38e6:b22e:c440:acdf"]),
    ]

    static let robustnessOnly = [
        "zeek-dhcp_inform.pcap",
        "zeek-dhcp_discover_param_req_and_client_id.pcap",
        "zeek-hw-type0.pcap",
        "tcpdump-dhcp-option-33.pcap",
        "tcpdump-dhcpv6-domain-list.pcap",
        "tcpdump-dhcpv6-mud.pcap",
    ]

    @Test func everyCaptureOfTheReadmeIsCoveredAndPresent() throws {
        let listed = Set(Self.bindings.map(\.file) + Self.robustnessOnly)
        #expect(listed.count == 16)
        let readme = try String(contentsOfFile: try Captures.require("README.md"), encoding: .utf8)
        for file in listed {
            #expect(readme.contains("`\(file)`"), "\(file) is not in the README")
            let path = try Captures.require(file)
            #expect(path.hasPrefix(Captures.fixtures.path), "\(file) should be read from Fixtures")
        }
        // And nothing in the README's tables is left out.
        let named = readme.split(separator: "`").filter { $0.hasSuffix(".pcap") && !$0.contains("/") && !$0.contains(" ") }
        for name in named where !["dhcp.pcap", "DHCPv6.pcap"].contains(String(name)) {
            #expect(listed.contains(String(name)), "\(name) has no test")
        }
    }

    @Test(arguments: bindings)
    func binding(_ expected: ExpectedBinding) throws {
        let replay = try Replay(expected.file)
        #expect(!replay.packets.isEmpty)
        // Every acknowledged lease of the file, in order.
        let acknowledged = replay.bound.filter { $0.state == .acknowledged }
        #expect(acknowledged.map(\.address.description) == expected.acks)
        for lease in acknowledged {
            #expect(lease.mac.description == expected.mac)
            #expect(lease.name == expected.name)
            #expect(lease.relayed == expected.relayed)
            #expect(lease.leaseEnd == lease.seenAt + Double(expected.lease))
            #expect(!lease.noDNSUpdate)
        }
        // What the device holds at the end.
        let state = DeviceState(replay.events)
        #expect(state.summary == [expected.mac: [expected.address: expected.name ?? "-"]])
        #expect(state.leases[mac(expected.mac)]?[ip(expected.address)]?.state == .acknowledged)
    }

    @Test(arguments: bindings)
    func bindingInAStore(_ expected: ExpectedBinding) throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        try replay(try Captures.read(expected.file), into: store)
        let hosts = try store.hosts()
        if let name = expected.name {
            #expect(hosts.map(\.name) == [name])
            #expect(hosts.first?.addresses == [ip(expected.address)])
            #expect(hosts.first?.mac == expected.mac)
            #expect(hosts.first?.source == .dhcp)
            #expect(hosts.first?.state == "acknowledged")
        } else {
            // A lease without a name registers nothing.
            #expect(hosts.isEmpty)
        }
    }

    @Test(arguments: robustnessOnly)
    func registersNothing(_ file: String) throws {
        let decoded = try Replay(file)
        #expect(decoded.events.isEmpty, "\(file): \(decoded.events)")
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        try replay(try Captures.read(file), into: store)
        #expect(try store.hosts().isEmpty)
    }

    // MARK: Details of single captures

    @Test func charruaTwoRequestsThenAck() throws {
        let replay = try Replay("charrua-dhcp.pcap")
        #expect(replay.packets.count == 3)
        #expect(replay.bound.map(\.state) == [.requested, .requested, .acknowledged])
        #expect(replay.bound.allSatisfy { $0.name == "feanor" && $0.rawName == ascii("feanor") })
        #expect(replay.tracker.counters.unmatchedAcks == 0)
        #expect(replay.bound.last?.leaseEnd == replay.packets[2].metadata.timestamp + 86400)
    }

    @Test func zeekSequenceIsStrict() throws {
        // NAK of the first REQUEST, ACK of the second; DECLINE without option 50 and RELEASE
        // with ciaddr 0.0.0.0 name no address, so (strict) 128.2.6.189 stays bound.
        let replay = try Replay("zeek-dhcp.pcap")
        #expect(replay.packets.count == 9)
        guard case .v4(let decline, _) = replay.packets[6], case .v4(let release, _) = replay.packets[7] else {
            Issue.record("not DHCPv4")
            return
        }
        #expect(decline.messageType == .decline && decline.requestedAddress == nil)
        #expect(release.messageType == .release && release.ciaddr == IPv4Address(0, 0, 0, 0))
        let client = mac("90:b1:1c:99:49:29")
        let t = replay.packets.map(\.metadata.timestamp)
        let expected: [[LeaseEvent]] = [
            [],  // DISCOVER
            [],  // OFFER
            [.bound(Lease(mac: client, name: "btest-is-cool", rawName: ascii("btest.is.cool"), address: ip("192.168.211.194"),
                          leaseEnd: nil, state: .requested, relayed: false, noDNSUpdate: false, interface: nil, seenAt: t[2]))],
            [.cancelled(mac: client, address: ip("192.168.211.194"), at: t[3])],  // NAK
            [.bound(Lease(mac: client, name: "btest-is-cool", rawName: ascii("btest.is.cool"), address: ip("128.2.6.189"),
                          leaseEnd: nil, state: .requested, relayed: false, noDNSUpdate: false, interface: nil, seenAt: t[4]))],
            [.bound(Lease(mac: client, name: "btest-is-cool", rawName: ascii("btest.is.cool"), address: ip("128.2.6.189"),
                          leaseEnd: t[5] + 900, state: .acknowledged, relayed: false, noDNSUpdate: false, interface: nil,
                          seenAt: t[5]))],
            [],  // DECLINE without option 50
            [],  // RELEASE without ciaddr
            [],  // INFORM
        ]
        #expect(replay.eventsPerPacket == expected)
    }

    @Test func rfc4388LeaseQueriesAreNotLeases() throws {
        let replay = try Replay("tcpdump-dhcp-rfc4388.pcap")
        let types = replay.packets.compactMap { packet -> DHCPv4Message.MessageType? in
            if case .v4(let m, _) = packet { return m.messageType }
            return nil
        }
        #expect(types.contains(.leaseQuery))
        #expect(types.contains(.leaseActive))
        #expect(types.filter { $0 == .ack }.count == 4)
        // Relayed REQUESTs register nothing by themselves: the only events are the four ACKs.
        #expect(replay.events.count == 4)
        #expect(replay.bound.allSatisfy { $0.relayed && $0.state == .acknowledged })
    }

    @Test func mudRenewIsRelayed() throws {
        let replay = try Replay("tcpdump-dhcp-mud.pcap")
        #expect(replay.packets.count == 2)
        guard case .v4(let request, _) = replay.packets[0] else { Issue.record("not DHCPv4"); return }
        #expect(request.giaddr == v4("62.12.173.121"))
        #expect(request.ciaddr == v4("62.12.173.123"))
        #expect(request.options[161] != nil)  // MUD URL
        #expect(replay.eventsPerPacket[0].isEmpty)
        #expect(replay.tracker.counters.unmatchedAcks == 0)
    }

    @Test func v6MudRelaysAreUnwrapped() throws {
        let replay = try Replay("tcpdump-dhcpv6-mud.pcap")
        #expect(replay.packets.count == 5)
        #expect(replay.errors.isEmpty)
        for packet in replay.packets {
            guard case .v6(let m, _) = packet else { Issue.record("not DHCPv6"); continue }
            #expect(m.relayDepth == 1)
            #expect(m.messageType == .solicit)
            #expect(DHCPv6Message.mac(fromDUID: m.clientDUID ?? []) == mac("b8:27:eb:b8:53:c8"))
            #expect(m.clientFQDN?.labels == [ascii("raspberrypi")])
        }
    }

    @Test func hardwareTypeZero() throws {
        // Despite its name (and public/README.md, which says "htype 0"), the frame's htype is 1
        // (bytes 01 01 06 00 at the start of the BOOTP header); the zero is the type byte of its
        // client identifier (option 61, type 0 + "cisco-cc00.0ac4.0000-Fa0/0").
        let replay = try Replay("zeek-hw-type0.pcap")
        #expect(replay.packets.count == 1)
        guard case .v4(let m, _) = replay.packets.first else { Issue.record("not DHCPv4"); return }
        #expect(m.htype == 1)
        #expect(m.clientIdentifier == [0] + ascii("cisco-cc00.0ac4.0000-Fa0/0"))
        #expect(m.clientMAC == mac("cc:00:0a:c4:00:00"))
        #expect(m.messageType == .request)
        #expect(m.ciaddr == v4("192.168.0.3"))
        #expect(m.hostName == ascii("R0"))
        #expect(m.leaseTime == 60)
    }

    @Test func informAckHasNoAddress() throws {
        let replay = try Replay("zeek-dhcp_inform.pcap")
        #expect(replay.packets.count == 2)
        guard case .v4(let ack, _) = replay.packets[1] else { Issue.record("not DHCPv4"); return }
        #expect(ack.messageType == .ack)
        #expect(ack.yiaddr == IPv4Address(0, 0, 0, 0))
        #expect(replay.tracker.counters.acks == 0)
    }

    @Test func v6IANAReply() throws {
        let replay = try Replay("tcpdump-dhcpv6-ia-na.pcap")
        #expect(replay.packets.count == 4)
        let types = replay.packets.compactMap { packet -> DHCPv6Message.MessageType? in
            if case .v6(let m, _) = packet { return m.messageType }
            return nil
        }
        #expect(types == [.solicit, .advertise, .request, .reply])
        guard case .v6(let reply, _) = replay.packets[3] else { return }
        #expect(reply.clientDUID == [0x00, 0x03, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05])
        #expect(reply.leasedAddresses.map(\.validLifetime) == [7200])
        #expect(reply.option(3).map { Array($0.prefix(4)) } == [0x02, 0x03, 0x04, 0x05])  // IAID
        #expect(reply.clientFQDN == nil)
    }

    @Test func everyFrameOfEveryCaptureDecodes() throws {
        for file in Self.bindings.map(\.file) + Self.robustnessOnly where file != "tcpdump-dhcp-rfc4388.pcap" {
            let replay = try Replay(file)
            #expect(replay.errors.isEmpty, "\(file): \(replay.errors)")
        }
        // tcpdump's RFC 4388 trace holds two deliberately malformed LEASEQUERYs (frames 43 and
        // 44: the options start one and two bytes early, so there is no magic cookie at 236).
        let rfc4388 = try Replay("tcpdump-dhcp-rfc4388.pcap")
        #expect(rfc4388.errors.map(\.code) == [.badMagicCookie, .badMagicCookie])
        #expect(rfc4388.errors.map(\.offset) == [236, 236])
        #expect(rfc4388.packets.count == 34)
    }
}

// MARK: - lan-kea.pcap

@Suite("Replay of lan-kea.pcap")
struct LanKeaReplayTests {
    static func mac(_ last: UInt8) -> MACAddress { MACAddress(bytes: [0x02, 0x4C, 0x48, 0x00, 0x00, last])! }

    @Test func everyFrameIsDHCP() {
        let replay = Replay(Captures.lanKea)
        #expect(Captures.lanKea.frames.count == 48)
        #expect(replay.packets.count == 48)
        #expect(replay.errors.isEmpty)
        #expect(replay.tracker.counters == LeaseTracker.Counters(v4Messages: 44, v6Messages: 4, acks: 11, replies: 1,
                                                                 unmatchedAcks: 0))
    }

    /// Every binding reply of lan-kea.acks.txt, with the name the *client* sent, sanitised.
    @Test func everyAckMatchesAcksTxt() {
        let replay = Replay(Captures.lanKea)
        let expected: [(frame: Int, mac: UInt8, address: String, name: String)] = [
            (4, 1, "198.51.100.100", "plainhost"),
            (8, 2, "198.51.100.101", "my-laptop"),
            (12, 3, "198.51.100.102", "kuche-pi"),
            (16, 4, "198.51.100.103", "media-server"),
            (20, 5, "198.51.100.104", "nas"),
            (24, 6, "198.51.100.105", "printer"),
            (28, 7, "198.51.100.106", "printer"),
            (32, 8, "198.51.100.107", "dualstack"),
            (36, 8, "2001:db8:100::1000", "dualstack"),
            (38, 3, "198.51.100.102", "kuche-pi"),
            (42, 1, "198.51.100.100", "renamedhost"),
            (47, 2, "198.51.100.138", "my-laptop"),
        ]
        var acknowledged: [(Int, Lease)] = []
        for (index, events) in replay.eventsPerPacket.enumerated() {
            for case .bound(let lease) in events where lease.state == .acknowledged { acknowledged.append((index + 1, lease)) }
        }
        #expect(acknowledged.count == expected.count)
        for ((frame, lease), want) in zip(acknowledged, expected) {
            #expect(frame == want.frame)
            #expect(lease.mac == Self.mac(want.mac), "f\(frame)")
            #expect(lease.address == ip(want.address), "f\(frame)")
            #expect(lease.name == want.name, "f\(frame)")
            #expect(lease.leaseEnd == lease.seenAt + 120, "f\(frame)")
            #expect(!lease.relayed && !lease.noDNSUpdate, "f\(frame)")
            #expect(lease.seenAt == Captures.lanKea.frames[frame - 1].timestamp)
        }
    }

    @Test func releases() {
        let replay = Replay(Captures.lanKea)
        let removals = replay.eventsPerPacket.enumerated().flatMap { index, events in
            events.compactMap { event -> (Int, LeaseEvent)? in
                switch event {
                case .bound: nil
                default: (index + 1, event)
                }
            }
        }
        #expect(removals.count == 2)
        #expect(removals.first?.0 == 43)
        #expect(removals.first?.1 == .released(mac: Self.mac(2), address: ip("198.51.100.101"), at: Captures.lanKea.frames[42].timestamp))
        #expect(removals.last?.0 == 48)
        #expect(removals.last?.1 == .released(mac: Self.mac(6), address: ip("198.51.100.105"), at: Captures.lanKea.frames[47].timestamp))
    }

    @Test func finalStatePerMAC() throws {
        let state = DeviceState(Replay(Captures.lanKea).events)
        #expect(state.summary == [
            "02:4c:48:00:00:01": ["198.51.100.100": "renamedhost"],
            "02:4c:48:00:00:02": ["198.51.100.138": "my-laptop"],
            "02:4c:48:00:00:03": ["198.51.100.102": "kuche-pi"],
            "02:4c:48:00:00:04": ["198.51.100.103": "media-server"],
            "02:4c:48:00:00:05": ["198.51.100.104": "nas"],
            "02:4c:48:00:00:07": ["198.51.100.106": "printer"],
            "02:4c:48:00:00:08": ["198.51.100.107": "dualstack", "2001:db8:100::1000": "dualstack"],
        ])
        for (_, leases) in state.leases {
            for (_, lease) in leases {
                #expect(lease.state == .acknowledged)
                #expect(lease.leaseEnd == lease.seenAt + 120)
            }
        }
    }

    @Test func finalStateEqualsTruthJSON() throws {
        let path = try Captures.require("lan-kea.truth.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let truth = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let clients = try #require(truth["clients"] as? [String: [String: Any]])
        #expect(clients.count == 8)
        let state = DeviceState(Replay(Captures.lanKea).events)
        var seen = Set<MACAddress>()
        for (label, client) in clients {
            let macText = try #require(client["mac"] as? String)
            let device = try #require(MACAddress(macText))
            seen.insert(device)
            let hex = try #require(client["hostname_sent_hex"] as? String)
            let sent: [UInt8] = stride(from: 0, to: hex.count, by: 2).map { offset in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            var wanted: [IPAddress] = []
            if let address = client["final_ipv4"] as? String { wanted.append(ip(address)) }
            if let address = client["final_ipv6"] as? String { wanted.append(ip(address)) }
            let held = state.leases[device] ?? [:]
            #expect(Set(held.keys) == Set(wanted), "\(label)")
            for address in wanted {
                let lease = try #require(held[address], "\(label) \(address)")
                #expect(lease.rawName == sent, "\(label)")
                #expect(lease.name == HostnameSanitizer.sanitize(sent), "\(label)")
            }
            if (client["state"] as? String) == "released" { #expect(held.isEmpty, "\(label)") }
        }
        #expect(Set(state.leases.keys).isSubset(of: seen))
        // The names the ground truth expects at the end, sanitised.
        let names = try #require(truth["expected_names_at_end"] as? [String: [String: Any]])
        let published = Set(state.leases.values.flatMap { $0.values.compactMap(\.name) })
        #expect(published == Set(names.keys.compactMap { HostnameSanitizer.sanitize($0) }))
        #expect(published == ["renamedhost", "my-laptop", "kuche-pi", "media-server", "nas", "printer", "dualstack"])
        let gone = try #require(truth["names_that_must_not_resolve"] as? [String: Any])
        #expect(published.isDisjoint(with: gone.keys))
    }

    @Test func replayingInChunksGivesTheSameEvents() throws {
        // A capture worker and a replay feed the same tracker the same way; decoding twice is stable.
        let first = Replay(Captures.lanKea)
        let second = Replay(Captures.lanKea)
        #expect(first.events == second.events)
        #expect(first.packets == second.packets)
    }

    @Test func theCaptureInterfaceIsCarried() {
        let replay = Replay(Captures.lanKea, interface: "br-lan")
        #expect(replay.bound.allSatisfy { $0.interface == "br-lan" })
        #expect(replay.packets.allSatisfy { $0.metadata.interface == "br-lan" })
    }
}
