import Testing
@testable import DNSWire

private let typeA: [UInt8] = be16(1) + be16(1)   // QTYPE A, QCLASS IN

/// Runs `body` on a view of `bytes`.
private func view<R>(_ bytes: [UInt8], _ body: (MessageView?) -> R) -> R {
    MessageView.with(bytes, body)
}

/// The records a view walks: (section, type, class, TTL, TTL offset, RDATA range), and whether the
/// walk read every one.
private func walk(_ bytes: [UInt8]) -> (records: [MessageView.RecordSpan], complete: Bool, end: Int) {
    view(bytes) { view in
        guard let view else { return ([], false, 0) }
        var records = view.records()
        var out: [MessageView.RecordSpan] = []
        while let record = records.next() { out.append(record) }
        return (out, records.isComplete, records.end)
    }
}

@Suite("Message view: golden messages")
struct MessageViewGoldenTests {
    @Test func queryHeaderQuestionAndOPT() throws {
        view(Golden.query) { view in
            guard let view else { Issue.record("no view"); return }
            #expect(view.id == 0x8A3F)
            #expect(!view.isResponse && view.opcode == .query && view.recursionDesired && view.authenticData)
            #expect(!view.checkingDisabled && !view.truncated && !view.authoritative && view.rcode == 0)
            #expect((view.questionCount, view.answerCount, view.authorityCount, view.additionalCount) == (1, 0, 0, 1))
            #expect(view.header == (try? Header(flagsFrom: Golden.query)))
            var name: [UInt8] = [0xFF]
            let question = view.firstQuestion(lowercasingNameInto: &name)
            #expect(question?.nameStart == 12 && question?.nameEnd == 29 && question?.end == 33)
            #expect(question?.type == 1 && question?.recordClass == 1 && question?.isCompressed == false)
            #expect(name == wireName("www", "example", "com"))
            #expect(view.firstQuestion() == question)
            #expect(view.questionsEnd == 33)
            let opt = view.opt()
            #expect(opt?.record.ownerStart == 33 && opt?.record.end == 56)
            #expect(opt?.payloadSize == 1232 && opt?.dnssecOK == true && opt?.version == 0 && opt?.extendedRCode == 0)
            #expect(opt?.options == 44..<56)
            #expect(opt.map { view.ownerIsRoot($0.record) } == true)
            #expect(!view.lastRecordIsTSIG)
        }
    }

    @Test func responseRecordsWithTheirTTLOffsets() {
        let (records, complete, end) = walk(Golden.response)
        #expect(complete && end == Golden.response.count)
        #expect(records.map(\.section) == [.answer, .authority, .additional])
        #expect(records.map(\.type) == [1, 6, 41])
        #expect(records.map(\.ownerStart) == [33, 49, 100])
        #expect(records.map(\.ownerEnd) == [35, 51, 101])
        #expect(records.map(\.ttlOffset) == [39, 55, 105])
        #expect(records.map(\.ttl) == [3600, 3600, 0x8000])
        #expect(records.map(\.rdata) == [45..<49, 61..<100, 111..<111])
        view(Golden.response) { view in
            // The answer's owner is a pointer to the question: skipped without being followed,
            // and read back in full.
            #expect(view?.nameEnd(at: 33) == 35)
            #expect(view?.name(at: 33) == "www.example.com.")
            #expect(view?.name(at: 61) == "ns1.example.com.")
            var labels = view!.labels(ofNameAt: 49)
            var counts: [Int] = []
            while let label = labels.next() { counts.append(label.count) }
            #expect(counts == [7, 3] && labels.isComplete && labels.isCompressed && labels.end == 51)
            #expect(labels.wireLength == 13)
        }
    }

    @Test func mixedCaseQuestionIsLowerCasedIntoTheKey() {
        let bytes = header(qd: 1) + wireName("WwW", "Ex-AMPLE", "cOm") + typeA
        var name: [UInt8] = []
        let question = view(bytes) { $0?.firstQuestion(lowercasingNameInto: &name) }
        #expect(question?.end == bytes.count)
        #expect(name == wireName("www", "ex-ample", "com"))
        // Bytes around the letters stay: '@' (0x40), '[' (0x5B), 0xC1.
        let odd = header(qd: 1) + [3, 0x40, 0x5B, 0xC1, 0] + typeA
        _ = view(odd) { $0?.firstQuestion(lowercasingNameInto: &name) }
        #expect(name == [3, 0x40, 0x5B, 0xC1, 0])
    }

    @Test func everyByteValueLowerCasesAsASCIIDoes() {
        // Label bytes may be anything: every value 0...255, 63 to a label.
        for start in stride(from: 0, to: 256, by: 63) {
            let label = (start..<min(start + 63, 256)).map { UInt8($0) }
            let wire = [UInt8(label.count)] + label + [0]
            let expected = wire.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            var name: [UInt8] = []
            let bytes = header(qd: 1) + wire + typeA
            #expect(view(bytes) { $0?.firstQuestion(lowercasingNameInto: &name) }?.end == bytes.count)
            #expect(name == expected, "from \(start)")
        }
        // A question continued by a pointer into the header (ID bytes 0x01 0x41 and a zero flags
        // byte read as the label "A"): lower-cased label by label.
        let intoHeader: [UInt8] = [0x01, 0x41, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + [2, 0x5A, 0x7A, 0xC0, 0x00] + typeA
        var name: [UInt8] = []
        let question = view(intoHeader) { $0?.firstQuestion(lowercasingNameInto: &name) }
        #expect(question?.isCompressed == true && question?.end == intoHeader.count)
        #expect(name == [2, 0x7A, 0x7A, 1, 0x61, 0])
    }

    @Test func compressedQuestionIsFollowedAndFlagged() {
        // Two questions; the second's name is "b" + a pointer to the first.
        let bytes = header(qd: 2) + wireName("a", "lan") + typeA + [0x01, 0x62, 0xC0, 0x0C] + typeA
        view(bytes) { view in
            #expect(view?.questionsEnd == bytes.count)
            #expect(view?.name(at: 23) == "b.a.lan.")
            #expect(view?.nameEnd(at: 23) == 27)
        }
        // A first question that points into the header is compressed (and allowed, as the parser allows it).
        let intoHeader = [0, 0, 1, 0x61, 0, 1, 0, 0, 0, 0, 0, 0] + [0xC0, 0x02] + typeA
        var name: [UInt8] = []
        let question = view(intoHeader) { $0?.firstQuestion(lowercasingNameInto: &name) }
        #expect(question?.isCompressed == true && question?.nameEnd == 14 && name == [1, 0x61, 0])
        #expect((try? Message(bytes: intoHeader))?.questions.first?.name == "a.")
    }

    @Test func signedMessageEndsInATSIG() {
        let tsig = wireName("key") + rrFixed(type: 250, class: 255, ttl: 0, rdlength: 3) + [1, 2, 3]
        let opt: [UInt8] = [0] + rrFixed(type: 41, class: 1232, ttl: 0, rdlength: 0)
        let question = wireName("lan") + be16(6) + be16(1)
        #expect(view(header(qd: 1, ar: 2) + question + opt + tsig) { $0?.lastRecordIsTSIG } == true)
        #expect(view(header(qd: 1, ar: 2) + question + tsig + opt) { $0?.lastRecordIsTSIG } == false)
        // Counted in the answer section, not the additional one.
        #expect(view(header(qd: 1, an: 1) + question + tsig) { $0?.lastRecordIsTSIG } == false)
        // A TSIG that runs past the end, or a count that promises one more record.
        #expect(view(header(qd: 1, ar: 1) + question + tsig.dropLast()) { $0?.lastRecordIsTSIG } == false)
        #expect(view(header(qd: 1, ar: 2) + question + tsig) { $0?.lastRecordIsTSIG } == false)
    }
}

@Suite("Message view: malformed input")
struct MessageViewMalformedTests {
    @Test(arguments: 0..<12)
    func noViewWithoutAHeader(length: Int) {
        #expect(view(Array(Golden.query.prefix(length))) { $0 == nil })
    }

    @Test func goldenQueryCutAnywhere() {
        for length in 12..<Golden.query.count {
            let bytes = Array(Golden.query.prefix(length))
            view(bytes) { view in
                var name: [UInt8] = []
                let question = view?.firstQuestion(lowercasingNameInto: &name)
                #expect((question != nil) == (length >= 33), "cut at \(length)")
                #expect(view?.opt() == nil, "cut at \(length)")
                var records = view!.records()
                let whole = records.finish()
                #expect(!whole, "cut at \(length)")
            }
        }
        for length in 12..<Golden.response.count {
            let (records, complete, _) = walk(Array(Golden.response.prefix(length)))
            #expect(!complete && records.count <= 2, "cut at \(length)")
        }
    }

    @Test func pointerLoopsEnd() {
        let selfPointer = header(qd: 1) + [0xC0, 0x0C] + typeA
        let throughLabels = header(qd: 1) + [0x01, 0x61, 0xC0, 0x0C] + typeA
        let forward = header(qd: 1) + [0xC0, 0x12] + typeA + wireName("a", "lan")
        let beyond = header(qd: 1) + [0xFF, 0xFF] + typeA
        for bytes in [selfPointer, throughLabels, forward, beyond] {
            view(bytes) { view in
                var labels = view!.labels(ofNameAt: 12)
                let whole = labels.finish()
                #expect(!whole)
                #expect(labels.error == .badPointer)
                #expect(view?.firstQuestion() == nil)
                #expect(view?.name(at: 12) == nil)
                // Skipping does not follow pointers: the name ends at the pointer.
                #expect(view?.nameEnd(at: 12) == (bytes == throughLabels ? 16 : 14))
            }
        }
        // Two records pointing at each other's RDATA: 25 -> 23 -> 25.
        let loop = header(an: 2) + [0x00] + rrFixed(type: 65280, rdlength: 2) + [0xC0, 25]
            + [0xC0, 23] + rrFixed(type: 1, rdlength: 4) + [10, 0, 0, 1]
        view(loop) { view in
            var labels = view!.labels(ofNameAt: 25)
            let whole = labels.finish()
            #expect(!whole && labels.error == .badPointer && labels.errorOffset == 23)
        }
        #expect(walk(loop).complete)
    }

    @Test func labelRules() {
        for lengthByte in [UInt8(0x40), 0x7F, 0x80, 0xBF] {
            let bytes = header(qd: 1) + [lengthByte] + [UInt8](repeating: 0x61, count: 70) + [0] + typeA
            view(bytes) { view in
                var labels = view!.labels(ofNameAt: 12)
                let whole = labels.finish()
                #expect(!whole && labels.error == .badLabelType && labels.errorOffset == 12)
                #expect(view?.nameEnd(at: 12) == nil)
            }
        }
        var long: [UInt8] = []
        for _ in 0..<128 { long += [0x01, 0x78] }
        long.append(0)
        view(header(qd: 1) + long + typeA) { view in
            var labels = view!.labels(ofNameAt: 12)
            let whole = labels.finish()
            #expect(!whole && labels.error == .nameTooLong)
            #expect(view?.firstQuestion() == nil)
        }
        view(header(qd: 1) + Array(long.dropFirst(2)) + typeA) { view in
            #expect(view?.firstQuestion()?.end == 12 + 255 + 4)
        }
    }

    @Test(arguments: [
        (UInt16(65535), UInt16(0), UInt16(0), UInt16(0)),
        (0, 65535, 0, 0),
        (0, 0, 0, 65535),
        (65535, 65535, 65535, 65535),
    ])
    func hugeCountsEndAtTheBytes(qd: UInt16, an: UInt16, ns: UInt16, ar: UInt16) {
        let bytes = header(qd: qd, an: an, ns: ns, ar: ar) + [0] + rrFixed(type: 1, rdlength: 0)
        view(bytes) { view in
            guard let view else { return }
            var records = view.records()
            var read = 0
            while records.next() != nil { read += 1 }
            #expect(records.failed)
            #expect(read <= 1)
            #expect(!view.lastRecordIsTSIG && view.opt() == nil)
        }
    }

    @Test func recordsRunningPastTheEnd() {
        let cut = header(an: 1) + [0x00] + rrFixed(type: 1, rdlength: 4) + [10, 0]
        #expect(!walk(cut).complete)
        let pointerCut = header(an: 1) + [0xC0]
        #expect(!walk(pointerCut).complete)
        let fixedCut = header(an: 1) + [0x00] + Array(rrFixed(type: 1, rdlength: 0).prefix(9))
        #expect(!walk(fixedCut).complete)
        let whole = header(an: 1) + [0x00] + rrFixed(type: 1, rdlength: 4) + [10, 0, 0, 1]
        #expect(walk(whole).complete && walk(whole).end == whole.count)
        // Bytes after the last record: the walk ends where the records do.
        #expect(walk(whole + [0]).complete && walk(whole + [0]).end == whole.count)
    }
}

@Suite("Message view: random mutations against the parser")
struct MessageViewMutationTests {
    /// Whatever the view says about a message the parser accepts must be what the parser read;
    /// a question the view cannot read is one the parser rejects; and a name the view reads
    /// is the name `DNSReader` reads, failing where it throws, with the same code and offset.
    static func check(_ bytes: [UInt8]) -> String? {
        view(bytes) { view -> String? in
            guard let view else { return bytes.count < 12 ? nil : "no view of \(bytes.count) bytes" }
            if view.header != (try? Header(flagsFrom: bytes)) { return "header differs" }
            var reader = DNSReader(bytes, offset: 12)
            var labels = view.labels(ofNameAt: 12)
            let complete = labels.finish()
            do {
                let name = try reader.readName()
                if !complete || view.name(at: 12) != name || view.name(at: 12)?.wire != name.wire { return "name differs" }
                if labels.end != reader.offset || labels.wireLength != name.wire.count { return "name end differs" }
            } catch let error as DNSWireError {
                if complete || labels.error != error.code || labels.errorOffset != error.offset {
                    return "name error differs: \(error) vs \(String(describing: labels.error)) at \(labels.errorOffset)"
                }
            } catch {
                return "\(error)"
            }
            var key: [UInt8] = []
            let question = view.firstQuestion(lowercasingNameInto: &key)
            if question != view.firstQuestion() { return "the two question readers differ" }
            guard let message = try? Message(bytes: bytes) else { return nil }

            if view.questionCount != message.questions.count || view.answerCount != message.answers.count
                || view.authorityCount != message.authorities.count
                || view.additionalCount != message.additionals.count + (message.edns == nil ? 0 : 1) {
                return "counts differ"
            }
            if let first = message.questions.first {
                guard let question else { return "the parser read a question the view did not" }
                if key != first.name.lowercasedWire || question.type != first.type.rawValue
                    || question.recordClass != first.recordClass.rawValue { return "question differs" }
            } else if question != nil {
                return "a question where the parser has none"
            }
            var walk = view.records()
            var spans: [MessageView.RecordSpan] = []
            while let span = walk.next() { spans.append(span) }
            if !walk.isComplete || walk.end != bytes.count { return "record walk did not read the whole message" }
            let plain = spans.filter { $0.type != 41 || $0.section != .additional }
            let records = message.answers + message.authorities + message.additionals
            if plain.map(\.type) != records.map(\.type.rawValue) || plain.map(\.ttl) != records.map(\.ttl)
                || plain.map(\.recordClass) != records.map(\.recordClass.rawValue) {
                return "records differ"
            }
            for span in plain where view.name(at: span.ownerStart) == nil { return "an owner the view cannot read" }
            let opt = view.opt()
            if let edns = message.edns {
                guard let opt else { return "no OPT where the parser found one" }
                if opt.payloadSize != edns.udpPayloadSize || opt.version != edns.version || opt.dnssecOK != edns.dnssecOK
                    || opt.extendedRCode != edns.extendedRCode || opt.z != edns.z || !view.ownerIsRoot(opt.record)
                    && view.name(at: opt.record.ownerStart) != .root {
                    return "OPT differs"
                }
            } else if opt != nil {
                return "an OPT the parser did not find"
            }
            if view.lastRecordIsTSIG != (spans.last?.type == 250 && spans.last?.section == .additional) {
                return "TSIG differs"
            }
            return nil
        }
    }

    static let signedQuery: [UInt8] = header(qd: 1, ar: 2) + wireName("Lan") + be16(6) + be16(1)
        + [0] + rrFixed(type: 41, class: 1232, ttl: 0x8000, rdlength: 0)
        + wireName("key") + rrFixed(type: 250, class: 255, ttl: 0, rdlength: 3) + [1, 2, 3]

    static let seeds: [[UInt8]] = MutationTests.seeds + [signedQuery]

    /// 5 seeds x 4,000 = 20,000 mutated messages.
    @Test(arguments: 0..<5)
    func viewAgreesWithTheParser(seedIndex: Int) {
        let original = Self.seeds[seedIndex]
        #expect(Self.check(original) == nil)
        var rng = SplitMix64(seed: 0x71E3_0000 + UInt64(seedIndex))
        var accepted = 0
        for iteration in 0..<4000 {
            let bytes = MutationTests.mutate(original, &rng)
            if let problem = Self.check(bytes) {
                Issue.record("iteration \(iteration): \(problem)\n\(hex(bytes))")
                return
            }
            if (try? Message(bytes: bytes)) != nil { accepted += 1 }
        }
        #expect(accepted > 100, "only \(accepted) mutants parsed")
    }
}
