import DNSWire
import Testing
@testable import LANZone

/// Zones copied from a primary, as a secondary holds them.
enum Primary {
    static func zone(_ lines: String...) -> TransferredZone {
        do { return try TransferredZone(records: lines.map(TZ.rr)) } catch { preconditionFailure("bad zone: \(error)") }
    }

    static func soa(_ apex: String, _ serial: UInt32) -> String {
        "\(apex) 3600 SOA ns1.primary.example. admin.primary.example. \(serial) 3600 600 86400 120"
    }

    /// The negative-answer SOA: TTL min(3600, MINIMUM 120).
    static func negative(_ apex: String, _ serial: UInt32) -> String {
        "\(apex) 120 SOA ns1.primary.example. admin.primary.example. \(serial) 3600 600 86400 120"
    }

    static let lan = zone(soa("lan.", 77), "lan. 3600 NS ns1.primary.example.",
                          "printer.lan. 300 A 192.0.2.99", "www.lan. 300 A 192.0.2.80")
    static let v4 = zone(soa("168.192.in-addr.arpa.", 5), "168.192.in-addr.arpa. 3600 NS ns1.primary.example.",
                         "20.1.168.192.in-addr.arpa. 300 PTR www.lan.")
    /// Shallower than the local `168.192.in-addr.arpa.` and `2.0.192.in-addr.arpa.`.
    static let wide = zone(soa("192.in-addr.arpa.", 9), "192.in-addr.arpa. 3600 NS ns1.primary.example.",
                           "5.0.0.192.in-addr.arpa. 300 PTR gw.lan.", "20.1.168.192.in-addr.arpa. 300 PTR shadowed.lan.")
    /// Deeper than the local `lan.`.
    static let sub = zone(soa("sub.lan.", 3), "sub.lan. 3600 NS ns1.primary.example.", "x.sub.lan. 300 A 192.0.2.7")

    enum Setup: String, Sendable, CaseIterable {
        case copies, shallower, deeper, expired, notLoaded

        var entries: [SecondaryZones.Entry] {
            switch self {
            case .copies:
                [.init(apex: "lan.", zone: lan, expired: false), .init(apex: "168.192.in-addr.arpa.", zone: v4, expired: false)]
            case .shallower: [.init(apex: "192.in-addr.arpa.", zone: wide, expired: false)]
            case .deeper: [.init(apex: "sub.lan.", zone: sub, expired: false)]
            case .expired:
                [.init(apex: "lan.", zone: lan, expired: true), .init(apex: "168.192.in-addr.arpa.", zone: v4, expired: false)]
            case .notLoaded: [.init(apex: "lan.", zone: nil, expired: false)]
            }
        }

        var snapshot: ZoneSnapshot { Home.snapshot().withSecondaries(SecondaryZones(entries)) }
    }
}

struct SecondaryCase: Sendable, CustomTestStringConvertible {
    let setup: Primary.Setup
    let name: String
    let type: RecordType
    let expected: String

    init(_ setup: Primary.Setup, _ name: String, _ type: RecordType, _ expected: String) {
        self.setup = setup
        self.name = name
        self.type = type
        self.expected = expected
    }

    var testDescription: String { "\(setup): \(name) \(type)" }
}

extension ZoneTransferDataTests {
    @Suite("Transfer data: secondary zones in answers")
    struct Secondaries {
        static let local = Home.soa("lan.").replacingOccurrences(of: " 300 SOA", with: " 30 SOA")

        static let cases: [SecondaryCase] = [
            // A copy of the same apex as a local zone wins over it, for every name below.
            SecondaryCase(.copies, "printer.lan.", .a, "answer printer.lan. 300 A 192.0.2.99"),
            SecondaryCase(.copies, "laser.lan.", .a, "nxdomain \(Primary.negative("lan.", 77))"),
            SecondaryCase(.copies, "printer.lan.", .aaaa, "nodata \(Primary.negative("lan.", 77))"),
            SecondaryCase(.copies, "lan.", .soa, "answer \(Primary.soa("lan.", 77))"),
            SecondaryCase(.copies, "20.1.168.192.in-addr.arpa.", .ptr, "answer 20.1.168.192.in-addr.arpa. 300 PTR www.lan."),
            SecondaryCase(.copies, "21.1.168.192.in-addr.arpa.", .ptr,
                          "nxdomain \(Primary.negative("168.192.in-addr.arpa.", 5))"),
            // Single labels are looked up in the copy of the LAN zone, owned by the question's name.
            SecondaryCase(.copies, "www.", .a, "answer www. 300 A 192.0.2.80"),
            SecondaryCase(.copies, "Printer.", .a, "answer Printer. 300 A 192.0.2.99"),
            SecondaryCase(.copies, "www.", .aaaa, "nodata \(Primary.negative("lan.", 77))"),
            SecondaryCase(.copies, "laser.", .a, "nxdomain -"),
            SecondaryCase(.copies, "nosuchhost.", .a, "nxdomain -"),
            // Infrastructure questions about a TLD go to the forwarder.
            SecondaryCase(.copies, "nosuchhost.", .ns, "refused"),
            SecondaryCase(.copies, "com.", .ds, "refused"),
            // A single label that is a local zone stays local.
            SecondaryCase(.copies, "test.", .soa, "answer \(Home.soa("test."))"),
            // Zones without a copy are answered locally as before.
            SecondaryCase(.copies, "1.0.0.10.in-addr.arpa.", .ptr, "nxdomain \(Home.soa("10.in-addr.arpa.").replacingOccurrences(of: " 300 SOA", with: " 30 SOA"))"),
            SecondaryCase(.copies, "34.216.184.93.in-addr.arpa.", .ptr, "answer 34.216.184.93.in-addr.arpa. 300 PTR cdn.lan."),
            SecondaryCase(.copies, "localhost.", .a, "answer localhost. 300 A 127.0.0.1"),
            SecondaryCase(.copies, "www.example.com.", .a, "refused"),

            // A copy shallower than a local zone: the deeper local zone answers its names.
            SecondaryCase(.shallower, "20.1.168.192.in-addr.arpa.", .ptr, "answer 20.1.168.192.in-addr.arpa. 300 PTR printer.lan."),
            SecondaryCase(.shallower, "1.2.0.192.in-addr.arpa.", .ptr,
                          "nxdomain \(Home.soa("2.0.192.in-addr.arpa.").replacingOccurrences(of: " 300 SOA", with: " 30 SOA"))"),
            SecondaryCase(.shallower, "5.0.0.192.in-addr.arpa.", .ptr, "answer 5.0.0.192.in-addr.arpa. 300 PTR gw.lan."),
            SecondaryCase(.shallower, "6.0.0.192.in-addr.arpa.", .ptr, "nxdomain \(Primary.negative("192.in-addr.arpa.", 9))"),
            // Without a copy of the LAN zone, single labels are the local zone's.
            SecondaryCase(.shallower, "printer.", .a, "answer printer. 300 A 192.168.1.20"),
            SecondaryCase(.shallower, "printer.lan.", .a, "answer printer.lan. 300 A 192.168.1.20"),

            // A copy deeper than a local zone wins below its apex only.
            SecondaryCase(.deeper, "x.sub.lan.", .a, "answer x.sub.lan. 300 A 192.0.2.7"),
            SecondaryCase(.deeper, "sub.lan.", .soa, "answer \(Primary.soa("sub.lan.", 3))"),
            SecondaryCase(.deeper, "y.sub.lan.", .a, "nxdomain \(Primary.negative("sub.lan.", 3))"),
            SecondaryCase(.deeper, "printer.lan.", .a, "answer printer.lan. 300 A 192.168.1.20"),
            SecondaryCase(.deeper, "missing.lan.", .a, "nxdomain \(local)"),

            // Expired (RFC 1035 sec. 3.3.13): SERVFAIL, never the local data nor a negative answer.
            SecondaryCase(.expired, "printer.lan.", .a, "servfail"),
            SecondaryCase(.expired, "laser.lan.", .a, "servfail"),
            SecondaryCase(.expired, "lan.", .soa, "servfail"),
            SecondaryCase(.expired, "printer.", .a, "servfail"),
            SecondaryCase(.expired, "nosuchhost.", .a, "servfail"),
            SecondaryCase(.expired, "20.1.168.192.in-addr.arpa.", .ptr, "answer 20.1.168.192.in-addr.arpa. 300 PTR www.lan."),
            SecondaryCase(.expired, "localhost.", .a, "answer localhost. 300 A 127.0.0.1"),

            // Not transferred yet: SERVFAIL too.
            SecondaryCase(.notLoaded, "printer.lan.", .a, "servfail"),
            SecondaryCase(.notLoaded, "lan.", .ns, "servfail"),
            SecondaryCase(.notLoaded, "www.", .a, "servfail"),
            SecondaryCase(.notLoaded, "20.1.168.192.in-addr.arpa.", .ptr, "answer 20.1.168.192.in-addr.arpa. 300 PTR printer.lan."),
        ]

        @Test(arguments: cases)
        func answers(_ c: SecondaryCase) throws {
            let answer = c.setup.snapshot.answer(Question(name: try DomainName(c.name), type: c.type))
            #expect(render(answer) == c.expected)
        }

        @Test func withSecondariesKeepsTheLocalZonesAndTheirTransfers() throws {
            let local = Home.snapshot()
            let secondary = local.withSecondaries(SecondaryZones(Primary.Setup.copies.entries))
            #expect(local.secondaries == nil)
            #expect(secondary.secondaries?.apexes == ["168.192.in-addr.arpa.", "lan."])
            #expect(secondary.secondaries?.entry("lan.")?.zone?.serial == 77)
            #expect(secondary.secondaries?.entry("example.com.") == nil)
            #expect(secondary.transferApexes == local.transferApexes)
            #expect(secondary.serial(of: Home.lan) == Home.serial)
            #expect(secondary.zoneApexes == local.zoneApexes)
            // The original still answers from its own data.
            #expect(render(local.answer(Question(name: "printer.lan.", type: .a))) == "answer printer.lan. 300 A 192.168.1.20")
            // And without secondaries again.
            #expect(secondary.withSecondaries(nil).secondaries == nil)
        }

        @Test func withSerialsKeepsTheSecondaries() throws {
            let secondary = Home.snapshot().withSecondaries(SecondaryZones(Primary.Setup.copies.entries)).withSerials([Home.lan: 5])
            #expect(secondary.secondaries?.apexes == ["168.192.in-addr.arpa.", "lan."])
            #expect(render(secondary.answer(Question(name: "printer.lan.", type: .a))) == "answer printer.lan. 300 A 192.0.2.99")
        }

        @Test func theLastEntryForAnApexWins() throws {
            let zones = SecondaryZones([.init(apex: "lan.", zone: nil, expired: false),
                                        .init(apex: "LAN.", zone: Primary.lan, expired: false)])
            #expect(zones.apexes.count == 1)
            let snapshot = Home.snapshot().withSecondaries(zones)
            #expect(render(snapshot.answer(Question(name: "www.lan.", type: .a))) == "answer www.lan. 300 A 192.0.2.80")
        }
    }
}
