import DNSWire
import Testing
@testable import ZoneTransfer

@Suite("TSIG multi-message streams")
struct TSIGStreamTests {
    let key = Golden.key

    func requestMAC() throws -> [UInt8] { try tsig(Golden.ourAXFRQuery).record.mac }

    /// Feeds `messages` to a fresh verifier at each message's own Time Signed (or `now`).
    func run(_ messages: [[UInt8]], requestMAC: [UInt8], now: UInt64? = nil) -> ([TSIGStreamStatus], TSIGStreamStatus) {
        var verifier = TSIGStreamVerifier(key: key, requestMAC: requestMAC)
        var statuses: [TSIGStreamStatus] = []
        var clock: UInt64 = 0x6b06dbc3
        for message in messages {
            if let signed = try? TSIGRecord.parse(fromMessage: message) { clock = signed.timeSigned }
            statuses.append(verifier.verify(message, now: now ?? clock))
        }
        return (statuses, verifier.finish())
    }

    // MARK: Knot's AXFR stream, answering a query made by our signer

    @Test func knotAXFRStreamVerifies() throws {
        let frames = try Golden.knotAXFR()
        #expect(frames.count == 4)
        let (statuses, end) = run(frames, requestMAC: try requestMAC())
        #expect(statuses == Array(repeating: .verified, count: 4))
        #expect(end == .verified)
        // The first message answers our query: same ID, AXFR question, SOA first.
        let first = try Message(bytes: frames[0])
        #expect(first.header.id == 0x1092 && first.rcode == .noError)
        #expect(first.answers.first?.type == .soa)
    }

    @Test func knotAXFRStreamNeedsTheRightRequestMAC() throws {
        var mac = try requestMAC()
        mac[0] ^= 0x80
        let (statuses, end) = run(try Golden.knotAXFR(), requestMAC: mac)
        guard case .failed(.rejected(message: 1, let verification)) = statuses[0] else {
            Issue.record("expected message 1 rejected, got \(statuses[0])")
            return
        }
        #expect(verification.outcome == .badSig)
        #expect(statuses.dropFirst().allSatisfy { $0 == statuses[0] })
        #expect(end == statuses[0])
    }

    @Test func tamperedKnotStreamIsRejected() throws {
        let frames = try Golden.knotAXFR()
        // One byte of TXT data in the middle of message 2.
        var tampered = frames
        tampered[1] = flipped(frames[1], at: 20_000)
        let (statuses, end) = run(tampered, requestMAC: try requestMAC())
        #expect(statuses[0] == .verified)
        guard case .failed(.rejected(message: 2, let verification)) = statuses[1] else {
            Issue.record("expected message 2 rejected, got \(statuses[1])")
            return
        }
        #expect(verification.outcome == .badSig)
        #expect(statuses[2] == statuses[1] && statuses[3] == statuses[1])
        #expect(end == statuses[1])
    }

    @Test func droppedOrReorderedKnotMessagesAreRejected() throws {
        let frames = try Golden.knotAXFR()
        let dropped = run([frames[0], frames[2], frames[3]], requestMAC: try requestMAC())
        #expect(dropped.0[0] == .verified)
        #expect(dropped.0[1] == .failed(.rejected(message: 2, .badSig(record: try tsig(frames[2]).record))))
        let swapped = run([frames[0], frames[2], frames[1], frames[3]], requestMAC: try requestMAC())
        #expect(swapped.1 != .verified)
        let truncated = run(Array(frames.prefix(3)), requestMAC: try requestMAC())
        // A stream cut after a signed message verifies as far as it goes; the transfer code must
        // also see the closing SOA, which TSIG does not check.
        #expect(truncated.1 == .verified)
    }

    @Test func streamEndingUnsignedIsRejected() throws {
        var frames = try Golden.knotAXFR()
        frames[3] = try unsignedForm(frames[3])
        let (statuses, end) = run(frames, requestMAC: try requestMAC())
        #expect(statuses == [.verified, .verified, .verified, .pending(1)])
        #expect(end == .failed(.unsignedLastMessage(1)))
    }

    @Test func streamStartingUnsignedIsRejected() throws {
        var frames = try Golden.knotAXFR()
        frames[0] = try unsignedForm(frames[0])
        let (statuses, end) = run(frames, requestMAC: try requestMAC())
        #expect(statuses[0] == .failed(.unsignedFirstMessage))
        #expect(end == .failed(.unsignedFirstMessage))
        let empty = TSIGStreamVerifier(key: key, requestMAC: try requestMAC())
        #expect(empty.finish() == .failed(.unsignedFirstMessage))
    }

    @Test func knotStreamOutsideTheFudgeIsBadTime() throws {
        let (statuses, _) = run(try Golden.knotAXFR(), requestMAC: try requestMAC(), now: 0x6b06dbc3 + 301)
        guard case .failed(.rejected(message: 1, let verification)) = statuses[0] else {
            Issue.record("expected message 1 rejected, got \(statuses[0])")
            return
        }
        #expect(verification.outcome == .badTime)
    }

    /// Our stream signer, given Knot's messages and clock, makes Knot's exact bytes: the first
    /// MAC over request MAC + message + all variables, the later ones over prior MAC + message +
    /// timers.
    @Test func ourStreamSignerReproducesKnotByteForByte() throws {
        let frames = try Golden.knotAXFR()
        var signer = TSIGStreamSigner(key: key, requestMAC: try requestMAC())
        for frame in frames {
            let (record, _) = try tsig(frame)
            #expect(try signer.sign(try unsignedForm(frame), now: record.timeSigned) == frame)
        }
        #expect(signer.signedCount == 4)
    }

    // MARK: Our signer with unsigned messages in between

    func ourStream(pattern: [Bool]) throws -> [[UInt8]] {
        let body = try unsignedForm(Golden.knotResponse)
        var signer = TSIGStreamSigner(key: key, requestMAC: try requestMAC(), fudge: 30)
        return try pattern.enumerated().map { index, signed in
            var message = body
            message[1] = UInt8(index)  // make each message distinct
            return signed ? try signer.sign(message, now: 5_000 + UInt64(index)) : try signer.passUnsigned(message)
        }
    }

    @Test func unsignedMessagesBetweenSignedOnesAreAccepted() throws {
        let stream = try ourStream(pattern: [true, false, false, true, false, true])
        let (statuses, end) = run(stream, requestMAC: try requestMAC(), now: 5_003)
        #expect(statuses == [.verified, .pending(1), .pending(2), .verified, .pending(1), .verified])
        #expect(end == .verified)
    }

    @Test func tamperedUnsignedMessageFailsTheNextSignedOne() throws {
        var stream = try ourStream(pattern: [true, false, false, true])
        stream[2] = flipped(stream[2], at: stream[2].count - 1)  // the SOA MINIMUM field
        let (statuses, end) = run(stream, requestMAC: try requestMAC(), now: 5_003)
        #expect(statuses[0...2] == [.verified, .pending(1), .pending(2)])
        guard case .failed(.rejected(message: 4, let verification)) = statuses[3] else {
            Issue.record("expected message 4 rejected, got \(statuses[3])")
            return
        }
        #expect(verification.outcome == .badSig)
        #expect(end == statuses[3])
        // Dropping an unsigned message is caught the same way.
        let fresh = try ourStream(pattern: [true, false, false, true])
        let dropped = run([fresh[0], fresh[1], fresh[3]], requestMAC: try requestMAC(), now: 5_003)
        #expect(dropped.1 != .verified)
    }

    @Test func atMost99UnsignedInARow() throws {
        let ok = try ourStream(pattern: [true] + Array(repeating: false, count: 99) + [true])
        #expect(run(ok, requestMAC: try requestMAC()).1 == .verified)

        var signer = TSIGStreamSigner(key: key, requestMAC: try requestMAC())
        let body = try unsignedForm(Golden.knotResponse)
        #expect(throws: TSIGError.self) { try signer.passUnsigned(body) }
        _ = try signer.sign(body, now: 1)
        for _ in 0..<99 { _ = try signer.passUnsigned(body) }
        #expect(signer.hasUnsignedTail)
        let error = #expect(throws: TSIGError.self) { try signer.passUnsigned(body) }
        #expect(error?.code == .badStream)

        var verifier = TSIGStreamVerifier(key: key, requestMAC: try requestMAC())
        #expect(verifier.verify(ok[0], now: 5_000) == .verified)
        for _ in 0..<99 { _ = verifier.verify(body, now: 5_000) }
        #expect(verifier.verify(body, now: 5_000) == .failed(.tooManyUnsigned(99)))
        #expect(verifier.messageCount == 101)
    }

    @Test func garbageInAStreamIsRejected() throws {
        let frames = try Golden.knotAXFR()
        let (statuses, _) = run([frames[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]], requestMAC: try requestMAC())
        guard case .failed(.rejected(message: 2, let verification)) = statuses[1] else {
            Issue.record("expected message 2 rejected, got \(statuses[1])")
            return
        }
        #expect(verification.outcome == .formErr)
    }
}
