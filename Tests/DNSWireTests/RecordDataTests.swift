import Testing
@testable import DNSWire

/// RDATA of every case with its uncompressed wire form.
let rdataTable: [(RecordData, [UInt8])] = [
    (.a(IPv4Address(192, 0, 2, 1)), [192, 0, 2, 1]),
    (.aaaa(IPv6Address("2001:db8::1")!), [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]),
    (.ns("ns1.lan."), wireName("ns1", "lan")),
    (.cname("Target.lan."), wireName("Target", "lan")),
    (.ptr("host.lan."), wireName("host", "lan")),
    (.soa(SOA(mname: "ns.lan.", rname: "admin.lan.", serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5)),
     wireName("ns", "lan") + wireName("admin", "lan") + be32(1) + be32(2) + be32(3) + be32(4) + be32(5)),
    (.mx(preference: 10, exchange: "mail.lan."), be16(10) + wireName("mail", "lan")),
    (.txt([Array("a=1".utf8), [], Array("bc".utf8)]), [3, 0x61, 0x3D, 0x31, 0, 2, 0x62, 0x63]),
    (.txt([Array(repeating: 0x78, count: 255)]), [255] + [UInt8](repeating: 0x78, count: 255)),
    (.txt([]), []),
    (.srv(priority: 1, weight: 2, port: 443, target: "web.lan."), be16(1) + be16(2) + be16(443) + wireName("web", "lan")),
    (.srv(priority: 0, weight: 0, port: 0, target: .root), [0, 0, 0, 0, 0, 0, 0]),
    (.opt([]), []),
    (.opt([EDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8]), EDNSOption(code: 12, data: [])]),
     be16(10) + be16(8) + [1, 2, 3, 4, 5, 6, 7, 8] + be16(12) + be16(0)),
    (.unknown(RecordType(65280), [0x01, 0xC0, 0x00, 0xFF]), [0x01, 0xC0, 0x00, 0xFF]),
    (.unknown(RecordType(65280), []), []),
    (.unknown(.hinfo, [1, 0x78, 1, 0x79]), [1, 0x78, 1, 0x79]),
    (.unknown(.ds, [0x30, 0x39, 13, 2, 0xAA]), [0x30, 0x39, 13, 2, 0xAA]),
]

@Suite("RecordData")
struct RecordDataTests {
    @Test(arguments: rdataTable)
    func serialisesToExpectedBytes(data: RecordData, wire: [UInt8]) {
        var writer = DNSWriter(compression: false)
        data.serialize(into: &writer)
        #expect(writer.bytes == wire)
    }

    @Test(arguments: rdataTable)
    func parsesExpectedBytes(data: RecordData, wire: [UInt8]) throws {
        // Surround the RDATA with other bytes: parsing uses exactly `length` bytes.
        let bytes = [0xEE, 0xEE] + wire + [0xDD]
        var reader = DNSReader(bytes, offset: 2)
        let parsed = try RecordData(parsing: &reader, type: data.type, length: wire.count)
        #expect(parsed == data)
        #expect(parsed.type == data.type)
        #expect(reader.offset == 2 + wire.count)
    }

    @Test(arguments: rdataTable)
    func resourceRecordRoundTrip(data: RecordData, wire: [UInt8]) throws {
        let record = ResourceRecord(name: "owner.lan.", recordClass: .in, ttl: 0x0102_0304, data: data)
        var writer = DNSWriter(compression: false)
        record.serialize(into: &writer)
        let expected = wireName("owner", "lan") + be16(data.type.rawValue) + be16(1) + be32(0x0102_0304)
            + be16(UInt16(wire.count)) + wire
        #expect(writer.bytes == expected)
        var reader = DNSReader(writer.bytes)
        let parsed = try ResourceRecord(parsing: &reader)
        #expect(parsed == record)
        #expect(parsed.type == data.type)
        #expect(reader.isAtEnd)
    }

    @Test func typeOfEachCase() {
        #expect(RecordData.a(IPv4Address(1, 1, 1, 1)).type == .a)
        #expect(RecordData.aaaa(IPv6Address("::")!).type == .aaaa)
        #expect(RecordData.ns(.root).type == .ns)
        #expect(RecordData.cname(.root).type == .cname)
        #expect(RecordData.ptr(.root).type == .ptr)
        #expect(RecordData.mx(preference: 0, exchange: .root).type == .mx)
        #expect(RecordData.txt([]).type == .txt)
        #expect(RecordData.srv(priority: 0, weight: 0, port: 0, target: .root).type == .srv)
        #expect(RecordData.opt([]).type == .opt)
        #expect(RecordData.unknown(RecordType(999), []).type.rawValue == 999)
    }

    @Test func namesInNSCNAMEPTRSOAMXAreCompressedSRVIsNot() throws {
        var writer = DNSWriter()
        writer.write(name: "host.lan.")  // 0..10, "lan." at 5
        let start = writer.count
        let cases: [(RecordData, [UInt8])] = [
            (.ns("host.lan."), [0xC0, 0x00]),
            (.cname("x.lan."), [0x01, 0x78, 0xC0, 0x05]),
            (.ptr("HOST.LAN."), [0xC0, 0x00]),
            (.mx(preference: 1, exchange: "lan."), [0x00, 0x01, 0xC0, 0x05]),
            (.soa(SOA(mname: "host.lan.", rname: "lan.", serial: 0, refresh: 0, retry: 0, expire: 0, minimum: 0)),
             [0xC0, 0x00, 0xC0, 0x05] + [UInt8](repeating: 0, count: 20)),
            (.srv(priority: 0, weight: 0, port: 53, target: "host.lan."), [0, 0, 0, 0, 0, 53] + wireName("host", "lan")),
        ]
        for (data, expected) in cases {
            writer.truncate(to: start)
            data.serialize(into: &writer)
            #expect(Array(writer.bytes[start...]) == expected, "\(data.type)")
            var reader = DNSReader(writer.bytes, offset: start)
            #expect(try RecordData(parsing: &reader, type: data.type, length: expected.count) == data)
        }
    }

    @Test func typeWithWrongLengthForAIsBadRecordData() {
        for length in [0, 3, 5, 16] {
            var reader = DNSReader([UInt8](repeating: 1, count: 16))
            #expect(wireError { try RecordData(parsing: &reader, type: .a, length: length) }?.code == .badRecordData)
        }
        for length in [0, 4, 15] {
            var reader = DNSReader([UInt8](repeating: 1, count: 17))
            #expect(wireError { try RecordData(parsing: &reader, type: .aaaa, length: length) }?.code == .badRecordData)
        }
    }

    @Test func lengthPastTheEndIsTruncated() {
        var reader = DNSReader([1, 2, 3])
        let error = wireError { try RecordData(parsing: &reader, type: RecordType(99), length: 4) }
        #expect(error?.code == .truncated)
        #expect(error?.offset == 0)
    }

    @Test(arguments: [
        // type, rdata bytes (RDLENGTH = count - extra), extra bytes after the RDATA
        (RecordType.ns, wireName("a", "lan"), 1),             // name longer than RDLENGTH
        (.ns, wireName("a", "lan") + [0], -1),                 // RDLENGTH longer than the name
        (.mx, be16(1) + wireName("a"), -2),
        (.txt, [3, 0x61, 0x62, 0x63], 2),                       // string crosses the end of RDATA
        (.srv, be16(1) + be16(2) + be16(3) + [0], -1),
        (.soa, wireName("a") + wireName("b") + [UInt8](repeating: 0, count: 20), 1),
        (.opt, be16(10) + be16(4) + [1, 2, 3, 4], 2),           // option crosses the end of RDATA
        (.opt, be16(10), 0),                                     // option header cut in two
    ] as [(RecordType, [UInt8], Int)])
    func contentDisagreeingWithLengthIsRefused(type: RecordType, bytes: [UInt8], extra: Int) {
        // `extra` > 0: RDLENGTH is that much shorter than the content; < 0: that much longer.
        let length = bytes.count - extra
        var reader = DNSReader(bytes + [UInt8](repeating: 0, count: 8))
        let error = wireError { try RecordData(parsing: &reader, type: type, length: length) }
        #expect(error?.code == .badRecordData, "\(type): \(String(describing: error))")
    }

    @Test func characterStringsAreNotJoined() throws {
        let data = RecordData.txt([Array("hello ".utf8), Array("world".utf8)])
        var writer = DNSWriter()
        data.serialize(into: &writer)
        var reader = DNSReader(writer.bytes)
        guard case .txt(let strings) = try RecordData(parsing: &reader, type: .txt, length: writer.count) else {
            Issue.record("not TXT")
            return
        }
        #expect(strings.count == 2)
        #expect(strings.map { String(decoding: $0, as: UTF8.self) } == ["hello ", "world"])
    }

    @Test func soaFields() throws {
        let soa = SOA(mname: "ns.lan.", rname: "hostmaster.lan.", serial: 0xFFFF_FFFF, refresh: 1, retry: 2,
                      expire: 3, minimum: 4)
        var writer = DNSWriter(compression: false)
        RecordData.soa(soa).serialize(into: &writer)
        var reader = DNSReader(writer.bytes)
        let parsed = try RecordData(parsing: &reader, type: .soa, length: writer.count)
        guard case .soa(let back) = parsed else {
            Issue.record("not SOA")
            return
        }
        #expect(back.mname == "ns.lan.")
        #expect(back.rname == "hostmaster.lan.")
        #expect(back.serial == 0xFFFF_FFFF)
        #expect(back.refresh == 1)
        #expect(back.retry == 2)
        #expect(back.expire == 3)
        #expect(back.minimum == 4)
    }
}
