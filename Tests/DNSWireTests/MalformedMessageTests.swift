import Testing
@testable import DNSWire

/// Parses `bytes`, expecting a DNSWireError; returns it.
private func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> DNSWireError? {
    wireError({ try Message(bytes: bytes) }, sourceLocation: sourceLocation)
}

private let typeA: [UInt8] = be16(1) + be16(1)   // QTYPE A, QCLASS IN

@Suite("Malformed messages")
struct MalformedMessageTests {
    @Test(arguments: 0..<12)
    func truncatedHeader(length: Int) {
        let bytes = Array(Golden.query.prefix(length))
        #expect(throws: DNSWireError.self) { try Message(bytes: bytes) }
        let error = parseError(bytes)
        #expect(error?.code == .truncated)
        #expect(error?.offset == 0)
    }

    @Test func bareHeaderIsAValidEmptyMessage() throws {
        let message = try Message(bytes: header())
        #expect(message.questions.isEmpty && message.answers.isEmpty && message.edns == nil)
    }

    @Test(arguments: 5..<21)
    func questionCutShort(keep: Int) {
        // header + www.example.com. A IN (21 bytes) cut after `keep` bytes.
        let question = wireName("www", "example", "com") + typeA
        let bytes = header(qd: 1) + Array(question.prefix(keep))
        #expect(parseError(bytes)?.code == .truncated)
    }

    @Test func goldenQueryCutAnywhereIsTruncated() {
        for length in 12..<Golden.query.count {
            let code = parseErrorCode(Array(Golden.query.prefix(length)))
            #expect(code == .truncated, "cut at \(length)")
        }
        for length in 12..<Golden.response.count {
            let code = parseErrorCode(Array(Golden.response.prefix(length)))
            #expect(code == .truncated, "cut at \(length)")
        }
    }

    @Test(arguments: [UInt8(0x40), 0x41, 0x7F, 0x80, 0x81, 0xBF])
    func reservedLabelTypes(lengthByte: UInt8) {
        // A "label length" above 63 is one of the reserved label types 01 and 10.
        let bytes = header(qd: 1) + [lengthByte] + [UInt8](repeating: 0x61, count: 70) + [0] + typeA
        let error = parseError(bytes)
        #expect(error?.code == .badLabelType)
        #expect(error?.offset == 12)
    }

    @Test func reservedLabelTypeAfterALabel() {
        let bytes = header(qd: 1) + [0x01, 0x61, 0x40, 0x00] + typeA
        let error = parseError(bytes)
        #expect(error?.code == .badLabelType)
        #expect(error?.offset == 14)
    }

    @Test func nameLongerThan255FromManyLabels() {
        var name: [UInt8] = []
        for _ in 0..<128 { name += [0x01, 0x78] }   // 128 labels: 257 bytes with the root
        name.append(0)
        #expect(parseError(header(qd: 1) + name + typeA)?.code == .nameTooLong)
        // Four 63-byte labels (257 bytes) too.
        let big = [UInt8](repeating: 0x62, count: 63)
        let four = [63] + big + [63] + big + [63] + big + [63] + big + [0]
        #expect(parseError(header(qd: 1) + four + typeA)?.code == .nameTooLong)
        // One byte less is fine.
        let ok = header(qd: 1) + Array(name.dropFirst(2)) + typeA
        #expect(parseErrorCode(ok) == nil)
    }

    @Test func nameLongerThan255ThroughPointers() {
        // Question: three 63-byte labels (193 bytes); answer owner: a 62-byte label + pointer to it.
        let big = [UInt8](repeating: 0x62, count: 63)
        let q: [UInt8] = [63] + big + [63] + big + [63] + big + [0]
        let owner: [UInt8] = [62] + [UInt8](repeating: 0x63, count: 62) + [0xC0, 0x0C]
        let bytes = header(qd: 1, an: 1) + q + typeA + owner + rrFixed(type: 1, rdlength: 4) + [1, 2, 3, 4]
        #expect(parseError(bytes)?.code == .nameTooLong)
    }

    @Test func compressionPointerToItself() {
        let bytes = header(qd: 1) + [0xC0, 0x0C] + typeA
        let error = parseError(bytes)
        #expect(error?.code == .badPointer)
        #expect(error?.offset == 12)
    }

    @Test func forwardPointer() {
        // The pointer at 12 names offset 18, where a valid name would start.
        let bytes = header(qd: 1) + [0xC0, 0x12] + typeA + wireName("a", "lan")
        #expect(parseError(bytes)?.code == .badPointer)
    }

    @Test func pointerBeyondTheMessage() {
        let bytes = header(qd: 1) + [0xFF, 0xFF] + typeA
        #expect(parseError(bytes)?.code == .badPointer)
    }

    @Test func twoPointerLoop() {
        // Answer 1 (offset 12): root owner, TYPE65280 whose 2-byte RDATA at 23 is a pointer to 25.
        // Answer 2 (offset 25): owner is a pointer to 23. 25 -> 23 -> 25 -> ...
        let bytes = header(an: 2)
            + [0x00] + rrFixed(type: 65280, rdlength: 2) + [0xC0, 25]
            + [0xC0, 23] + rrFixed(type: 1, rdlength: 4) + [10, 0, 0, 1]
        #expect(bytes[23] == 0xC0 && bytes[25] == 0xC0)
        let error = parseError(bytes)
        #expect(error?.code == .badPointer)
        #expect(error?.offset == 23)
    }

    @Test func pointerLoopThroughLabels() {
        // Label "a" at 12, then at 14 a pointer back to 12: a.a.a.a... must not be followed.
        let bytes = header(qd: 1) + [0x01, 0x61, 0xC0, 0x0C] + typeA
        let clock = ContinuousClock()
        var error: DNSWireError?
        let elapsed = clock.measure { error = parseError(bytes) }
        #expect(error?.code == .badPointer)
        #expect(error?.offset == 14)
        #expect(elapsed < .seconds(1))
    }

    @Test func pointerLoopThroughLabelsFromALaterName() {
        // Question a.lan. at 12; answer owner at 23: "b" + pointer to 23 (its own start).
        let bytes = header(qd: 1, an: 1) + wireName("a", "lan") + typeA
            + [0x01, 0x62, 0xC0, 23] + rrFixed(type: 1, rdlength: 4) + [1, 2, 3, 4]
        #expect(parseError(bytes)?.code == .badPointer)
    }

    @Test func rdlengthPastTheEnd() {
        let bytes = header(an: 1) + [0x00] + rrFixed(type: 1, rdlength: 4) + [10, 0]
        let error = parseError(bytes)
        #expect(error?.code == .truncated)
        #expect(error?.offset == 23)
    }

    @Test func rdlengthPastTheEndWithACompleteName() {
        // The CNAME target itself is whole, but RDLENGTH claims 100 bytes: the record runs past the end.
        let bytes = header(an: 1) + [0x00] + rrFixed(type: 5, rdlength: 100) + wireName("a", "lan")
        let error = parseError(bytes)
        #expect(error?.code == .truncated)
        #expect(error?.offset == 23)
    }

    @Test func rdlengthPastTheEndForUnknownType() {
        let bytes = header(an: 1) + [0x00] + rrFixed(type: 65280, rdlength: 0xFFFF) + [1, 2, 3]
        #expect(parseError(bytes)?.code == .truncated)
    }

    @Test(arguments: [
        (UInt16(1), UInt16(5)), (1, 3), (1, 0), (28, 4), (28, 17),
    ])
    func rdataLengthMismatch(type: UInt16, rdlength: UInt16) {
        let bytes = header(an: 1) + [0x00] + rrFixed(type: type, rdlength: rdlength)
            + [UInt8](repeating: 7, count: Int(rdlength))
        let error = parseError(bytes)
        #expect(error?.code == .badRecordData)
        #expect(error?.offset == 23)
    }

    @Test func nameInRDATAOverrunningRDLENGTH() {
        // CNAME with RDLENGTH 3 but a 7-byte name.
        let bytes = header(an: 1) + [0x00] + rrFixed(type: 5, rdlength: 3) + wireName("a", "lan")
        #expect(parseError(bytes)?.code == .badRecordData)
    }

    @Test(arguments: [
        (UInt16(65535), UInt16(0), UInt16(0), UInt16(0)),
        (0, 65535, 0, 0),
        (0, 0, 65535, 0),
        (0, 0, 0, 65535),
        (65535, 65535, 65535, 65535),
    ])
    func hugeCountsWithNoDataAreTruncatedQuickly(qd: UInt16, an: UInt16, ns: UInt16, ar: UInt16) {
        let bytes = header(qd: qd, an: an, ns: ns, ar: ar)
        let clock = ContinuousClock()
        var error: DNSWireError?
        let elapsed = clock.measure {
            for _ in 0..<1000 { error = parseError(bytes) }
        }
        #expect(error?.code == .truncated)
        #expect(error?.offset == 4)
        #expect(elapsed < .seconds(2), "1000 parses took \(elapsed)")
    }

    @Test func countsOneMoreThanPresent() {
        // Two questions claimed, one there (plus enough bytes to pass the size estimate).
        let oneQuestion = wireName("www", "example", "com") + typeA
        #expect(parseError(header(qd: 2) + oneQuestion)?.code == .truncated)
        // Golden query with ANCOUNT 1 but no answer.
        var bytes = Golden.query
        bytes[7] = 1
        #expect(parseErrorCode(bytes) == .truncated)
        // ARCOUNT 2 with one OPT.
        bytes = Golden.query
        bytes[11] = 2
        #expect(parseErrorCode(bytes) == .truncated)
    }

    @Test func twoOPTRecords() {
        let opt: [UInt8] = [0x00] + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 0)
        let bytes = header(ar: 2) + opt + opt
        let error = parseError(bytes)
        #expect(error?.code == .badOPT)
        #expect(error?.offset == 23)
        // Also with another record between them.
        let a = wireName("ns", "lan") + rrFixed(type: 1, rdlength: 4) + [10, 0, 0, 1]
        #expect(parseError(header(ar: 3) + opt + a + opt)?.code == .badOPT)
    }

    @Test func optWithNonRootOwner() {
        let bytes = header(ar: 1) + wireName("lan") + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 0)
        let error = parseError(bytes)
        #expect(error?.code == .badOPT)
        #expect(error?.offset == 12)
        // Compressed owner pointing at a question name: still not the root.
        let compressed = header(qd: 1, ar: 1) + wireName("lan") + typeA + [0xC0, 0x0C]
            + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 0)
        #expect(parseError(compressed)?.code == .badOPT)
    }

    @Test func optWithOptionOverrunningRDATA() {
        let bytes = header(ar: 1) + [0x00] + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 6)
            + be16(10) + be16(8) + [1, 2]
        #expect(parseError(bytes)?.code == .badRecordData)
    }

    @Test(arguments: [[UInt8(0)], [0xFF], [0, 0, 0, 0], wireName("a")])
    func trailingBytes(extra: [UInt8]) {
        let error = parseError(Golden.query + extra)
        #expect(error?.code == .trailingBytes)
        #expect(error?.offset == Golden.query.count)
        #expect(parseError(Golden.response + extra)?.code == .trailingBytes)
        #expect(parseError(header() + extra)?.code == .trailingBytes)
    }

    @Test func errorDescriptionNamesCodeAndOffset() {
        let error = parseError(Golden.query + [0])
        #expect(error?.description.hasPrefix("trailingBytes at offset 56: ") == true)
        let made = DNSWireError(.badPointer, at: 7, "why")
        #expect(made.description == "badPointer at offset 7: why")
        #expect(made == DNSWireError(.badPointer, at: 7, "why"))
        #expect(made.code.rawValue == "badPointer")
    }
}

@Suite("Random mutations")
struct MutationTests {
    static let interesting: [UInt8] = [0x00, 0x01, 0x0C, 0x3F, 0x40, 0x80, 0xC0, 0xFF]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + rng.below(3)) {
            switch rng.below(6) {
            case 0 where !bytes.isEmpty:
                bytes[rng.below(bytes.count)] ^= UInt8(1) << UInt8(rng.below(8))
            case 1 where !bytes.isEmpty:
                bytes[rng.below(bytes.count)] = rng.byte()
            case 2:
                bytes.insert(rng.byte(), at: rng.below(bytes.count + 1))
            case 3 where !bytes.isEmpty:
                bytes.remove(at: rng.below(bytes.count))
            case 4 where !bytes.isEmpty:
                bytes[rng.below(bytes.count)] = interesting[rng.below(interesting.count)]
            case 5 where !bytes.isEmpty:
                bytes.removeLast(1 + rng.below(min(bytes.count, 8)))
            default:
                bytes.append(rng.byte())
            }
        }
        return bytes
    }

    static let seeds: [[UInt8]] = [
        Golden.query,
        Golden.response,
        Golden.everyType.serialize(),
        Golden.everyType.serialize(compression: false),
    ]

    /// 4 seeds x 5,000 = 20,000 mutated messages.
    @Test(arguments: 0..<4)
    func parseNeverCrashesAndSuccessesRoundTrip(seedIndex: Int) throws {
        let original = Self.seeds[seedIndex]
        #expect(parseErrorCode(original) == nil, "the seed itself parses")
        var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(seedIndex))
        var accepted = 0, rejected = 0
        for iteration in 0..<5000 {
            let bytes = Self.mutate(original, &rng)
            let message: Message
            do {
                message = try Message(bytes: bytes)
            } catch let error as DNSWireError {
                rejected += 1
                if error.offset < 0 || error.offset > bytes.count {
                    Issue.record("error offset \(error.offset) outside 0...\(bytes.count): \(error) for \(hex(bytes))")
                    return
                }
                continue
            } catch {
                Issue.record("iteration \(iteration): threw a non-DNSWireError \(error)")
                return
            }
            accepted += 1
            for compression in [true, false] {
                let out = message.serialize(compression: compression)
                do {
                    let again = try Message(bytes: out)
                    if again != message {
                        Issue.record("""
                            iteration \(iteration), compression \(compression): reparsed message differs
                            input  \(hex(bytes))
                            output \(hex(out))
                            """)
                        return
                    }
                } catch {
                    Issue.record("""
                        iteration \(iteration), compression \(compression): serialised message does not parse: \(error)
                        input  \(hex(bytes))
                        output \(hex(out))
                        """)
                    return
                }
            }
        }
        // Both outcomes were exercised.
        #expect(accepted > 100, "accepted \(accepted)")
        #expect(rejected > 100, "rejected \(rejected)")
        #expect(accepted + rejected == 5000)
    }

    @Test func generatorIsDeterministic() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let xs = (0..<8).map { _ in a.next() }
        let ys = (0..<8).map { _ in b.next() }
        let zs = (0..<8).map { _ in c.next() }
        #expect(xs == ys)
        #expect(xs != zs)
        #expect(Set(xs).count == 8)
    }
}
