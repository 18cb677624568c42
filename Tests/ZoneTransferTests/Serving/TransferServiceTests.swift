import DNSWire
import LANZone
import Testing

@testable import ZoneTransfer

extension TransferTests {
    /// Which messages leave the query fast path for the transfer service.
    @Suite("Transfer: messages the transfer service claims")
    struct Claims {
        static let keyText = "xfr-key:hmac-sha256:Czt4cvAZiJhf9tYe+gghwMSTmM875KcWNoq1kcC3IpE="

        static func query(_ type: RecordType, _ name: String = "lan.", opcode: OpCode = .query, response: Bool = false,
                          edns: EDNS? = nil, authorities: [ResourceRecord] = [], additionals: [ResourceRecord] = []) -> [UInt8] {
            Message(header: Header(id: 0x1234, isResponse: response, opcode: opcode, recursionDesired: true),
                    questions: [Question(name: try! DomainName(name), type: type)], authorities: authorities,
                    additionals: additionals, edns: edns).serialize()
        }

        static func signed(_ bytes: [UInt8]) -> [UInt8] {
            let auth = TransferAuth(key: try! TSIGKey.parse(keyText))
            let (signed, mac) = auth.sign(bytes)
            precondition(mac != nil && signed.count > bytes.count, "the test key did not sign")
            return signed
        }

        /// `bytes` with one more record at the end of the additional section.
        static func appending(_ record: ResourceRecord, to bytes: [UInt8]) -> [UInt8] {
            var writer = DNSWriter(compression: false)
            _ = record.serialize(into: &writer)
            return withCounts(bytes + writer.bytes, additional: (Int(bytes[10]) << 8 | Int(bytes[11])) + 1)
        }

        static func withCounts(_ bytes: [UInt8], additional: Int) -> [UInt8] {
            var out = bytes
            out[10] = UInt8(additional >> 8)
            out[11] = UInt8(additional & 0xFF)
            return out
        }

        static let cases: [(String, [UInt8], Bool)] = [
            ("AXFR", query(.axfr), true),
            ("AXFR of a reverse zone", query(.axfr, "168.192.in-addr.arpa."), true),
            ("IXFR", query(.ixfr, authorities: [XferZone.soa(serial: 100)]), true),
            ("IXFR with EDNS", query(.ixfr, edns: EDNS(), authorities: [XferZone.soa(serial: 100)]), true),
            ("NOTIFY", query(.soa, opcode: .notify), true),
            ("NOTIFY with the new SOA", Message(header: Header(id: 7, opcode: .notify, authoritative: true),
                                                questions: [Question(name: "lan.", type: .soa)],
                                                answers: [XferZone.soa(serial: 101)]).serialize(), true),
            ("TSIG-signed SOA query", signed(query(.soa)), true),
            ("TSIG-signed A query with EDNS", signed(query(.a, "printer.lan.", edns: EDNS())), true),
            ("TSIG-signed NOTIFY", signed(query(.soa, opcode: .notify)), true),
            ("TSIG-signed AXFR", signed(query(.axfr)), true),

            ("plain A query", query(.a, "printer.lan."), false),
            ("A query with EDNS", query(.a, "printer.lan.", edns: EDNS(udpPayloadSize: 4096, dnssecOK: true)), false),
            ("SOA query", query(.soa), false),
            ("ANY query", query(.any), false),
            ("PTR query", query(.ptr, "20.1.168.192.in-addr.arpa."), false),
            ("a query with an ordinary additional record", query(.soa, additionals: [XferZone.a("ns.lan.", "192.168.1.1")]), false),
            ("an AXFR response", query(.axfr, response: true), false),
            ("a NOTIFY response", query(.soa, opcode: .notify, response: true), false),
            ("UPDATE (handed to the update service)", query(.soa, opcode: .update), true),
            ("a header alone", Array(query(.axfr).prefix(12)), false),
            ("a question cut short", Array(query(.axfr).prefix(16)), false),
            ("a TSIG cut short", Array(signed(query(.soa)).dropLast()), false),
            ("a TSIG followed by another record", appending(XferZone.a("ns.lan.", "192.168.1.1"), to: signed(query(.soa))), false),
            ("more additional records counted than sent", withCounts(query(.soa, edns: EDNS()), additional: 2), false),
            ("a name with a label past the end", [0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                                   0x3F, 0x61, 0x62], false),
            ("fewer bytes than a header", [0x12, 0x34, 0x00], false),
            ("nothing", [], false),
        ]

        @Test(arguments: cases)
        func claims(_ what: String, _ bytes: [UInt8], _ expected: Bool) {
            #expect(TransferService.claims(bytes) == expected, "\(what)")
        }

        @Test func twoQuestionsAreNotATransfer() {
            let bytes = Message(header: Header(id: 1), questions: [Question(name: "lan.", type: .axfr),
                                                                  Question(name: "lan.", type: .a)]).serialize()
            #expect(!TransferService.claims(bytes))
        }

        @Test func aSignedQueryIsOneTheKeyVerifies() throws {
            // The signature the claims test relies on is a real one.
            let auth = TransferAuth(key: try TSIGKey.parse(Self.keyText))
            let signed = Self.signed(Self.query(.soa))
            func kind(_ incoming: TransferAuth.Incoming) -> String {
                switch incoming {
                case .open: "open"
                case .unsigned: "unsigned"
                case .signed: "signed"
                case .rejected(_, let why): "rejected: \(why)"
                }
            }
            #expect(kind(auth.checkRequest(signed, errorBase: { [] })) == "signed")
            #expect(kind(auth.checkRequest(Self.query(.soa), errorBase: { [] })) == "unsigned")
            #expect(kind(TransferAuth.none.checkRequest(Self.query(.soa), errorBase: { [] })) == "open")
        }
    }
}
