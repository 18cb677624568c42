import Testing
@testable import DNSWire

@Suite("Message: golden bytes")
struct GoldenMessageTests {
    @Test func queryParsesFieldByField() throws {
        let message = try Message(bytes: Golden.query)

        let h = message.header
        #expect(h.id == 0x8A3F)
        #expect(h.isResponse == false)
        #expect(h.opcode == .query)
        #expect(h.authoritative == false)
        #expect(h.truncated == false)
        #expect(h.recursionDesired == true)
        #expect(h.recursionAvailable == false)
        #expect(h.z == false)
        #expect(h.authenticData == true)
        #expect(h.checkingDisabled == false)
        #expect(h.rcode == 0)

        #expect(message.questions.count == 1)
        let q = try #require(message.questions.first)
        #expect(q.name == "www.example.com.")
        #expect(q.name.description == "www.example.com.")
        #expect(q.name.wire == wireName("www", "example", "com"))
        #expect(q.type == .a)
        #expect(q.recordClass == .in)

        #expect(message.answers.isEmpty)
        #expect(message.authorities.isEmpty)
        // The OPT record is lifted out of the additional section.
        #expect(message.additionals.isEmpty)

        let edns = try #require(message.edns)
        #expect(edns.udpPayloadSize == 1232)
        #expect(edns.extendedRCode == 0)
        #expect(edns.version == 0)
        #expect(edns.dnssecOK == true)
        #expect(edns.z == 0)
        #expect(edns.options == [EDNSOption(code: 10, data: Golden.cookie)])

        #expect(message.rcode == .noError)
    }

    @Test func queryIsRebuiltByteForByte() throws {
        let message = try Message(bytes: Golden.query)
        #expect(message.serialize() == Golden.query)
        // Nothing in it can be compressed, so both modes give the same bytes.
        #expect(message.serialize(compression: false) == Golden.query)
    }

    @Test func queryBuiltFromScratchMatchesGoldenBytes() {
        let message = Message(
            header: Header(id: 0x8A3F, recursionDesired: true, authenticData: true),
            questions: [Question(name: "www.example.com.", type: .a)],
            edns: EDNS(udpPayloadSize: 1232, dnssecOK: true, options: [EDNSOption(code: 10, data: Golden.cookie)])
        )
        #expect(message.serialize() == Golden.query, "\(hex(message.serialize()))")
    }

    @Test func responseParsesFieldByField() throws {
        let bytes = Golden.response
        // The annotated pointers really are there.
        #expect(Array(bytes[33...34]) == [0xC0, 0x0C])
        #expect(Array(bytes[49...50]) == [0xC0, 0x10])
        #expect(Array(bytes[65...66]) == [0xC0, 0x10])
        #expect(Array(bytes[78...79]) == [0xC0, 0x10])

        let message = try Message(bytes: bytes)
        let h = message.header
        #expect(h.id == 0x8A3F)
        #expect(h.isResponse)
        #expect(h.opcode == .query)
        #expect(h.authoritative)
        #expect(!h.truncated)
        #expect(h.recursionDesired)
        #expect(h.recursionAvailable)
        #expect(!h.z)
        #expect(!h.authenticData)
        #expect(!h.checkingDisabled)
        #expect(h.rcode == 0)
        #expect(message.rcode == .noError)

        #expect(message.questions == [Question(name: "www.example.com.", type: .a, recordClass: .in)])

        #expect(message.answers.count == 1)
        let answer = try #require(message.answers.first)
        #expect(answer.name == "www.example.com.")
        #expect(answer.name.wire == wireName("www", "example", "com"))
        #expect(answer.type == .a)
        #expect(answer.recordClass == .in)
        #expect(answer.ttl == 3600)
        #expect(answer.data == .a(IPv4Address(93, 184, 215, 14)))

        #expect(message.authorities.count == 1)
        let authority = try #require(message.authorities.first)
        #expect(authority.name == "example.com.")
        #expect(authority.name.wire == wireName("example", "com"))
        #expect(authority.type == .soa)
        #expect(authority.recordClass == .in)
        #expect(authority.ttl == 3600)
        guard case .soa(let soa) = authority.data else {
            Issue.record("authority is not an SOA: \(authority.data)")
            return
        }
        #expect(soa.mname == "ns1.example.com.")
        #expect(soa.mname.wire == wireName("ns1", "example", "com"))
        #expect(soa.rname == "hostmaster.example.com.")
        #expect(soa.rname.wire == wireName("hostmaster", "example", "com"))
        #expect(soa.serial == 2_024_112_501)
        #expect(soa.refresh == 7200)
        #expect(soa.retry == 3600)
        #expect(soa.expire == 1_209_600)
        #expect(soa.minimum == 300)

        #expect(message.additionals.isEmpty)
        let edns = try #require(message.edns)
        #expect(edns == EDNS(udpPayloadSize: 1232, extendedRCode: 0, version: 0, dnssecOK: true, z: 0, options: []))
    }

    @Test func responseIsRebuiltByteForByte() throws {
        let message = try Message(bytes: Golden.response)
        let again = message.serialize()
        #expect(again == Golden.response, "\(hex(again))")
    }

    @Test func responseWithoutCompressionIsLongerAndEquivalent() throws {
        let message = try Message(bytes: Golden.response)
        let plain = message.serialize(compression: false)
        // 4 names were pointers: www.example.com (2 -> 17), example.com (2 -> 13),
        // ns1.example.com (6 -> 17), hostmaster.example.com (13 -> 24).
        #expect(plain.count == Golden.response.count + 15 + 11 + 11 + 11)
        // Every name is now written out in full.
        #expect(contains(plain, [0xC0, 0x0C]) == false)
        #expect(contains(plain, [0xC0, 0x10]) == false)
        #expect(contains(plain, wireName("example", "com") + be16(6)))
        #expect(contains(plain, wireName("ns1", "example", "com") + wireName("hostmaster", "example", "com")))
        let reparsed = try Message(bytes: plain)
        #expect(reparsed == message)
        // The SOA's RDLENGTH grew from 39 to 17 + 24 + 20 = 61 (it follows owner 13 + 8 bytes).
        var writer = DNSWriter(compression: false)
        reparsed.authorities[0].serialize(into: &writer)
        #expect(Array(writer.bytes[21...22]) == [0x00, 61])
    }
}

@Suite("Message: EDNS and RCODE")
struct EDNSMessageTests {
    @Test func badVersSplitsAcrossHeaderAndOPT() throws {
        var message = Message(header: Header(id: 1, isResponse: true), questions: [Question(name: "lan.", type: .soa)])
        #expect(message.edns == nil)
        message.rcode = .badVers
        #expect(message.rcode == .badVers)
        #expect(message.rcode.rawValue == 16)
        #expect(message.header.rcode == 0)
        let edns = try #require(message.edns, "setting an extended RCODE adds an OPT record")
        #expect(edns.extendedRCode == 1)
        #expect(edns.udpPayloadSize == 1232)

        let bytes = message.serialize()
        #expect(bytes[3] & 0x0F == 0, "header RCODE bits are 0 for BADVERS")
        // OPT is the last 11 bytes: root, TYPE, CLASS, TTL (ext rcode first), RDLENGTH.
        let opt = Array(bytes.suffix(11))
        #expect(opt == [0x00, 0x00, 0x29, 0x04, 0xD0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00])

        let parsed = try Message(bytes: bytes)
        #expect(parsed.rcode == .badVers)
        #expect(parsed.header.rcode == 0)
        #expect(parsed.edns?.extendedRCode == 1)
        #expect(parsed == message)
    }

    @Test func settingSmallRCodeClearsExtendedBits() throws {
        var message = Message(edns: EDNS(extendedRCode: 1))
        #expect(message.rcode == .badVers)
        message.rcode = .nxDomain
        #expect(message.header.rcode == 3)
        #expect(message.edns?.extendedRCode == 0)
        #expect(message.rcode == .nxDomain)
    }

    @Test func settingSmallRCodeDoesNotAddOPT() {
        var message = Message()
        message.rcode = .refused
        #expect(message.edns == nil)
        #expect(message.header.rcode == 5)
        #expect(message.rcode == .refused)
        #expect(message.serialize()[3] == 0x05)
    }

    @Test(arguments: [
        (UInt8(0), UInt8(0), UInt16(0)),
        (3, 0, 3),
        (0, 1, 16),
        (5, 1, 21),
        (0x0F, 0xFF, 0x0FFF),
    ])
    func rcodeGetterCombinesHeaderAndOPT(header low: UInt8, opt high: UInt8, expected: UInt16) {
        let message = Message(header: Header(rcode: low), edns: EDNS(extendedRCode: high))
        #expect(message.rcode.rawValue == expected)
    }

    @Test func rcodeWithoutOPTIsHeaderOnly() {
        let message = Message(header: Header(rcode: 2))
        #expect(message.rcode == .servFail)
    }

    @Test func rcodeSetterRoundTripsEveryValue() throws {
        for raw in UInt16(0)...0x0FFF {
            var message = Message()
            message.rcode = ResponseCode(rawValue: raw)
            #expect(message.rcode.rawValue == raw)
            #expect(message.header.rcode == UInt8(raw & 0x0F))
            if raw > 0x0F {
                #expect(message.edns?.extendedRCode == UInt8(raw >> 4))
            }
            let parsed = try Message(bytes: message.serialize())
            #expect(parsed.rcode.rawValue == raw)
        }
    }

    @Test func parsesExtendedRCodeVersionAndFlagsFromWire() throws {
        let bytes = header(flags: 0x8000, ar: 1)
            + [0x00]                    // root
            + be16(41) + be16(4096)     // OPT, payload 4096
            + [0x01, 0x01, 0xC0, 0x01]  // ext rcode 1, version 1, DO=1 and Z=0x4001
            + be16(0)
        let message = try Message(bytes: bytes)
        let edns = try #require(message.edns)
        #expect(edns.udpPayloadSize == 4096)
        #expect(edns.extendedRCode == 1)
        #expect(edns.version == 1)
        #expect(edns.dnssecOK)
        #expect(edns.z == 0x4001)
        #expect(edns.options.isEmpty)
        #expect(message.header.rcode == 0)
        #expect(message.rcode == .badVers)
        #expect(message.serialize() == bytes)
    }

    @Test func optionsAreKeptInOrderByteForByte() throws {
        let options = [
            EDNSOption(code: 10, data: Golden.cookie + Array(repeating: 0xAA, count: 16)),  // COOKIE with server part
            EDNSOption(code: 12, data: []),                                                // PADDING, empty
            EDNSOption(code: 8, data: [0x00, 0x01, 0x18, 0x00, 0xC0, 0x00, 0x02]),         // ECS 192.0.2/24
            EDNSOption(code: 0xFDE9, data: [0xFF]),                                        // local/experimental
        ]
        let message = Message(questions: [Question(name: "x.lan.", type: .a)],
                              edns: EDNS(udpPayloadSize: 512, version: 0, dnssecOK: false, options: options))
        let bytes = message.serialize()
        let parsed = try Message(bytes: bytes)
        #expect(parsed.edns?.options == options)
        #expect(parsed.edns?.udpPayloadSize == 512)
        #expect(parsed.edns?.dnssecOK == false)
        #expect(parsed == message)
        // RDLENGTH = sum of (4 + data) = 28 + 4 + 11 + 5
        #expect(Array(bytes[(bytes.count - 48 - 2)..<(bytes.count - 48)]) == [0x00, 48])
    }

    @Test func optGoesLastAndOtherAdditionalsStay() throws {
        // OPT first in the additional section, then an A record.
        let bytes = header(flags: 0x8400, ar: 2)
            + [0x00] + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 0)
            + wireName("ns", "lan") + rrFixed(type: 1, rdlength: 4) + [10, 0, 0, 1]
        let message = try Message(bytes: bytes)
        #expect(message.additionals.count == 1)
        #expect(message.additionals.first?.data == .a(IPv4Address(10, 0, 0, 1)))
        #expect(message.edns?.udpPayloadSize == 1232)
        let out = message.serialize()
        #expect(Array(out[10...11]) == [0x00, 0x02], "ARCOUNT still counts the OPT record")
        #expect(Array(out.suffix(11)) == [0x00] + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 0))
        #expect(try Message(bytes: out) == message)
    }

    @Test func messageWithoutOPTHasNoEDNS() throws {
        let bytes = header(qd: 1) + wireName("a", "lan") + be16(1) + be16(1)
        let message = try Message(bytes: bytes)
        #expect(message.edns == nil)
        #expect(message.serialize() == bytes)
    }

    @Test func optInAnswerSectionIsAnOrdinaryRecord() throws {
        // Not lifted (only the additional section carries EDNS) and kept as it is.
        let bytes = header(an: 1) + [0x00] + rrFixed(type: 41, class: 512, ttl: 0, rdlength: 4) + [0, 3, 0, 0]
        let message = try Message(bytes: bytes)
        #expect(message.edns == nil)
        #expect(message.answers.first?.data == .opt([EDNSOption(code: 3, data: [])]))
        #expect(message.serialize() == bytes)
    }
}

/// One value of every RecordData case (several of some).
let roundTripSamples: [RecordData] = [
    .a(IPv4Address(192, 168, 1, 10)),
    .aaaa(IPv6Address("2001:db8::1")!),
    .ns("ns1.home.lan."),
    .cname("host.home.lan."),
    .ptr("host.home.lan."),
    .soa(SOA(mname: "ns1.home.lan.", rname: "hostmaster.home.lan.", serial: 2_024_112_501,
             refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)),
    .mx(preference: 10, exchange: "mail.home.lan."),
    .txt([Array("v=spf1 -all".utf8), [], Array("second string".utf8), Array(repeating: 0x41, count: 255)]),
    .srv(priority: 1, weight: 2, port: 5060, target: "sip.home.lan."),
    .opt([EDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8]), EDNSOption(code: 12, data: [])]),
    .unknown(RecordType(65280), [0xDE, 0xAD, 0xBE, 0xEF]),
    .unknown(RecordType(65280), []),
    .unknown(.hinfo, [3, 0x50, 0x43, 0x31, 5, 0x4C, 0x69, 0x6E, 0x75, 0x78]),
    .unknown(.https, [0x00, 0x01, 0x00]),
    // Looks like a compression pointer: must not be touched (RFC 3597 sec. 4).
    .unknown(RecordType(4242), [0xC0, 0x0C]),
]

let unknownSamples: [RecordData] = roundTripSamples.filter {
    if case .unknown = $0 { return true }
    return false
}

@Suite("Message: round trips and compression")
struct MessageRoundTripTests {
    static let owner: DomainName = "host.home.lan."

    /// The record goes in the answer, authority and (unless it is OPT, which would become the
    /// message's EDNS) additional sections, each time with an owner under the question name.
    static func message(with data: RecordData) -> Message {
        Message(
            header: Header(id: 0x4242, isResponse: true, authoritative: true),
            questions: [Question(name: owner, type: data.type)],
            answers: [ResourceRecord(name: owner, ttl: 600, data: data)],
            authorities: [ResourceRecord(name: "home.lan.", ttl: 600, data: data)],
            additionals: data.type == .opt
                ? [] : [ResourceRecord(name: "other.home.lan.", recordClass: .chaos, ttl: 0, data: data)],
            edns: EDNS()
        )
    }

    @Test(arguments: roundTripSamples, [true, false])
    func parseSerializeParse(data: RecordData, compression: Bool) throws {
        let original = Self.message(with: data)
        let bytes = original.serialize(compression: compression)
        let parsed = try Message(bytes: bytes)
        #expect(parsed == original)
        #expect(parsed.answers.first?.data == data)
        #expect(parsed.authorities.first?.data == data)
        if data.type != .opt {
            #expect(parsed.additionals.first?.data == data)
            #expect(parsed.additionals.first?.recordClass == .chaos)
        }
        // Serialising the parsed message gives the same bytes again, in both modes.
        #expect(parsed.serialize(compression: compression) == bytes)
        let other = parsed.serialize(compression: !compression)
        #expect(try Message(bytes: other) == original)
        if !compression {
            #expect(bytes.count >= other.count)
        }
    }

    @Test(arguments: unknownSamples)
    func unknownDataKeptByteForByte(data: RecordData) throws {
        guard case .unknown(let type, let raw) = data else {
            Issue.record("not an unknown sample")
            return
        }
        let bytes = Self.message(with: data).serialize()
        let parsed = try Message(bytes: bytes)
        guard case .unknown(let parsedType, let parsedRaw) = parsed.answers[0].data else {
            Issue.record("type \(type) was not kept as unknown")
            return
        }
        #expect(parsedType == type)
        #expect(parsedRaw == raw)
        #expect(parsed.answers[0].type == type)
    }

    @Test func compressionShortensRepeatedNames() throws {
        let names: [DomainName] = ["a.home.lan.", "b.home.lan.", "c.home.lan.", "a.home.lan."]
        let message = Message(
            header: Header(id: 7, isResponse: true),
            questions: [Question(name: "home.lan.", type: .soa)],
            answers: names.enumerated().map { index, name in
                ResourceRecord(name: name, ttl: 60, data: .a(IPv4Address(10, 0, 0, UInt8(index + 1))))
            } + [ResourceRecord(name: "home.lan.", ttl: 60, data: .mx(preference: 5, exchange: "b.home.lan."))]
        )
        let compressed = message.serialize()
        let plain = message.serialize(compression: false)
        #expect(compressed.count < plain.count)
        // No data byte reaches 0xC0 here, so any such byte starts a pointer.
        #expect(!plain.contains { $0 >= 0xC0 })
        #expect(compressed.contains { $0 >= 0xC0 })

        // Walk the compressed bytes: question at 12 is home.lan. (10 bytes + 4).
        var offset = 12 + 10 + 4
        // a.home.lan. -> "a" + pointer to 12
        #expect(Array(compressed[offset..<(offset + 4)]) == [0x01, 0x61, 0xC0, 0x0C])
        let firstA = offset
        offset += 4 + 10 + 4
        #expect(Array(compressed[offset..<(offset + 4)]) == [0x01, 0x62, 0xC0, 0x0C])
        let firstB = offset
        offset += 4 + 10 + 4
        #expect(Array(compressed[offset..<(offset + 4)]) == [0x01, 0x63, 0xC0, 0x0C])
        offset += 4 + 10 + 4
        // The second a.home.lan. is one pointer to the first.
        #expect(Array(compressed[offset..<(offset + 2)]) == [0xC0, UInt8(firstA)])
        offset += 2 + 10 + 4
        // MX: owner is a pointer to the question, the exchange a pointer to b.home.lan.
        #expect(Array(compressed[offset..<(offset + 2)]) == [0xC0, 0x0C])
        #expect(Array(compressed.suffix(4)) == [0x00, 0x05, 0xC0, UInt8(firstB)])
        #expect(offset + 2 + 10 + 4 == compressed.count)

        #expect(try Message(bytes: compressed) == message)
        #expect(try Message(bytes: plain) == message)
    }

    @Test func compressionIsCaseInsensitiveAndParsingKeepsTheFirstSpelling() throws {
        let message = Message(
            questions: [Question(name: "Host.Home.LAN.", type: .a)],
            answers: [ResourceRecord(name: "host.home.lan.", ttl: 1, data: .cname("HOST.HOME.LAN."))]
        )
        let bytes = message.serialize()
        // 12 + 15 (name) + 4, then the answer owner is a pointer.
        #expect(Array(bytes[31...32]) == [0xC0, 0x0C])
        // RDATA is a single pointer too: RDLENGTH 2.
        #expect(Array(bytes.suffix(4)) == [0x00, 0x02, 0xC0, 0x0C])
        let parsed = try Message(bytes: bytes)
        #expect(parsed == message)
        #expect(parsed.answers[0].name.description == "Host.Home.LAN.")
    }

    @Test func srvTargetIsNeverCompressedButMXExchangeIs() throws {
        let message = Message(
            questions: [Question(name: "sip.lan.", type: .a)],
            answers: [
                ResourceRecord(name: "_sip._udp.lan.", ttl: 1,
                               data: .srv(priority: 0, weight: 0, port: 5060, target: "sip.lan.")),
                ResourceRecord(name: "lan.", ttl: 1, data: .mx(preference: 1, exchange: "sip.lan.")),
            ]
        )
        let bytes = message.serialize()
        // SRV RDATA: 6 bytes + the full name "sip.lan." (9 bytes), RDLENGTH 15.
        let srvName = wireName("sip", "lan")
        let srvRData = be16(0) + be16(0) + be16(5060) + srvName
        #expect(bytes.indices.contains { i in
            i + srvRData.count + 2 <= bytes.count && Array(bytes[i..<(i + 2 + srvRData.count)]) == be16(15) + srvRData
        })
        // MX RDATA: preference + pointer to the question name.
        #expect(Array(bytes.suffix(6)) == [0x00, 0x04, 0x00, 0x01, 0xC0, 0x0C])
        #expect(try Message(bytes: bytes) == message)
    }

    @Test func everyTypeMessageRoundTrips() throws {
        let message = Golden.everyType
        let compressed = message.serialize()
        let plain = message.serialize(compression: false)
        #expect(compressed.count < plain.count)
        #expect(try Message(bytes: compressed) == message)
        #expect(try Message(bytes: plain) == message)
        #expect(try Message(bytes: compressed).serialize() == compressed)
    }

    @Test func emptyMessageIsJustAHeader() throws {
        let message = Message(header: Header(id: 0xFFFF, isResponse: true, opcode: .notify, rcode: 4))
        let bytes = message.serialize()
        #expect(bytes == [0xFF, 0xFF, 0xA0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0])
        let parsed = try Message(bytes: bytes)
        #expect(parsed == message)
        #expect(parsed.header.opcode == .notify)
        #expect(parsed.rcode == .notImp)
    }

    @Test func serializeIntoExistingWriterAppends() throws {
        var writer = DNSWriter()
        Message(header: Header(id: 9), questions: [Question(name: "a.lan.", type: .a)]).serialize(into: &writer)
        #expect(writer.count == 12 + 7 + 4)
        #expect(try Message(bytes: writer.bytes).questions.first?.name == "a.lan.")
    }
}
