import DNSWire
import Testing
@testable import LANZone

@Suite("HostsFile.parse")
struct HostsFileParseTests {
    @Test func commentsTabsAndBlankLines() throws {
        let text = "# office hosts\n"
            + "198.51.100.20\tprinter laser   # the HP in the hall\n"
            + "\n"
            + "   \t  \n"
            + "  2001:db8::21   Laptop-Anna\n"
            + "198.51.100.21\t\tLaptop-Anna\tanna # trailing comment\n"
            + "#198.51.100.99 commented-out\n"
            + "198.51.100.30 scanner.lab"  // no final newline
        let entries = try HostsFile.parse(text)
        #expect(entries.map(\.line) == [2, 5, 6, 8])
        #expect(entries.map(\.address) == ips("198.51.100.20", "2001:db8::21", "198.51.100.21", "198.51.100.30"))
        #expect(entries.map(\.names) == [["printer", "laser"], ["Laptop-Anna"], ["Laptop-Anna", "anna"], ["scanner.lab"]])
    }

    /// A file written on Windows: every line ends in CR LF. Swift's `Character` treats "\r\n" as
    /// one grapheme, so it never equals "\n" or "\r".
    @Test func crlfLineEndings() throws {
        // Regression test (was a bug): HostsFile.parse splits the String on the Character "\n" and fields on "\r", but
        // "\r\n" is a single Character that is neither: a CRLF file is read as one line, so names
        // swallow the following lines ("printer\r\n198.51.100.21") and a leading comment hides
        // the whole file.
        let entries = try HostsFile.parse("198.51.100.20 printer\r\n198.51.100.21 scanner\r\n")
        #expect(entries == [
            HostsFile.Entry(line: 1, address: ip("198.51.100.20"), names: ["printer"]),
            HostsFile.Entry(line: 2, address: ip("198.51.100.21"), names: ["scanner"]),
        ])

        let commented = try HostsFile.parse("# office hosts\r\n198.51.100.20\tprinter laser # hall\r\n\r\n198.51.100.30 nas\r\n")
        #expect(commented.map(\.line) == [2, 4])
        #expect(commented.map(\.names) == [["printer", "laser"], ["nas"]])
        #expect(!commented.flatMap(\.names).contains { $0.contains("\r") || $0.contains("\n") })

        // Blank CRLF lines are blank lines.
        #expect(try HostsFile.parse("\r\n\r\n").isEmpty)
    }

    @Test(arguments: [
        // (text, line of the error, message)
        ("198.51.100.20 printer\r\n010.1.1.1 octal\r\n", 2, "\"010.1.1.1\" is not an IPv4 or IPv6 address"),
        ("198.51.100.20 printer\r\n# comment\r\n198.51.100.21 # scanner\r\n", 3,
         "an address needs at least one name after it"),
        ("198.51.100.20 printer\n2001:db8::1\t\r\n", 2, "an address needs at least one name after it"),
    ])
    func crlfErrorsNameTheirLine(_ text: String, _ line: Int, _ message: String) {
        // Regression test (was a bug): same CRLF defect as in crlfLineEndings: the bad line is not seen as a line of its
        // own (or "\r\n" is taken as a name), so no error is thrown.
        let error = zoneError { () throws(ZoneError) in try HostsFile.parse(text) }
        #expect(error == .hostsFile(line: line, message))
    }

    @Test(arguments: ["", "\n", "\n\n\n", "# only a comment", "   # indented comment\n\n"])
    func nothingToRead(_ text: String) throws {
        #expect(try HostsFile.parse(text).isEmpty)
    }

    @Test func commentRightAfterTheName() throws {
        let entries = try HostsFile.parse("198.51.100.20 printer#hall\n")
        #expect(entries == [HostsFile.Entry(line: 1, address: ip("198.51.100.20"), names: ["printer"])])
    }

    @Test(arguments: [
        // (text, line, field)
        ("198.51.100.300 printer\n", 1, "198.51.100.300"),
        ("198.51.100.20 printer\n\n# x\nprinter 198.51.100.20\n", 4, "printer"),
        ("198.51.100.20 printer\n010.1.1.1 octal\n", 2, "010.1.1.1"),
        ("198.51.100.20 printer\n2001:db8:::1 broken\n", 2, "2001:db8:::1"),
        ("\n\n\n\n198.51.100 short\n", 5, "198.51.100"),
    ])
    func badAddressNamesItsLine(_ text: String, _ line: Int, _ field: String) {
        let error = zoneError { () throws(ZoneError) in try HostsFile.parse(text) }
        #expect(error == .hostsFile(line: line, "\"\(field)\" is not an IPv4 or IPv6 address"))
        #expect(error?.description == "line \(line): \"\(field)\" is not an IPv4 or IPv6 address")
    }

    @Test(arguments: [
        ("198.51.100.20\n", 1),
        ("198.51.100.20 printer\n198.51.100.21   \n", 2),
        ("198.51.100.20 printer\n# comment\n198.51.100.21 # scanner\n", 3),
        ("198.51.100.20 printer\n2001:db8::1\t\n", 2),
        ("198.51.100.20 printer\n2001:db8::1\r", 2),  // a lone CR is a field separator
    ])
    func addressWithoutNameIsAnError(_ text: String, _ line: Int) {
        let error = zoneError { () throws(ZoneError) in try HostsFile.parse(text) }
        #expect(error == .hostsFile(line: line, "an address needs at least one name after it"))
    }
}

@Suite("HostsFile.hosts")
struct HostsFileHostsTests {
    func hosts(_ text: String, origin: DomainName = "lan.", source: HostSource = .static) throws
        -> (hosts: [HostRecord], skipped: [String]) {
        HostsFile.hosts(from: try HostsFile.parse(text), origin: origin, source: source)
    }

    @Test func aNameOnTwoLinesGetsBothAddresses() throws {
        let (hosts, skipped) = try hosts("""
            198.51.100.21 laptop-anna
            2001:db8::21 laptop-anna
            198.51.100.21 laptop-anna
            """)
        #expect(skipped.isEmpty)
        #expect(hosts == [HostRecord(name: "laptop-anna", addresses: ips("198.51.100.21", "2001:db8::21"), source: .static)])
    }

    @Test func firstNamePublishesThePTRAndAliasesDoNot() throws {
        let (hosts, _) = try hosts("""
            198.51.100.20 printer laser hp.lan
            198.51.100.30 scanner
            """)
        #expect(hosts.map(\.name) == ["printer", "laser", "hp", "scanner"])
        #expect(hosts.map(\.publishesPTR) == [true, false, false, true])
        #expect(hosts.map(\.addresses) == [ips("198.51.100.20"), ips("198.51.100.20"), ips("198.51.100.20"), ips("198.51.100.30")])
        #expect(hosts.allSatisfy { $0.source == .static && $0.mac == nil && $0.leaseEnd == nil })
    }

    @Test func aliasThatIsACanonicalNameElsewherePublishesItsPTR() throws {
        let (hosts, _) = try hosts("""
            198.51.100.20 printer laser
            198.51.100.21 laser
            """)
        let laser = try #require(hosts.first { $0.name == "laser" })
        #expect(laser.publishesPTR)
        #expect(laser.addresses == ips("198.51.100.20", "198.51.100.21"))
    }

    @Test func namesMergeIgnoringCaseAndKeepTheFirstSpelling() throws {
        let (hosts, _) = try hosts("""
            198.51.100.21 Laptop-Anna
            2001:db8::21 laptop-anna.lan.
            """)
        #expect(hosts.count == 1)
        #expect(hosts.first?.name == "Laptop-Anna")
        #expect(hosts.first?.addresses == ips("198.51.100.21", "2001:db8::21"))
    }

    @Test func debianDefaultLinesAreSkippedAndReported() throws {
        let etcHosts = """
            127.0.0.1\tlocalhost
            127.0.1.1\toffice-box.example.org\toffice-box

            # The following lines are desirable for IPv6 capable hosts
            ::1     localhost ip6-localhost ip6-loopback
            ff02::1 ip6-allnodes
            ff02::2 ip6-allrouters
            198.51.100.20 printer

            """
        let (hosts, skipped) = try hosts(etcHosts)
        #expect(hosts == [HostRecord(name: "printer", addresses: ips("198.51.100.20"), source: .static)])
        #expect(skipped == [
            "line 1: 127.0.0.1 is a loopback or multicast address",
            "line 2: 127.0.1.1 is a loopback or multicast address",
            "line 5: ::1 is a loopback or multicast address",
            "line 6: ff02::1 is a loopback or multicast address",
            "line 7: ff02::2 is a loopback or multicast address",
        ])
    }

    @Test func namesOutsideTheZoneAreSkippedAndReported() throws {
        let (hosts, skipped) = try hosts("""
            198.51.100.30 nas.example.org. nas
            198.51.100.31 printer.lan. bad..name
            """)
        #expect(hosts.map(\.name) == ["nas", "printer"])
        #expect(hosts.map(\.addresses) == [ips("198.51.100.30"), ips("198.51.100.31")])
        #expect(skipped.count == 2)
        #expect(skipped.first == "line 1: \"nas.example.org.\" is outside the zone lan.")
        #expect(skipped.last?.hasPrefix("line 2: \"bad..name\" is not a valid DNS name: ") == true)
    }

    @Test func sourceAndOriginAreApplied() throws {
        let (hosts, skipped) = try hosts("""
            192.168.1.20 printer.home.arpa printer
            192.168.1.21 scanner
            """, origin: "home.arpa.", source: .config)
        #expect(skipped.isEmpty)
        #expect(hosts.map(\.name) == ["printer", "scanner"])
        #expect(hosts.map(\.source) == [.config, .config])
        #expect(hosts.first?.publishesPTR == true)
    }

    /// Hosts files hold single labels or full names: a dotted name is never made relative.
    @Test func dottedNamesAreFullNames() throws {
        let (hosts, skipped) = try hosts("""
            192.168.1.21 scanner.lan
            192.168.1.22 lab.scanner.home.arpa
            """, origin: "home.arpa.")
        #expect(hosts.map(\.name) == ["lab.scanner"])
        #expect(skipped == ["line 1: \"scanner.lan\" is outside the zone home.arpa."])
    }

    @Test func crlfFileImportsTheSameHostsAsAnLFOne() throws {
        let lf = try hosts("198.51.100.20 printer\n198.51.100.21 scanner laser\n")
        #expect(lf.hosts.map(\.name) == ["printer", "scanner", "laser"])
        // Regression test (was a bug): with CR LF line ends the file is one line (see HostsFileParseTests.crlfLineEndings):
        // this imports a host named "printer\013\010198.51.100.21" with 198.51.100.20, and
        // `scanner` as an alias of 198.51.100.20 without a PTR.
        let crlf = try hosts("198.51.100.20 printer\r\n198.51.100.21 scanner laser\r\n")
        #expect(crlf.hosts == lf.hosts)
        #expect(crlf.skipped.isEmpty)
    }

    @Test func importedHostsServeTheirPTRs() throws {
        let (hosts, _) = try hosts("""
            198.51.100.20 printer laser
            """)
        let snapshot = ZoneSnapshot(config: ZoneConfig(), hosts: hosts, state: ZoneState(serial: 1, generation: 1))
        #expect(render(snapshot.answer(Question(name: "20.100.51.198.in-addr.arpa.", type: .ptr)))
                == "answer 20.100.51.198.in-addr.arpa. 60 PTR printer.lan.")
        #expect(render(snapshot.answer(Question(name: "laser.lan.", type: .a)))
                == "answer laser.lan. 60 A 198.51.100.20")
    }
}
