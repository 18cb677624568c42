import Testing
@testable import DNSWire

@Suite("RecordType, RecordClass, OpCode, ResponseCode")
struct RecordTypeTests {
    @Test(arguments: [
        (RecordType.a, "A", 1), (.ns, "NS", 2), (.cname, "CNAME", 5), (.soa, "SOA", 6), (.ptr, "PTR", 12),
        (.hinfo, "HINFO", 13), (.mx, "MX", 15), (.txt, "TXT", 16), (.aaaa, "AAAA", 28), (.srv, "SRV", 33),
        (.opt, "OPT", 41), (.ds, "DS", 43), (.rrsig, "RRSIG", 46), (.dnskey, "DNSKEY", 48), (.https, "HTTPS", 65),
        (.ixfr, "IXFR", 251), (.axfr, "AXFR", 252), (.any, "ANY", 255),
    ] as [(RecordType, String, UInt16)])
    func knownTypes(type: RecordType, text: String, raw: UInt16) {
        #expect(type.rawValue == raw)
        #expect(type.description == text)
        #expect(RecordType(text: text) == type)
        #expect(RecordType(text: text.lowercased()) == type)
        #expect(RecordType(text: "TYPE\(raw)") == type)
        #expect(RecordType(rawValue: raw) == type)
    }

    @Test(arguments: [(UInt16(0), "TYPE0"), (3, "TYPE3"), (99, "TYPE99"), (65280, "TYPE65280"), (65535, "TYPE65535")])
    func unknownTypesPrintInRFC3597Form(raw: UInt16, text: String) {
        #expect(RecordType(raw).description == text)
        #expect(RecordType(text: text)?.rawValue == raw)
    }

    @Test(arguments: [
        ("TYPE65280", UInt16(65280)), ("type65280", 65280), ("Type28", 28), ("TYPE1", 1), ("TYPE0", 0),
        ("TYPE65535", 65535), ("aaaa", 28), ("Srv", 33), ("https", 65), ("TYPE001", 1),
    ])
    func parsesText(text: String, raw: UInt16) {
        #expect(RecordType(text: text)?.rawValue == raw)
    }

    @Test(arguments: ["", "TYPE", "TYPE65536", "TYPE-1", "TYPEx", "AAA", " A", "A ", "TYPE 1", "CLASS1", "TYPE1.5"])
    func rejectsText(text: String) {
        #expect(RecordType(text: text) == nil)
    }

    // Regression test (was a bug): RecordType(text:) hands the digits to UInt16(_:), which also accepts a sign, so
    // "TYPE+1" is read as type 1 (A). RFC 3597 sec. 5 allows only decimal digits after "TYPE".
    @Test func signedNumberAfterTYPEIsRejected() {
        #expect(RecordType(text: "TYPE+1") == nil)
    }

    @Test func everyValuePrintsAndParsesBack() {
        for raw in UInt16.min...UInt16.max {
            let type = RecordType(raw)
            if RecordType(text: type.description) != type {
                Issue.record("\(raw) prints as \(type.description), which does not parse back")
                return
            }
        }
    }

    @Test func metaTypes() {
        #expect(RecordType.opt.isMetaType)
        #expect(RecordType.ixfr.isMetaType)
        #expect(RecordType.axfr.isMetaType)
        #expect(RecordType.any.isMetaType)
        #expect(RecordType(128).isMetaType)
        #expect(!RecordType(127).isMetaType)
        #expect(!RecordType(256).isMetaType)
        #expect(!RecordType.a.isMetaType)
        #expect(!RecordType.soa.isMetaType)
        #expect(!RecordType(65280).isMetaType)
    }

    @Test(arguments: [
        (RecordClass.in, "IN", 1), (.chaos, "CH", 3), (.none, "NONE", 254), (.any, "ANY", 255),
        (RecordClass(2), "CLASS2", 2), (RecordClass(4), "CLASS4", 4), (RecordClass(1232), "CLASS1232", 1232),
        (RecordClass(0), "CLASS0", 0), (RecordClass(65535), "CLASS65535", 65535),
    ] as [(RecordClass, String, UInt16)])
    func classes(recordClass: RecordClass, text: String, raw: UInt16) {
        #expect(recordClass.description == text)
        #expect(recordClass.rawValue == raw)
        #expect(RecordClass(rawValue: raw) == recordClass)
    }

    @Test(arguments: [
        (OpCode.query, "QUERY", UInt8(0)), (.iquery, "IQUERY", 1), (.status, "STATUS", 2), (.notify, "NOTIFY", 4),
        (.update, "UPDATE", 5), (OpCode(rawValue: 3), "OPCODE3", 3), (OpCode(rawValue: 15), "OPCODE15", 15),
    ] as [(OpCode, String, UInt8)])
    func opcodes(opcode: OpCode, text: String, raw: UInt8) {
        #expect(opcode.description == text)
        #expect(opcode.rawValue == raw)
    }

    @Test func opcodeIsMaskedToFourBits() {
        #expect(OpCode(rawValue: 0x14) == .notify)
        #expect(OpCode(rawValue: 0xF0) == .query)
    }

    @Test(arguments: [
        (ResponseCode.noError, "NOERROR", UInt16(0)), (.formErr, "FORMERR", 1), (.servFail, "SERVFAIL", 2),
        (.nxDomain, "NXDOMAIN", 3), (.notImp, "NOTIMP", 4), (.refused, "REFUSED", 5), (.notAuth, "NOTAUTH", 9),
        (.badVers, "BADVERS", 16), (.yxDomain, "YXDOMAIN", 6), (.yxRRset, "YXRRSET", 7), (.nxRRset, "NXRRSET", 8),
        (.notZone, "NOTZONE", 10), (ResponseCode(rawValue: 11), "RCODE11", 11), (ResponseCode(rawValue: 4095), "RCODE4095", 4095),
    ] as [(ResponseCode, String, UInt16)])
    func responseCodes(rcode: ResponseCode, text: String, raw: UInt16) {
        #expect(rcode.description == text)
        #expect(rcode.rawValue == raw)
    }

    @Test func responseCodeIsMaskedToTwelveBits() {
        #expect(ResponseCode(rawValue: 0xF010) == .badVers)
        #expect(ResponseCode(rawValue: 0x1000) == .noError)
    }
}
