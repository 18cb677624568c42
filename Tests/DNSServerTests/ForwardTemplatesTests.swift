import DNSWire
import NIOCore
import Testing

@testable import Forwarder
@testable import DNSServer

/// Forwarded answers kept as bytes (Server/ForwardTemplates.swift) must give the bytes the full
/// path gives for the same cached answer at the same age: the client's ID, flags and question,
/// AD only to clients that ask for DNSSEC data, every TTL counted down, OPT when the client sent
/// EDNS.
@Suite("Forward templates equal the full forwarded response")
struct ForwardTemplatesTests {
    static func upstreamAnswer(_ name: DomainName, authenticData: Bool) -> Message {
        Message(header: Header(id: 0x1111, isResponse: true, recursionDesired: true, recursionAvailable: true,
                               authenticData: authenticData),
                questions: [Question(name: name, type: .a)],
                answers: [ResourceRecord(name: name, ttl: 300, data: .a(IPv4Address(198, 51, 100, 1))),
                          ResourceRecord(name: name, ttl: 200, data: .a(IPv4Address(198, 51, 100, 2)))],
                authorities: [ResourceRecord(name: "example.com.", ttl: 3600, data: .ns("ns1.example.com."))],
                additionals: [ResourceRecord(name: "ns1.example.com.", ttl: 100, data: .a(IPv4Address(203, 0, 113, 53)))],
                edns: EDNS())
    }

    @Test(arguments: [false, true])
    func templatesAgeLikeTheCacheAndFormatLikeTheResponder(authenticData: Bool) throws {
        let asked = try DomainName("WwW.Example.COM.")
        let upstream = Self.upstreamAnswer(try DomainName("www.example.com."), authenticData: authenticData)
        let storedAt = 1_000.0
        var compared = 0
        for edns in [nil, EDNS(udpPayloadSize: 512), EDNS(udpPayloadSize: 1232, dnssecOK: true)] {
            for (rd, cd, ad) in [(true, false, false), (false, true, false), (true, false, true)] {
                let query = Message(header: Header(id: 0xBEEF, recursionDesired: rd, authenticData: ad, checkingDisabled: cd),
                                    questions: [Question(name: asked, type: .a)], edns: edns)
                let bytes = query.serialize()
                for age in [0.0, 5.4, 250.0, 400.0] {
                    let written: [UInt8]? = bytes.withUnsafeBytes { raw in
                        guard let shape = AnswerTemplates.inspect(raw) else { return nil }
                        let key = ForwardTemplates.Key(question: shape.key, dnssecOK: shape.dnssecOK,
                                                       checkingDisabled: cd)
                        guard let entry = ForwardTemplates.entry(for: upstream, key: key, at: storedAt) else { return nil }
                        var buffer = ByteBuffer()
                        let limit = shape.payload
                        guard ForwardTemplates.write(entry, query: shape, bytes: raw, limit: limit, now: storedAt + age,
                                                     into: &buffer) else { return nil }
                        return Array(buffer.readableBytesView)
                    }
                    let aged = ResponseCache.aged(upstream, by: age, floor: 0)
                    let full = QueryResponder.forwardedResponse(to: query, resolution: .answer(aged),
                                                                limit: QueryResponder.sizeLimit(for: query, transport: .udp))
                    #expect(written == full, "edns \(String(describing: edns)) rd \(rd) cd \(cd) ad \(ad) age \(age)")
                    compared += 1
                }
            }
        }
        #expect(compared == 36)
    }

    @Test func answersThatMustNotBeCachedMakeNoTemplate() throws {
        let name = try DomainName("www.example.com.")
        var servfail = Self.upstreamAnswer(name, authenticData: false)
        servfail.rcode = .servFail
        var truncated = Self.upstreamAnswer(name, authenticData: false)
        truncated.header.truncated = true
        let noSOA = Message(header: Header(isResponse: true), questions: [Question(name: name, type: .a)])
        let key = ForwardTemplates.Key(question: AnswerTemplates.Key(name: name.lowercasedWire, type: 1),
                                       dnssecOK: false, checkingDisabled: false)
        for message in [servfail, truncated, noSOA] {
            #expect(ForwardTemplates.entry(for: message, key: key, at: 0) == nil)
        }
    }
}
