import DNSWire
import LANZone
import NIOCore
import Testing

@testable import DNSServer

/// The UDP fast lanes (direct answers from the snapshot, per-loop templates) must give the very
/// bytes the full responder gives, for every query shape they accept.
@Suite("Fast paths: direct answers and templates equal the full responder")
struct AnswerTemplatesTests {
    static let hosts: [HostRecord] = [
        HostRecord(name: "printer", addresses: [IPAddress("198.51.100.20")!], source: .static),
        HostRecord(name: "Laptop-Anna", addresses: [IPAddress("198.51.100.21")!, IPAddress("2001:db8::21")!], source: .static),
        HostRecord(name: "nas.office", addresses: [IPAddress("10.1.2.3")!, IPAddress("fd00::1:2")!], source: .static),
        HostRecord(name: "v6only", addresses: [IPAddress("2001:db8:ffff::abcd")!], source: .static),
        HostRecord(name: "multi", addresses: (1...5).map { IPAddress("203.0.113.\($0)")! }, source: .static),
        HostRecord(name: "big", addresses: (1...60).map { IPAddress("198.18.0.\($0)")! }, source: .static),
    ]

    static func snapshot(origin: String = "lan.") -> ZoneSnapshot {
        ZoneSnapshot(config: ZoneConfig(origin: try! DomainName(origin), serverAddresses: [IPAddress("198.51.100.1")!]),
                     hosts: hosts, state: ZoneState(serial: 7, generation: 1))
    }

    static let names = [
        "printer.lan.", "PRINTER.Lan.", "laptop-anna.lan.", "nas.office.lan.", "office.lan.", "v6only.lan.", "multi.lan.",
        "big.lan.", "ns.lan.", "lan.", "missing.lan.", "printer.", "xlan.", "printer.xlan.", "localhost.",
        "20.100.51.198.in-addr.arpa.", "21.100.51.198.IN-ADDR.ARPA.", "3.2.1.10.in-addr.arpa.", "1.113.0.203.in-addr.arpa.",
        "9.113.0.203.in-addr.arpa.", "1.0.0.127.in-addr.arpa.", "100.51.198.in-addr.arpa.", "020.100.51.198.in-addr.arpa.",
        "1.20.100.51.198.in-addr.arpa.", "256.100.51.198.in-addr.arpa.", "1.0.18.198.in-addr.arpa.",
        IPAddress("2001:db8::21")!.reverseName.description, IPAddress("fd00::1:2")!.reverseName.description,
        IPAddress("2001:db8:ffff::abcd")!.reverseName.description.uppercased(), IPAddress("::1")!.reverseName.description,
        IPAddress("2001:db8::22")!.reverseName.description,
    ]
    static let types: [RecordType] = [.a, .aaaa, .ptr, .txt, .any, .soa, .ns, .mx]

    /// Query shapes: with and without EDNS (small and large buffers, DO), RD and CD set or not.
    static func queries(_ name: String, _ type: RecordType) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for edns in [nil, EDNS(udpPayloadSize: 512), EDNS(udpPayloadSize: 1232, dnssecOK: true)] {
            for (rd, cd) in [(true, false), (false, true)] {
                out.append(Message(header: Header(id: 0xBEEF, recursionDesired: rd, checkingDisabled: cd),
                                   questions: [Question(name: try! DomainName(name), type: type)], edns: edns).serialize())
            }
        }
        return out
    }

    /// What the fast lanes write for `bytes`, or nil where they decline.
    static func fast(_ bytes: [UInt8], snapshot: ZoneSnapshot, forwarding: QueryResponder.Forwarding,
                     templates: inout AnswerTemplates) -> (direct: [UInt8]?, template: [UInt8]?) {
        bytes.withUnsafeBytes { raw in
            guard let query = AnswerTemplates.inspect(raw) else { return (nil, nil) }
            let limit = query.payload
            var direct: [UInt8]?
            if let answer = snapshot.directAnswer(lowercasedWire: query.key.name, type: query.key.type) {
                var buffer = ByteBuffer()
                if AnswerTemplates.write(answer, ttl: snapshot.config.hostTTL, recursionAvailable: forwarding != .none,
                                         query: query, bytes: raw, limit: limit, into: &buffer) {
                    direct = Array(buffer.readableBytesView)
                }
            }
            var template: [UInt8]?
            if case .local(let kept) = templates.lookup(query, snapshot: snapshot, forwarding: forwarding) {
                var buffer = ByteBuffer()
                if AnswerTemplates.write(kept, query: query, bytes: raw, limit: limit, into: &buffer) {
                    template = Array(buffer.readableBytesView)
                }
            }
            return (direct, template)
        }
    }

    @Test(arguments: [QueryResponder.Forwarding.none, .allowed])
    func fastLanesGiveTheFullRespondersBytes(forwarding: QueryResponder.Forwarding) throws {
        let snapshot = Self.snapshot()
        var templates = AnswerTemplates()
        var directCount = 0
        for name in Self.names {
            for type in Self.types {
                for bytes in Self.queries(name, type) {
                    let (direct, template) = Self.fast(bytes, snapshot: snapshot, forwarding: forwarding, templates: &templates)
                    guard direct != nil || template != nil else { continue }
                    guard case .reply(let full) = QueryResponder.decide(bytes, snapshot: snapshot, transport: .udp,
                                                                         forwarding: forwarding) else {
                        Issue.record("\(name) \(type): a fast lane answered what the responder does not")
                        continue
                    }
                    if let direct {
                        directCount += 1
                        #expect(direct == full, "direct \(name) \(type)")
                    }
                    if let template { #expect(template == full, "template \(name) \(type)") }
                }
            }
        }
        // Every host name, both families and every PTR went the direct way for some shape.
        #expect(directCount >= 60, "only \(directCount) direct answers")
    }

    @Test func directAnswersCoverHostsAndPTRsOnly() {
        let snapshot = Self.snapshot()
        func direct(_ name: String, _ type: UInt16) -> ZoneSnapshot.DirectAnswer? {
            snapshot.directAnswer(lowercasedWire: try! DomainName(name).lowercasedWire, type: type)
        }
        #expect(direct("printer.lan.", 1) == .a([IPv4Address("198.51.100.20")!]))
        #expect(direct("laptop-anna.lan.", 28) == .aaaa([IPv6Address("2001:db8::21")!]))
        #expect(direct("20.100.51.198.in-addr.arpa.", 12) == .ptr(try! DomainName("printer.lan.")))
        #expect(direct(IPAddress("fd00::1:2")!.reverseName.description, 12) == .ptr(try! DomainName("nas.office.lan.")))
        #expect(direct("1.0.0.127.in-addr.arpa.", 12) == .ptr(try! DomainName("localhost.")))
        // Declined: no such data (NODATA, NXDOMAIN), other types, the apex, single labels,
        // prefixes and names that only look like addresses.
        #expect(direct("v6only.lan.", 1) == nil)
        #expect(direct("missing.lan.", 1) == nil)
        #expect(direct("printer.lan.", 16) == nil)
        #expect(direct("lan.", 1) == nil)
        #expect(direct("printer.", 1) == nil)
        #expect(direct("printer.xlan.", 1) == nil)
        #expect(direct("100.51.198.in-addr.arpa.", 12) == nil)
        #expect(direct("020.100.51.198.in-addr.arpa.", 12) == nil)
        #expect(direct("9.113.0.203.in-addr.arpa.", 12) == nil)
    }

    /// The shortcut that sends a new name upstream without running the responder must agree
    /// with the responder, and never claim a name some local zone answers.
    @Test func namesOutsideEveryLocalZoneAreThoseTheResponderForwards() throws {
        let snapshot = Self.snapshot()
        // Public reverse names are forwarded too; single labels never are.
        let outside = ["www.example.com.", "printer.xlan.", "a.b.c.d.e.f.", "20.100.51.198.in-addr.arpa.example.",
                       "5.4.3.2.in-addr.arpa.", "in-addr.arpa."]
        let inside = ["printer.lan.", "lan.", "missing.lan.", "printer.", "example.", "com.", ".", "localhost.", "x.localhost.",
                      "1.0.0.127.in-addr.arpa.", "9.9.9.10.in-addr.arpa.", "test.", "a.test.",
                      "x.home.arpa.", "1.113.0.203.in-addr.arpa.", "d.f.ip6.arpa."]
        for name in outside + inside {
            let wire = try DomainName(name).lowercasedWire
            let claimed = snapshot.isOutsideLocalZones(lowercasedWire: wire)
            #expect(claimed == outside.contains(name), "\(name) claimed \(claimed)")
            if claimed {
                for bytes in Self.queries(name, .a) {
                    guard case .forward = QueryResponder.decide(bytes, snapshot: snapshot, transport: .udp, forwarding: .allowed) else {
                        Issue.record("\(name): the responder does not forward it")
                        continue
                    }
                }
            }
        }
    }

    @Test func aLANZoneUnderArpaOrAroundOtherZonesTakesTheFullPath() {
        for origin in ["lan.in-addr.arpa.", "arpa.", "."] {
            let snapshot = Self.snapshot(origin: origin)
            #expect(snapshot.directAnswer(lowercasedWire: try! DomainName("20.100.51.198.in-addr.arpa.").lowercasedWire,
                                          type: 12) == nil, "\(origin)")
        }
    }
}
