import DNSWire
import LANZone
import Testing

@testable import DNSServer

/// The server's protocol rules, bytes in and bytes out, no sockets.
@Suite struct QueryResponderTests {
    static let snapshot: ZoneSnapshot = {
        var hosts = [
            HostRecord(name: "printer", addresses: [IPAddress("198.51.100.20")!], source: .static),
            HostRecord(name: "Laptop-Anna", addresses: [IPAddress("198.51.100.21")!, IPAddress("2001:db8::21")!], source: .static),
        ]
        hosts.append(HostRecord(name: "big", addresses: (1...60).map { IPAddress("198.51.100.\($0 + 100)")! }, source: .static))
        return ZoneSnapshot(config: ZoneConfig(serverAddresses: [IPAddress("198.51.100.1")!]), hosts: hosts,
                            state: ZoneState(serial: 42, generation: 1))
    }()

    func query(_ name: String, _ type: RecordType, id: UInt16 = 0x1234, edns: EDNS? = nil, opcode: OpCode = .query,
               rd: Bool = true) -> [UInt8] {
        Message(header: Header(id: id, opcode: opcode, recursionDesired: rd),
                questions: [Question(name: try! DomainName(name), type: type)], edns: edns).serialize()
    }

    func respond(_ bytes: [UInt8], _ transport: QueryResponder.Transport = .udp) throws -> Message {
        let reply = try #require(QueryResponder.respond(to: bytes, snapshot: Self.snapshot, transport: transport))
        return try Message(bytes: reply)
    }

    @Test func answersAWithAuthorityAndEchoesTheQuery() throws {
        let response = try respond(query("printer.lan.", .a))
        #expect(response.header.id == 0x1234)
        #expect(response.header.isResponse)
        #expect(response.header.authoritative)
        #expect(response.header.recursionDesired)
        #expect(!response.header.recursionAvailable)
        #expect(!response.header.z)
        #expect(response.rcode == .noError)
        #expect(response.answers.map(\.data) == [.a(IPv4Address("198.51.100.20")!)])
        #expect(response.edns == nil)
    }

    @Test func keepsTheQuestionsCase() throws {
        let bytes = query("PrInTeR.LaN.", .a)
        let reply = try #require(QueryResponder.respond(to: bytes, snapshot: Self.snapshot, transport: .udp))
        // The question section is byte for byte the one asked.
        #expect(Array(reply[12..<(12 + 13 + 4)]) == Array(bytes[12..<(12 + 13 + 4)]))
        let response = try Message(bytes: reply)
        #expect(response.answers.first?.name.description == "PrInTeR.LaN.")
    }

    @Test func nxDomainCarriesTheSOA() throws {
        let response = try respond(query("nope.lan.", .a))
        #expect(response.rcode == .nxDomain)
        #expect(response.header.authoritative)
        #expect(response.answers.isEmpty)
        guard case .soa(let soa) = response.authorities.first?.data else {
            Issue.record("no SOA in authority")
            return
        }
        #expect(soa.serial == 42)
    }

    @Test func noDataCarriesTheSOA() throws {
        let response = try respond(query("printer.lan.", .aaaa))
        #expect(response.rcode == .noError)
        #expect(response.answers.isEmpty)
        #expect(response.authorities.first?.type == .soa)
    }

    @Test func refusesNamesOutsideTheLocalZones() throws {
        let response = try respond(query("www.example.com.", .a))
        #expect(response.rcode == .refused)
        #expect(!response.header.authoritative)
        #expect(response.questions.first?.name == "www.example.com.")
    }

    @Test(arguments: [OpCode.iquery, .status, .notify, .update, OpCode(rawValue: 15)])
    func unknownOpcodesGetNotImp(opcode: OpCode) throws {
        let response = try respond(query("printer.lan.", .a, opcode: opcode))
        #expect(response.rcode == .notImp)
        #expect(response.header.opcode == opcode)
    }

    @Test func unknownEDNSVersionGetsBadVers() throws {
        let response = try respond(query("printer.lan.", .a, edns: EDNS(udpPayloadSize: 1232, version: 1)))
        #expect(response.rcode == .badVers)
        #expect(response.header.rcode == 0)
        #expect(response.edns?.extendedRCode == 1)
        #expect(response.edns?.version == 0)
    }

    @Test func ednsIsAnsweredWithEDNSAndTheDOBitCopied() throws {
        let response = try respond(query("printer.lan.", .a, edns: EDNS(udpPayloadSize: 4096, dnssecOK: true)))
        #expect(response.edns?.udpPayloadSize == QueryResponder.advertisedPayload)
        #expect(response.edns?.dnssecOK == true)
    }

    @Test func bigAnswersAreTruncatedToTheClientsSizeOverUDP() throws {
        // 60 A records: ~ 60 * 16 + header: over 512, under 1232.
        let plain = try respond(query("big.lan.", .a))
        #expect(plain.header.truncated)
        #expect(plain.answers.isEmpty)
        #expect(plain.questions.count == 1)

        let small = try respond(query("big.lan.", .a, edns: EDNS(udpPayloadSize: 512)))
        #expect(small.header.truncated)
        #expect(small.edns != nil)

        let large = try respond(query("big.lan.", .a, edns: EDNS(udpPayloadSize: 1232)))
        #expect(!large.header.truncated)
        #expect(large.answers.count == 60)

        let tcp = try respond(query("big.lan.", .a), .tcp)
        #expect(!tcp.header.truncated)
        #expect(tcp.answers.count == 60)
    }

    @Test func tinyEDNSSizesCountAs512() throws {
        let response = try respond(query("printer.lan.", .a, edns: EDNS(udpPayloadSize: 100)))
        #expect(!response.header.truncated)
        #expect(response.answers.count == 1)
    }

    @Test func malformedBodyWithReadableHeaderGetsFormErr() throws {
        var bytes = query("printer.lan.", .a)
        bytes.removeLast(3)  // cut the question's type and class
        let response = try respond(bytes)
        #expect(response.rcode == .formErr)
        #expect(response.header.id == 0x1234)
    }

    @Test func compressionLoopGetsFormErr() throws {
        // Header, QDCOUNT 1, then a name that is a pointer to itself.
        let bytes: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]
        let response = try respond(bytes)
        #expect(response.rcode == .formErr)
        #expect(response.header.id == 0xABCD)
        #expect(response.questions.isEmpty)
    }

    @Test func unreadableQueriesAndResponsesAreDropped() {
        #expect(QueryResponder.respond(to: [1, 2, 3, 4, 5], snapshot: Self.snapshot, transport: .udp) == nil)
        #expect(QueryResponder.respond(to: [], snapshot: Self.snapshot, transport: .udp) == nil)
        var response = query("printer.lan.", .a)
        response[2] |= 0x80  // QR
        #expect(QueryResponder.respond(to: response, snapshot: Self.snapshot, transport: .udp) == nil)
    }

    @Test func twoQuestionsGetFormErr() throws {
        let bytes = Message(header: Header(id: 7), questions: [
            Question(name: "printer.lan.", type: .a), Question(name: "printer.lan.", type: .aaaa),
        ]).serialize()
        #expect(try respond(bytes).rcode == .formErr)
    }

    @Test func noQuestionGetsFormErr() throws {
        let bytes = Message(header: Header(id: 7)).serialize()
        #expect(try respond(bytes).rcode == .formErr)
    }

    @Test func zoneTransfersAreRefused() throws {
        #expect(try respond(query("lan.", .axfr), .tcp).rcode == .refused)
        #expect(try respond(query("lan.", .ixfr), .tcp).rcode == .refused)
    }

    @Test func otherMetaTypesGetNotImpAndOPTGetsFormErr() throws {
        #expect(try respond(query("lan.", RecordType(253))).rcode == .notImp)  // MAILB
        #expect(try respond(query("lan.", .opt)).rcode == .formErr)
    }

    @Test func chaosClassIsRefused() throws {
        let bytes = Message(header: Header(id: 9), questions: [
            Question(name: "version.bind.", type: .txt, recordClass: .chaos),
        ]).serialize()
        #expect(try respond(bytes).rcode == .refused)
    }

    @Test func zBitInTheQueryIsNotEchoed() throws {
        var bytes = query("printer.lan.", .a)
        bytes[3] |= 0x40
        let response = try respond(bytes)
        #expect(!response.header.z)
        #expect(response.answers.count == 1)
    }

    @Test func checkingDisabledIsCopied() throws {
        var bytes = query("printer.lan.", .a)
        bytes[3] |= 0x10
        #expect(try respond(bytes).header.checkingDisabled)
    }
}
