import DNSWire
import LANZone
import Testing

@testable import ZoneTransfer

/// Zone transfers without sockets: packing (`TransferStream`), answering (`TransferResponder`),
/// reading (`TransferReader`), which messages the transfer service takes, and the `[transfer]`
/// settings. The suites are nested here so that `--filter TransferTests` runs them all.
enum TransferTests {}

/// The zones the transfer tests serve: `lan.` and its reverse zones, store serial 100.
enum XferZone {
    static let serial: UInt32 = 100
    static let config = ZoneConfig(origin: "lan.", serverAddresses: [address("192.168.1.1")], hostTTL: 300, negativeTTL: 30)
    static let lan: DomainName = "lan."
    static let v4: DomainName = "168.192.in-addr.arpa."

    static func address(_ text: String) -> IPAddress {
        guard let address = IPAddress(text) else { preconditionFailure("bad address literal \(text)") }
        return address
    }

    static func host(_ name: String, _ addresses: String..., ptr: Bool = true) -> HostRecord {
        HostRecord(name: name, addresses: addresses.map(address), source: .static, publishesPTR: ptr)
    }

    static let hosts = [
        host("printer", "192.168.1.20"),
        host("laptop", "192.168.1.21", "fd00::21"),
        host("scanner.lab", "192.168.1.30"),
    ]

    static func snapshot(_ hosts: [HostRecord] = hosts, serial: UInt32 = serial) -> ZoneSnapshot {
        ZoneSnapshot(config: config, hosts: hosts, state: ZoneState(serial: serial, generation: 1))
    }

    static func a(_ owner: String, _ text: String, ttl: UInt32 = 300) -> ResourceRecord {
        ResourceRecord(name: try! DomainName(owner), ttl: ttl, data: .a(IPv4Address(text)!))
    }

    static func soa(_ apex: String = "lan.", serial: UInt32) -> ResourceRecord {
        ResourceRecord(name: try! DomainName(apex), ttl: 300,
                       data: .soa(SOA(mname: "ns.lan.", rname: "hostmaster.lan.", serial: serial, refresh: 3600,
                                      retry: 600, expire: 604_800, minimum: 30)))
    }

    /// A transfer request: AXFR, or IXFR when `clientSerial` is given (the client's SOA in the
    /// authority section, RFC 1995 sec. 3).
    static func request(_ apex: String = "lan.", type: RecordType = .axfr, id: UInt16 = 0x4242,
                        clientSerial: UInt32? = nil) -> Message {
        var message = Message(header: Header(id: id), questions: [Question(name: try! DomainName(apex), type: type)])
        if let clientSerial { message.authorities = [soa(apex, serial: clientSerial)] }
        return message
    }

    /// One record as `owner TTL TYPE RDATA`.
    static func show(_ record: ResourceRecord) -> String {
        let rdata: String
        switch record.data {
        case .a(let a): rdata = a.description
        case .aaaa(let a): rdata = a.description
        case .ns(let name), .ptr(let name), .cname(let name): rdata = name.description
        case .soa(let soa): rdata = "\(soa.serial)"
        default: rdata = "\(record.data)"
        }
        return "\(record.name) \(record.ttl) \(record.type) \(rdata)"
    }

    /// A response message as the server would send it.
    static func response(id: UInt16 = 0x4242, rcode: ResponseCode = .noError, question: String? = "lan.",
                         type: RecordType = .axfr, _ answers: [ResourceRecord]) -> [UInt8] {
        var message = Message(header: Header(id: id, isResponse: true, authoritative: true),
                              questions: question.map { [Question(name: try! DomainName($0), type: type)] } ?? [],
                              answers: answers)
        message.rcode = rcode
        return message.serialize()
    }
}

extension TransferTests {
    @Suite("Transfer: packing records into messages")
    struct Stream {
        static let question = Question(name: "lan.", type: .axfr)
        static let query = Header(id: 0xBEEF, opcode: .query, recursionDesired: true)

        func pack(_ records: [ResourceRecord], limit: Int = 16_384) -> [[UInt8]] {
            var stream = TransferStream(answering: Self.query, question: Self.question, limit: limit)
            for record in records { stream.append(record) }
            return stream.finish()
        }

        @Test func aSmallZoneIsOneMessage() throws {
            let records = try #require(XferZone.snapshot().transferRecords(of: XferZone.lan)) + [XferZone.soa(serial: 100)]
            let messages = pack(records)
            #expect(messages.count == 1)
            let message = try Message(bytes: messages[0])
            #expect(message.header.id == 0xBEEF)
            #expect(message.header.isResponse)
            #expect(message.header.authoritative)
            #expect(message.header.opcode == .query)
            #expect(!message.header.truncated)
            #expect(message.rcode == .noError)
            #expect(message.questions == [Self.question])
            #expect(message.answers == records)
            #expect(message.authorities.isEmpty && message.additionals.isEmpty && message.edns == nil)
        }

        @Test func nothingToSendIsOneMessageWithTheQuestion() throws {
            let messages = pack([])
            #expect(messages.count == 1)
            let message = try Message(bytes: messages[0])
            #expect(message.questions == [Self.question])
            #expect(message.answers.isEmpty)
        }

        static let manyRecords: [ResourceRecord] = (0..<5_000).map { index in
            XferZone.a("host\(index).lan.", "10.\(index / 65_536).\(index / 256 % 256).\(index % 256)")
        }

        @Test(arguments: [16_384, 4_096, 1_024, 512])
        func manyRecordsSpreadOverMessagesOfBoundedSize(limit: Int) throws {
            let records = [XferZone.soa(serial: 7)] + Self.manyRecords + [XferZone.soa(serial: 7)]
            let messages = pack(records, limit: limit)
            // Room is left in every message for the TSIG record added after packing.
            let room = limit - TransferStream.tsigRoom
            #expect(messages.count > 1)
            #expect(messages.allSatisfy { $0.count <= room })
            let parsed = try messages.map { try Message(bytes: $0) }
            #expect(parsed.first?.questions == [Self.question])
            #expect(parsed.dropFirst().allSatisfy { $0.questions.isEmpty })
            #expect(parsed.allSatisfy { $0.header.id == 0xBEEF && $0.header.isResponse && $0.header.authoritative })
            #expect(parsed.allSatisfy { !$0.answers.isEmpty })
            let received = parsed.flatMap(\.answers)
            #expect(received.count == records.count)
            #expect(received == records)
            // Messages are filled: each but the last would have overflowed with the next record.
            for (message, next) in zip(parsed, parsed.dropFirst()) {
                var fuller = message
                fuller.answers.append(next.answers[0])
                #expect(fuller.serialize().count > room)
            }
        }

        @Test func aRecordLargerThanTheRoomGoesAloneInItsMessage() throws {
            // 10 bytes of room: no record fits, so each message holds exactly one.
            let records = Array(Self.manyRecords.prefix(5))
            let messages = pack(records, limit: TransferStream.tsigRoom + 10)
            #expect(messages.count == 5)
            let parsed = try messages.map { try Message(bytes: $0) }
            #expect(parsed.map(\.answers) == records.map { [$0] })
            #expect(parsed.map(\.questions.count) == [1, 0, 0, 0, 0])
        }

        @Test func namesAreCompressedWithinAMessage() throws {
            let records = Array(Self.manyRecords.prefix(100))
            let compressed = pack(records)
            let plain = Message(header: Header(id: 0xBEEF, isResponse: true, authoritative: true), questions: [Self.question],
                                answers: records).serialize(compression: false)
            #expect(compressed.count == 1)
            // Each owner's `lan.` (5 bytes) becomes a pointer (2 bytes).
            #expect(compressed[0].count == plain.count - 100 * 3)
        }
    }
}
