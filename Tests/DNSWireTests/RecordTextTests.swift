import Testing
@testable import DNSWire

@Suite("RecordText: zone-file lines")
struct RecordTextTests {
    let origin: DomainName = "dyn.example.net."

    @Test(arguments: [
        ("@ A 203.0.113.7", "dyn.example.net. 300 IN A 203.0.113.7"),
        ("shop 60 AAAA 2001:db8::7", "shop.dyn.example.net. 60 IN AAAA 2001:db8::7"),
        ("www IN CNAME shop", "www.dyn.example.net. 300 IN CNAME shop.dyn.example.net."),
        ("@ MX 10 mail.example.org.", "dyn.example.net. 300 IN MX 10 mail.example.org."),
        ("@ TXT \"v=spf1 -all\" \"second\"", "dyn.example.net. 300 IN TXT \"v=spf1 -all\" \"second\""),
        ("@ TXT say\\\"hi", "dyn.example.net. 300 IN TXT \"say\\\"hi\""),
        ("_sip._tcp SRV 10 5 5060 sip", "_sip._tcp.dyn.example.net. 300 IN SRV 10 5 5060 sip.dyn.example.net."),
        ("@ CAA 0 issue \"letsencrypt.org\"", "dyn.example.net. 300 IN CAA 0 issue \"letsencrypt.org\""),
        ("sub NS ns.other.org.", "sub.dyn.example.net. 300 IN NS ns.other.org."),
        ("absolute.example.org. 1 PTR x.example.org.", "absolute.example.org. 1 IN PTR x.example.org."),
    ])
    func parsesAndFormats(line: String, expected: String) throws {
        let record = try RecordText.parse(line, origin: origin, defaultTTL: 300)
        #expect(RecordText.format(record) == expected)
        // What `format` writes reads back as the same record.
        #expect(try RecordText.parse(RecordText.format(record), origin: .root, defaultTTL: 0) == record)
    }

    @Test func caaIsWrittenAsRFC8659Says() throws {
        let record = try RecordText.parse("@ CAA 128 iodef \"mailto:x@example.net\"", origin: origin, defaultTTL: 60)
        guard case .unknown(let type, let bytes) = record.data else { Issue.record("CAA data"); return }
        #expect(type == .caa)
        #expect(Array(bytes.prefix(7)) == [128, 5] + Array("iodef".utf8))
        #expect(Array(bytes.dropFirst(7)) == Array("mailto:x@example.net".utf8))
    }

    @Test(arguments: [
        ("", "expected"), ("www", "expected"), ("www A", "should be one IPv4"), ("www BOGUS 1", "unknown record type"),
        ("www A 1.2.3", "not an IPv4"), ("www AAAA 1.2.3.4", "not an IPv6"), ("www MX 10", "PREFERENCE EXCHANGE"),
        ("www MX x mail", "not a number"), ("www TXT \"open", "unterminated"), ("www CAA 0 is-sue x", "1-15 letters"),
        ("www SOA a b 1 2 3 4 5", "cannot be written"), ("a..b A 1.2.3.4", "not a valid owner"),
        ("www 9999999999 A 1.2.3.4", "BOGUS"),
    ])
    func refusesWithAReason(line: String, words: String) {
        do {
            let record = try RecordText.parse(line, origin: origin, defaultTTL: 60)
            // A TTL too large for 32 bits is not a TTL: the line has no type where one is expected.
            Issue.record("parsed \(line) as \(record)")
        } catch {
            if words != "BOGUS" { #expect(error.description.contains(words), "\(error.description)") }
        }
    }

    @Test func longTXTStringsAreRefused() {
        #expect(throws: RecordText.Failure.self) {
            try RecordText.parse("@ TXT " + String(repeating: "x", count: 256), origin: origin, defaultTTL: 60)
        }
    }
}
