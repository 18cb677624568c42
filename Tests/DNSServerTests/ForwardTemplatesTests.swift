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
                        let key = ResponseCache.Key(lowercasedName: shape.key.name, type: shape.key.type,
                                                    dnssecOK: shape.dnssecOK, checkingDisabled: cd)
                        var cache = ResponseCache()
                        guard let entry = cache.store(upstream, for: key, at: storedAt) else { return nil }
                        var buffer = ByteBuffer()
                        let limit = shape.payload
                        guard ForwardTemplates.write(entry, at: storedAt + age, query: shape, bytes: raw, limit: limit,
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

    /// A worker's view of the cache: it serves the cache's own entry while the cache would (same
    /// freshness, same clock), reads through to the cache on a miss, and lets go of what the
    /// cache dropped.
    @Test func aViewServesWhatTheCacheServes() throws {
        var cache = ResponseCache(capacity: 2)
        var view = ForwardTemplates(capacity: 8)
        var reads = 0
        func key(_ name: String) -> ResponseCache.Key {
            ResponseCache.Key(question: Question(name: try! DomainName(name), type: .a), dnssecOK: false, checkingDisabled: false)
        }
        func store(_ name: String, at now: Double) -> CachedAnswer? {
            cache.store(Self.upstreamAnswer(try! DomainName(name), authenticData: false), for: key(name), at: now)
        }
        func ask(_ name: String, at now: Double) -> CachedAnswer? {
            view.answer(for: key(name), at: now) { key, now in
                reads += 1
                return cache.answer(for: key, at: now)
            }
        }
        let t0 = 1_000.0
        #expect(ask("www.example.com.", at: t0) == nil)
        let stored = try #require(store("www.example.com.", at: t0))
        // Read through once, then served from the view.
        #expect(ask("WWW.example.com.", at: t0 + 1) === stored)
        #expect(ask("www.example.com.", at: t0 + 199) === stored)
        #expect(reads == 2)
        // Expired (its shortest answer TTL is 200 s) for both at the same instant.
        #expect(ask("www.example.com.", at: t0 + 200) == nil)
        #expect(cache.answer(for: key("www.example.com."), at: t0 + 200) == nil)
        // Stored again, then pushed out of the cache: the view stops serving it at once.
        let again = try #require(store("www.example.com.", at: t0 + 300))
        #expect(ask("www.example.com.", at: t0 + 301) === again)
        #expect(ask("www.example.com.", at: t0 + 301.5) === again)
        #expect(reads == 4)
        _ = store("a.example.com.", at: t0 + 302)
        _ = store("b.example.com.", at: t0 + 302)
        // The least recently used in the cache, but the view served it: a second chance, once.
        #expect(!again.isDropped)
        _ = store("c.example.com.", at: t0 + 303)
        #expect(again.isDropped)
        #expect(ask("www.example.com.", at: t0 + 304) == nil)
        #expect(reads == 5)
    }

    @Test func answersThatMustNotBeCachedMakeNoTemplate() throws {
        let name = try DomainName("www.example.com.")
        var servfail = Self.upstreamAnswer(name, authenticData: false)
        servfail.rcode = .servFail
        var truncated = Self.upstreamAnswer(name, authenticData: false)
        truncated.header.truncated = true
        let noSOA = Message(header: Header(isResponse: true), questions: [Question(name: name, type: .a)])
        let key = ResponseCache.Key(lowercasedName: name.lowercasedWire, type: 1, dnssecOK: false, checkingDisabled: false)
        var cache = ResponseCache()
        for message in [servfail, truncated, noSOA] {
            #expect(cache.store(message, for: key, at: 0) == nil)
        }
    }
}
