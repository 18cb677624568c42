import DNSWire
import Testing
@testable import ZoneTransfer

@Suite("TSIG single messages")
struct TSIGTests {
    let key = Golden.key

    // MARK: Interoperability with captured kdig, dig and knotd bytes

    @Test func kdigQueryVerifies() throws {
        let (record, _) = try tsig(Golden.kdigQuery)
        let other = TSIGKey(name: "other.", secret: [1, 2, 3])
        let result = TSIG.verify(Golden.kdigQuery, keys: [other, key], now: record.timeSigned)
        guard case .valid(let used, let mac, let parsed) = result else {
            Issue.record("expected valid, got \(result)")
            return
        }
        #expect(used == key)
        #expect(mac.count == 32)
        #expect(parsed.keyName == "xfr-key.")
        #expect(parsed.algorithm == "hmac-sha256.")
        #expect(parsed.fudge == 300)
        #expect(parsed.originalID == 0x9965)
        #expect(parsed.timeSigned == 0x6b06dac2)
        #expect(parsed.error == .noError)
        #expect(parsed.otherData.isEmpty)
    }

    @Test func knotResponseVerifiesOnlyWithTheRequestMAC() throws {
        let (query, _) = try tsig(Golden.kdigQuery)
        let (response, _) = try tsig(Golden.knotResponse)
        #expect(TSIG.verify(Golden.knotResponse, key: key, now: response.timeSigned, requestMAC: query.mac).isValid)
        #expect(TSIG.verify(Golden.knotResponse, key: key, now: response.timeSigned).outcome == .badSig)
        let otherMAC = flipped(query.mac, at: 0)
        #expect(TSIG.verify(Golden.knotResponse, key: key, now: response.timeSigned, requestMAC: otherMAC).outcome == .badSig)
    }

    @Test func digQueryWithEDNSAndCookieVerifies() throws {
        let (query, _) = try tsig(Golden.digQuery)
        #expect(TSIG.verify(Golden.digQuery, key: key, now: query.timeSigned).isValid)
        let (response, _) = try tsig(Golden.digKnotResponse)
        #expect(TSIG.verify(Golden.digKnotResponse, key: key, now: response.timeSigned, requestMAC: query.mac).isValid)
    }

    /// Our signer, given the same message, key and clock, makes exactly the bytes kdig, dig and
    /// knotd made: the strongest check that the digest layout is right.
    @Test func signerReproducesTheRealToolsByteForByte() throws {
        for signed in [Golden.kdigQuery, Golden.digQuery, Golden.ourAXFRQuery] {
            let (record, _) = try tsig(signed)
            let ours = try TSIG.sign(try unsignedForm(signed), key: key, now: record.timeSigned)
            #expect(ours.bytes == signed)
            #expect(ours.mac == record.mac)
        }
        for (query, response) in [(Golden.kdigQuery, Golden.knotResponse), (Golden.digQuery, Golden.digKnotResponse)] {
            let (request, _) = try tsig(query)
            let (record, _) = try tsig(response)
            let ours = try TSIG.sign(try unsignedForm(response), key: key, now: record.timeSigned, requestMAC: request.mac)
            #expect(ours.bytes == response)
        }
    }

    @Test func anyFlippedByteBreaksTheSignature() throws {
        let (record, offset) = try tsig(Golden.kdigQuery)
        for index in 0..<Golden.kdigQuery.count {
            let result = TSIG.verify(flipped(Golden.kdigQuery, at: index), key: key, now: record.timeSigned)
            if index < 2 {
                // The header ID is not covered as sent: the Original ID stands in for it, so a
                // forwarder may renumber a signed message.
                #expect(result.isValid, "byte \(index)")
            } else {
                #expect(!result.isValid, "byte \(index): \(result)")
            }
        }
        // Bytes of the question and of the MAC give BADSIG, not a parse error.
        for index in [13, 21, offset + 45, Golden.kdigQuery.count - 10] {
            #expect(TSIG.verify(flipped(Golden.kdigQuery, at: index), key: key, now: record.timeSigned).outcome == .badSig)
        }
    }

    @Test func wrongSecretIsBadSigAndUnknownKeyIsBadKey() throws {
        let (record, _) = try tsig(Golden.kdigQuery)
        let wrongSecret = TSIGKey(name: "xfr-key.", secret: flipped(key.secret, at: 5))
        #expect(TSIG.verify(Golden.kdigQuery, key: wrongSecret, now: record.timeSigned).outcome == .badSig)
        let otherName = TSIGKey(name: "other-key.", secret: key.secret)
        #expect(TSIG.verify(Golden.kdigQuery, key: otherName, now: record.timeSigned).outcome == .badKey)
        let otherAlgorithm = TSIGKey(name: "xfr-key.", algorithm: .hmacSHA512, secret: key.secret)
        #expect(TSIG.verify(Golden.kdigQuery, key: otherAlgorithm, now: record.timeSigned).outcome == .badKey)
        #expect(TSIG.verify(Golden.kdigQuery, keys: [], now: record.timeSigned).outcome == .badKey)
    }

    @Test func keyNamesMatchCaseInsensitively() throws {
        let shouting = TSIGKey(name: "XFR-Key.", secret: key.secret)
        let (record, _) = try tsig(Golden.kdigQuery)
        #expect(TSIG.verify(Golden.kdigQuery, key: shouting, now: record.timeSigned).isValid)
        // The digest uses the canonical (lower-case) name, so a sender writing the name in upper
        // case produces a MAC the lower-case key verifies.
        let signed = try TSIG.sign(try unsignedForm(Golden.kdigQuery), key: shouting, now: record.timeSigned)
        #expect(signed.mac == record.mac)
        #expect(TSIG.verify(signed.bytes, key: key, now: record.timeSigned).isValid)
    }

    // MARK: Our signer and verifier

    @Test(arguments: TSIGAlgorithm.allCases)
    func roundTripForEveryAlgorithm(_ algorithm: TSIGAlgorithm) throws {
        let key = TSIGKey(name: "transfer.example.", algorithm: algorithm, secret: Array("not so secret".utf8))
        let query = try unsignedForm(Golden.ourAXFRQuery)
        let signedQuery = try TSIG.sign(query, key: key, now: 1_700_000_000, fudge: 60)
        #expect(signedQuery.mac.count == algorithm.macLength)
        #expect(signedQuery.bytes[11] == query[11] + 1)
        guard case .valid(_, let requestMAC, let record) = TSIG.verify(signedQuery.bytes, key: key, now: 1_700_000_030) else {
            Issue.record("query did not verify")
            return
        }
        #expect(requestMAC == signedQuery.mac)
        #expect(record.fudge == 60 && record.timeSigned == 1_700_000_000 && record.algorithm == algorithm.name)

        let response = try unsignedForm(Golden.knotResponse)
        let signedResponse = try TSIG.sign(response, key: key, now: 1_700_000_001, requestMAC: requestMAC)
        #expect(TSIG.verify(signedResponse.bytes, key: key, now: 1_700_000_001, requestMAC: requestMAC).isValid)
        #expect(TSIG.verify(signedResponse.bytes, key: key, now: 1_700_000_001).outcome == .badSig)
    }

    @Test func timeOutsideTheFudgeIsBadTime() throws {
        let signed = try TSIG.sign(try unsignedForm(Golden.kdigQuery), key: key, now: 1_000_000, fudge: 10)
        #expect(TSIG.verify(signed.bytes, key: key, now: 1_000_010).isValid)
        #expect(TSIG.verify(signed.bytes, key: key, now: 999_990).isValid)
        #expect(TSIG.verify(signed.bytes, key: key, now: 1_000_011).outcome == .badTime)
        #expect(TSIG.verify(signed.bytes, key: key, now: 999_989).outcome == .badTime)
        #expect(TSIG.verify(signed.bytes, key: key, now: 0).outcome == .badTime)
        #expect(TSIG.verify(signed.bytes, key: key, now: .max).outcome == .badTime)
        // The MAC is checked before the time: a bad MAC at a bad time is BADSIG.
        let wrong = TSIGKey(name: key.name, secret: [9])
        #expect(TSIG.verify(signed.bytes, key: wrong, now: 0).outcome == .badSig)
        // Time Signed is 48 bits on the wire.
        let far = try TSIG.sign(try unsignedForm(Golden.kdigQuery), key: key, now: 0xFFFF_0000_0005)
        #expect(try tsig(far.bytes).record.timeSigned == 0xFFFF_0000_0005)
        let beyond = try TSIG.sign(try unsignedForm(Golden.kdigQuery), key: key, now: 0xFF00_0000_0000_0005)
        #expect(try tsig(beyond.bytes).record.timeSigned == 5)
    }

    @Test func unsignedMessagesAreReportedAsSuch() throws {
        #expect(TSIG.verify(try unsignedForm(Golden.kdigQuery), key: key, now: 0) == .unsigned)
        #expect(try TSIGRecord.parse(fromMessage: try unsignedForm(Golden.digQuery)) == nil)
    }

    @Test func truncatedMACWithinTheRulesIsBadTrunc() throws {
        let (record, _) = try tsig(Golden.kdigQuery)
        var short = record
        short.mac = Array(record.mac.prefix(16))
        let result = TSIG.verify(try replacingTSIG(Golden.kdigQuery, with: short), key: key, now: record.timeSigned)
        #expect(result.outcome == .badTrunc)
        short.mac[3] ^= 1
        #expect(TSIG.verify(try replacingTSIG(Golden.kdigQuery, with: short), key: key, now: record.timeSigned).outcome == .badSig)
    }

    // MARK: FORMERR conditions (RFC 8945 sec. 5.2)

    @Test func macSizesOutsideTheAlgorithmsRangeAreFormErr() throws {
        let (record, _) = try tsig(Golden.kdigQuery)
        for size in [0, 1, 8, 15] {
            var bad = record
            bad.mac = Array(record.mac.prefix(size))
            #expect(TSIG.verify(try replacingTSIG(Golden.kdigQuery, with: bad), key: key, now: record.timeSigned).outcome == .formErr,
                    "MAC of \(size) bytes")
        }
        var long = record
        long.mac += [0]
        #expect(TSIG.verify(try replacingTSIG(Golden.kdigQuery, with: long), key: key, now: record.timeSigned).outcome == .formErr)
    }

    @Test func tsigNotLastIsFormErr() throws {
        // A record appended after the TSIG.
        var after = Golden.kdigQuery
        after[11] += 1
        after += [0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]
        #expect(TSIG.verify(after, key: key, now: 0x6b06dac2).outcome == .formErr)
        // Signed twice: two TSIG records, the first not last.
        let twice = try TSIG.sign(Golden.kdigQuery, key: key, now: 0x6b06dac2)
        #expect(TSIG.verify(twice.bytes, key: key, now: 0x6b06dac2).outcome == .formErr)
        // The TSIG in the answer section (ANCOUNT 1, ARCOUNT 0).
        var inAnswer = Golden.kdigQuery
        inAnswer[7] = 1
        inAnswer[11] = 0
        guard case .formErr(let error) = TSIG.verify(inAnswer, key: key, now: 0x6b06dac2) else {
            Issue.record("expected FORMERR")
            return
        }
        #expect(error.message.contains("not the last record"))
    }

    @Test func brokenTSIGRecordsAreFormErr() throws {
        let (record, offset) = try tsig(Golden.kdigQuery)
        let rdlengthAt = offset + 9 + 8
        // RDLENGTH one too long or too short.
        var longer = Golden.kdigQuery
        longer[rdlengthAt + 1] += 1
        #expect(TSIG.verify(longer + [0], key: key, now: record.timeSigned).outcome == .formErr)
        var shorter = Golden.kdigQuery
        shorter[rdlengthAt + 1] -= 1
        #expect(TSIG.verify(shorter, key: key, now: record.timeSigned).outcome == .formErr)
        // Class other than ANY.
        var classIN = Golden.kdigQuery
        classIN[offset + 9 + 3] = 1
        #expect(TSIG.verify(classIN, key: key, now: record.timeSigned).outcome == .formErr)
        // A MAC size running past the RDATA.
        var macSize = Golden.kdigQuery
        macSize[offset + 9 + 10 + 13 + 8] = 0x7F
        #expect(TSIG.verify(macSize, key: key, now: record.timeSigned).outcome == .formErr)
        // Every cut of the message is FORMERR, never a crash, and shorter than a header too.
        for length in 0..<Golden.kdigQuery.count {
            #expect(TSIG.verify(Array(Golden.kdigQuery.prefix(length)), key: key, now: 0).outcome == .formErr)
        }
        #expect(TSIG.verify(Golden.kdigQuery + [0], key: key, now: record.timeSigned).outcome == .formErr)
    }

    @Test func hostileBytesNeverCrash() throws {
        var random = SplitMix64(state: 8945)
        let seeds = [Golden.kdigQuery, Golden.knotResponse, Golden.digQuery, Golden.knotBadTime, Golden.knotBadSig]
        var outcomes: [TSIGVerification.Outcome: Int] = [:]
        for round in 0..<4000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeSubrange(index...)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
                }
                if bytes.isEmpty { break }
            }
            let result = TSIG.verify(bytes, keys: [key], now: 0x6b06dac2, requestMAC: [1, 2, 3])
            outcomes[result.outcome, default: 0] += 1
            _ = try? TSIGRecord.parse(fromMessage: bytes)
        }
        for length in [0, 1, 11, 12, 13, 64, 300] {
            let noise = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = TSIG.verify(noise, key: key, now: 0)
        }
        #expect(outcomes[.valid, default: 0] < 100)
        #expect(outcomes[.formErr, default: 0] > 0)
    }

    // MARK: Records

    @Test func recordSerializesAndParsesBack() throws {
        let record = TSIGRecord(keyName: "Key.Example.", algorithm: "hmac-sha512.", timeSigned: 0x0102_0304_0506,
                                fudge: 77, mac: [1, 2, 3], originalID: 0xBEEF, error: .badTime, otherData: [9, 8])
        let message = try TSIG.append(record, to: try unsignedForm(Golden.kdigQuery))
        #expect(try TSIGRecord.parse(fromMessage: message) == record)
        // owner 13 + TYPE/CLASS/TTL/RDLENGTH 10 + algorithm 13 + fixed fields 16 + MAC 3 + other 2
        #expect(try record.serialize().count == 57)
        var huge = record
        huge.otherData = [UInt8](repeating: 0, count: 70_000)
        #expect(throws: TSIGError.self) { try huge.serialize() }
        #expect(throws: TSIGError.self) { try TSIG.sign([1, 2, 3], key: key, now: 0) }
        var full = try unsignedForm(Golden.kdigQuery)
        full[10] = 0xFF
        full[11] = 0xFF
        #expect(throws: TSIGError.self) { try TSIG.sign(full, key: key, now: 0) }
    }
}
