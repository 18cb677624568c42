import Testing
@testable import DNSWire

@Suite("Question and ResourceRecord")
struct ResourceRecordTests {
    @Test func questionBytes() throws {
        let question = Question(name: "Printer.lan.", type: .aaaa, recordClass: .chaos)
        var writer = DNSWriter()
        question.serialize(into: &writer)
        #expect(writer.bytes == wireName("Printer", "lan") + be16(28) + be16(3))
        var reader = DNSReader(writer.bytes)
        let parsed = try Question(parsing: &reader)
        #expect(parsed == question)
        #expect(parsed.name.description == "Printer.lan.")
        #expect(parsed.type == .aaaa)
        #expect(parsed.recordClass == .chaos)
        #expect(reader.isAtEnd)
    }

    @Test func questionDefaultsToClassIN() {
        #expect(Question(name: "a.lan.", type: .a).recordClass == .in)
    }

    @Test func questionWithUnknownTypeAndClass() throws {
        let bytes = wireName("x") + be16(65280) + be16(4242)
        var reader = DNSReader(bytes)
        let question = try Question(parsing: &reader)
        #expect(question.type.rawValue == 65280)
        #expect(question.type.description == "TYPE65280")
        #expect(question.recordClass.description == "CLASS4242")
    }

    @Test func questionCutShort() {
        var reader = DNSReader(wireName("x") + be16(1) + [0])
        let error = wireError { try Question(parsing: &reader) }
        #expect(error?.code == .truncated)
        #expect(error?.reason.contains("QCLASS") == true)
    }

    @Test func recordFields() throws {
        let bytes = wireName("host", "lan") + rrFixed(type: 1, class: 1, ttl: 0xFFFF_FFFF, rdlength: 4) + [10, 9, 8, 7]
        var reader = DNSReader(bytes)
        let record = try ResourceRecord(parsing: &reader)
        #expect(record.name == "host.lan.")
        #expect(record.type == .a)
        #expect(record.recordClass == .in)
        #expect(record.ttl == 0xFFFF_FFFF)
        #expect(record.data == .a(IPv4Address(10, 9, 8, 7)))
        #expect(reader.isAtEnd)
        var writer = DNSWriter()
        record.serialize(into: &writer)
        #expect(writer.bytes == bytes)
    }

    @Test func recordTypeFollowsData() {
        var record = ResourceRecord(name: "a.lan.", ttl: 1, data: .a(IPv4Address(1, 2, 3, 4)))
        #expect(record.type == .a)
        #expect(record.recordClass == .in)
        record.data = .txt([[0x61]])
        #expect(record.type == .txt)
    }

    @Test func rdlengthIsPatchedAfterCompressedRDATA() throws {
        var writer = DNSWriter()
        writer.write(name: "mail.lan.")
        let start = writer.count
        ResourceRecord(name: "lan.", ttl: 60, data: .mx(preference: 5, exchange: "mail.lan.")).serialize(into: &writer)
        // owner "lan." -> pointer to 5; RDATA = preference + pointer to 0 = 4 bytes.
        #expect(Array(writer.bytes[start...]) == [0xC0, 0x05] + rrFixed(type: 15, ttl: 60, rdlength: 4) + [0, 5, 0xC0, 0x00])
        var reader = DNSReader(writer.bytes, offset: start)
        let parsed = try ResourceRecord(parsing: &reader)
        #expect(parsed.data == .mx(preference: 5, exchange: "mail.lan."))
        #expect(parsed.name == "lan.")
    }

    @Test(arguments: [
        (wireName("a"), "a name"),
        (wireName("a") + [0, 1], "TYPE cut"),
        (wireName("a") + [0, 1, 0, 1, 0, 0], "TTL cut"),
        (wireName("a") + [0, 1, 0, 1, 0, 0, 0, 0, 0], "RDLENGTH cut"),
        (wireName("a") + rrFixed(type: 1, rdlength: 4) + [1, 2, 3], "RDATA cut"),
    ] as [([UInt8], String)])
    func recordCutShort(bytes: [UInt8], what: String) {
        var reader = DNSReader(bytes)
        #expect(wireError { try ResourceRecord(parsing: &reader) }?.code == .truncated, "\(what)")
    }

    // Regression test (was a bug): RDATA longer than 65535 bytes cannot be represented in RDLENGTH, and
    // ResourceRecord.serialize(into:) traps in `UInt16(writer.count - lengthAt - 2)` instead of
    // failing cleanly (DNSWireError.Code.messageTooLarge exists for this but is never thrown).
    // Message.serialize traps the same way in `UInt16(answers.count)` for more than 65535 records.
    // The body runs in a child process so the trap cannot take the test run down with it.
    @Test func oversizedRDATADoesNotCrashTheProcess() async {
        await #expect(processExitsWith: .success) {
            let record = ResourceRecord(name: "big.lan.", ttl: 0,
                                        data: .unknown(RecordType(65280), [UInt8](repeating: 0, count: 70_000)))
            var writer = DNSWriter()
            record.serialize(into: &writer)
            _ = writer.count
        }
    }
}
