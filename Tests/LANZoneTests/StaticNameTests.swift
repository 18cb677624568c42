import DNSWire
import Testing
@testable import LANZone

@Suite("StaticName.relative")
struct StaticNameTests {
    @Test(arguments: [
        // (typed, zone, stored)
        ("printer", "lan.", "printer"),
        ("printer.lan", "lan.", "printer"),
        ("printer.lan.", "lan.", "printer"),
        ("Printer.LAN", "lan.", "Printer"),
        ("Printer.LAN.", "lan.", "Printer"),
        ("  printer\t", "lan.", "printer"),
        ("a.b", "lan.", "a.b"),
        ("scanner.lab.lan", "lan.", "scanner.lab"),
        ("_ipp._tcp", "lan.", "_ipp._tcp"),
        ("Laptop-Anna", "lan.", "Laptop-Anna"),
        ("@", "lan.", "@"),
        ("lan.", "lan.", "@"),
        ("lan", "lan.", "@"),
        ("LAN.", "lan.", "@"),
        ("lan.lan", "lan.", "lan"),
        ("printer.example.com", "lan.", "printer.example.com"),  // no final dot, not ending in the zone: relative
        ("printer", "home.arpa.", "printer"),
        ("printer.home.arpa", "home.arpa.", "printer"),
        ("printer.home.arpa.", "home.arpa.", "printer"),
        ("dns.office.example.", "office.example.", "dns"),
        ("a\\.b", "lan.", "a\\.b"),                              // an escaped dot stays one label
    ])
    func relative(_ text: String, _ zone: String, _ expected: String) throws {
        let origin = try DomainName(zone)
        #expect(try StaticName.relative(text, in: origin) == expected)
        // What is stored is a name of the zone again.
        let owner = try HostRecord(name: expected, addresses: [], source: .static).ownerName(in: origin)
        #expect(owner.isSubdomain(of: origin))
    }

    @Test(arguments: [
        ("printer.example.com.", "lan."),
        ("com.", "lan."),
        (".", "lan."),
        ("lan.example.", "lan."),
        ("printer.lan.", "home.arpa."),
    ])
    func absoluteNamesOutsideTheZone(_ text: String, _ zone: String) throws {
        let origin = try DomainName(zone)
        let error = zoneError { () throws(ZoneError) in try StaticName.relative(text, in: origin) }
        #expect(error == .outsideZone(text, zone))
        #expect(error?.description == "\"\(text)\" is outside the zone \(zone)")
    }

    @Test(arguments: [
        "",
        "   ",
        "a..b",
        ".printer",
        "printer..",
        String(repeating: "x", count: 64),
        String(repeating: "x", count: 64) + ".lan.",
        "a\\",
        "a\\300",
        Array(repeating: String(repeating: "x", count: 60), count: 5).joined(separator: "."),  // > 255 bytes
    ])
    func invalidNames(_ text: String) throws {
        let error = zoneError { () throws(ZoneError) in try StaticName.relative(text, in: "lan.") }
        guard case .invalidName(let name, let why)? = error else {
            Issue.record("expected invalidName for \"\(text)\", got \(String(describing: error))")
            return
        }
        #expect(name == text)
        #expect(!why.isEmpty)
        #expect(error?.description == "\"\(text)\" is not a valid DNS name: \(why)")
    }

    @Test func sixtyThreeCharacterLabelsAreFine() throws {
        let label = String(repeating: "x", count: 63)
        #expect(try StaticName.relative(label, in: "lan.") == label)
        #expect(try StaticName.relative(label + ".lan.", in: "lan.") == label)
    }

    @Test func emptyNameSaysSo() {
        #expect(zoneError { () throws(ZoneError) in try StaticName.relative("", in: "lan.") }
                == .invalidName("", "the name is empty"))
    }
}

@Suite("ZoneError and HostRecord")
struct ZoneErrorTests {
    @Test(arguments: [
        (ZoneError.invalidName("a..b", "empty label"), "\"a..b\" is not a valid DNS name: empty label"),
        (.outsideZone("x.com.", "lan."), "\"x.com.\" is outside the zone lan."),
        (.invalidAddress("1.2.3"), "\"1.2.3\" is not an IPv4 or IPv6 address"),
        (.noAddresses("printer"), "\"printer\" needs at least one address"),
        (.notFound("printer"), "no host named \"printer\""),
        (.hostsFile(line: 3, "bad"), "line 3: bad"),
        (.store("disk full"), "database error: disk full"),
    ])
    func descriptions(_ error: ZoneError, _ expected: String) {
        #expect(error.description == expected)
        #expect("\(error)" == expected)
    }

    @Test(arguments: [
        ("printer", "printer.lan."),
        ("scanner.lab", "scanner.lab.lan."),
        ("@", "lan."),
        ("Laptop-Anna", "Laptop-Anna.lan."),
    ])
    func ownerName(_ name: String, _ expected: String) throws {
        let owner = try HostRecord(name: name, addresses: [], source: .static).ownerName(in: "lan.")
        #expect(owner.description == expected)
    }

    @Test func administrativeSources() {
        #expect(HostSource.allCases.filter(\.isAdministrative) == [.static, .config])
        #expect(HostSource.allCases.map(\.rawValue) == ["static", "config", "dhcp", "update"])
    }
}
