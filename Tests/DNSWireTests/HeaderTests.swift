import Testing
@testable import DNSWire

@Suite("Header")
struct HeaderTests {
    static func flags(_ header: Header) -> [UInt8] {
        let (b2, b3) = header.flagBytes
        return [b2, b3]
    }

    @Test func defaultsAreAllZero() {
        let header = Header()
        #expect(Self.flags(header) == [0, 0])
        #expect(header.id == 0)
        #expect(header.opcode == .query)
        #expect(Header.size == 12)
    }

    @Test(arguments: [
        (Header(isResponse: true), [0x80, 0x00]),
        (Header(opcode: .iquery), [0x08, 0x00]),
        (Header(opcode: .status), [0x10, 0x00]),
        (Header(opcode: .notify), [0x20, 0x00]),
        (Header(opcode: .update), [0x28, 0x00]),
        (Header(opcode: OpCode(rawValue: 15)), [0x78, 0x00]),
        (Header(authoritative: true), [0x04, 0x00]),
        (Header(truncated: true), [0x02, 0x00]),
        (Header(recursionDesired: true), [0x01, 0x00]),
        (Header(recursionAvailable: true), [0x00, 0x80]),
        (Header(z: true), [0x00, 0x40]),
        (Header(authenticData: true), [0x00, 0x20]),
        (Header(checkingDisabled: true), [0x00, 0x10]),
        (Header(rcode: 3), [0x00, 0x03]),
        (Header(rcode: 0x0F), [0x00, 0x0F]),
        (Header(isResponse: true, opcode: .update, authoritative: true, truncated: true, recursionDesired: true,
                recursionAvailable: true, z: true, authenticData: true, checkingDisabled: true, rcode: 0x0F),
         [0xAF, 0xFF]),
    ] as [(Header, [UInt8])])
    func eachFlagHasItsBit(header: Header, expected: [UInt8]) throws {
        #expect(Self.flags(header) == expected)
        let parsed = try Header(flagsFrom: [0, 0] + expected + [UInt8](repeating: 0, count: 8))
        #expect(parsed == header)
    }

    @Test func everyFlagCombinationRoundTrips() throws {
        var bytes = [UInt8](repeating: 0, count: 12)
        for b2 in 0...255 {
            for b3 in 0...255 {
                bytes[2] = UInt8(b2)
                bytes[3] = UInt8(b3)
                let header = try Header(flagsFrom: bytes)
                let (x, y) = header.flagBytes
                if x != UInt8(b2) || y != UInt8(b3) {
                    Issue.record("flags \(b2),\(b3) came back as \(x),\(y)")
                    return
                }
            }
        }
    }

    @Test func readsID() throws {
        let header = try Header(flagsFrom: [0xCA, 0xFE] + [UInt8](repeating: 0, count: 10))
        #expect(header.id == 0xCAFE)
    }

    @Test(arguments: 0..<12)
    func tooShortForAHeader(length: Int) {
        let error = wireError { try Header(flagsFrom: [UInt8](repeating: 0, count: length)) }
        #expect(error?.code == .truncated)
        #expect(error?.offset == 0)
    }

    @Test func rcodeIsMaskedToFourBits() {
        #expect(Header(rcode: 0x1F).rcode == 0x0F)
        #expect(Header(rcode: 0x10).rcode == 0)
    }
}

@Suite("EDNS")
struct EDNSTests {
    @Test func defaults() {
        let edns = EDNS()
        #expect(edns.udpPayloadSize == 1232)
        #expect(edns.extendedRCode == 0)
        #expect(edns.version == 0)
        #expect(!edns.dnssecOK)
        #expect(edns.z == 0)
        #expect(edns.options.isEmpty)
    }

    @Test(arguments: [
        (EDNS(), UInt32(0x0000_0000)),
        (EDNS(dnssecOK: true), 0x0000_8000),
        (EDNS(extendedRCode: 1), 0x0100_0000),
        (EDNS(version: 1), 0x0001_0000),
        (EDNS(z: 0x7FFF), 0x0000_7FFF),
        (EDNS(z: 0xFFFF), 0x0000_7FFF),                  // the DO bit cannot be set through z
        (EDNS(extendedRCode: 0xFF, version: 0xFF, dnssecOK: true, z: 0x7FFF), 0xFFFF_FFFF),
    ] as [(EDNS, UInt32)])
    func ttlLayout(edns: EDNS, ttl: UInt32) {
        let record = edns.record
        #expect(record.ttl == ttl)
        #expect(record.name == .root)
        #expect(record.type == .opt)
        #expect(record.recordClass.rawValue == edns.udpPayloadSize)
    }

    @Test func recordAndBack() throws {
        let edns = EDNS(udpPayloadSize: 4096, extendedRCode: 2, version: 1, dnssecOK: true, z: 0x1234,
                        options: [EDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])
        let record = edns.record
        #expect(record.data == .opt(edns.options))
        #expect(try EDNS(record: record, at: 0) == edns)
    }

    @Test func optWithNonRootOwnerIsRefused() {
        let record = ResourceRecord(name: "lan.", recordClass: RecordClass(1232), ttl: 0, data: .opt([]))
        let error = wireError { try EDNS(record: record, at: 40) }
        #expect(error?.code == .badOPT)
        #expect(error?.offset == 40)
    }

    @Test func nonOPTDataIsRefused() {
        let record = ResourceRecord(name: .root, ttl: 0, data: .a(IPv4Address(1, 2, 3, 4)))
        #expect(wireError { try EDNS(record: record, at: 0) }?.code == .badOPT)
    }

    @Test func serialisedOPTRecordBytes() {
        var writer = DNSWriter()
        EDNS(udpPayloadSize: 1400, version: 0, dnssecOK: true, options: [EDNSOption(code: 12, data: [0, 0])])
            .record.serialize(into: &writer)
        #expect(writer.bytes == [0x00, 0x00, 0x29, 0x05, 0x78, 0x00, 0x00, 0x80, 0x00, 0x00, 0x06,
                                 0x00, 0x0C, 0x00, 0x02, 0x00, 0x00])
    }
}
