import DNSWire
import Testing
@testable import ZoneTransfer

@Suite("TSIG error responses")
struct TSIGErrorResponseTests {
    let key = Golden.key
    /// knotd's clock when it answered the error queries.
    let knotNow: UInt64 = 0x6b06dbc4

    /// What a server answers with before adding the TSIG: the query's header and question with
    /// QR set and no records.
    func responseSkeleton(_ query: [UInt8]) throws -> [UInt8] {
        var bytes = try unsignedForm(query)
        bytes[2] |= 0x80
        return bytes
    }

    func rcode(_ bytes: [UInt8]) -> UInt8 { bytes[3] & 0x0F }

    // MARK: Knot's error responses, checked as a client

    @Test func knotBadTimeIsSignedAndReported() throws {
        let query = try tsig(Golden.ourSlowQuery).record
        let result = TSIG.verify(Golden.knotBadTime, key: key, now: query.timeSigned, requestMAC: query.mac)
        guard case .peerError(.badTime, let record) = result else {
            Issue.record("expected a verified BADTIME, got \(result)")
            return
        }
        #expect(rcode(Golden.knotBadTime) == 9)
        #expect(record.timeSigned == query.timeSigned)
        #expect(record.otherData == TSIGRecord.uint48(knotNow))
        // It is a signed error: a flipped byte makes it BADSIG.
        #expect(TSIG.verify(flipped(Golden.knotBadTime, at: 14), key: key, now: query.timeSigned,
                            requestMAC: query.mac).outcome == .badSig)
    }

    @Test func knotBadSigAndBadKeyAreUnsignedErrors() throws {
        let query = try tsig(Golden.ourWrongSecretQuery).record
        #expect(TSIG.verify(Golden.knotBadSig, key: key, now: knotNow, requestMAC: query.mac)
                == .peerError(.badSig, record: try tsig(Golden.knotBadSig).record))
        #expect(rcode(Golden.knotBadSig) == 9)
        let badKey = TSIG.verify(Golden.knotBadKey, key: key, now: knotNow)
        #expect(badKey == .peerError(.badKey, record: try tsig(Golden.knotBadKey).record))
    }

    // MARK: Our error responses, byte for byte against Knot's

    @Test func ourBadTimeResponseMatchesKnot() throws {
        let failure = TSIG.verify(Golden.ourSlowQuery, keys: [key], now: knotNow)
        #expect(failure.outcome == .badTime)
        let response = try TSIG.errorResponse(try responseSkeleton(Golden.ourSlowQuery), for: failure, now: knotNow)
        #expect(response == Golden.knotBadTime)
    }

    @Test func ourBadSigResponseMatchesKnot() throws {
        let failure = TSIG.verify(Golden.ourWrongSecretQuery, keys: [key], now: knotNow)
        #expect(failure.outcome == .badSig)
        let response = try TSIG.errorResponse(try responseSkeleton(Golden.ourWrongSecretQuery), for: failure, now: knotNow)
        #expect(response == Golden.knotBadSig)
    }

    @Test func ourBadKeyResponseMatchesKnot() throws {
        var query = try unsignedForm(Golden.ourWrongSecretQuery)
        query[1] = 0x96
        let otherKey = TSIGKey(name: "other-key.", secret: key.secret)
        let signed = try TSIG.sign(query, key: otherKey, now: knotNow).bytes
        let failure = TSIG.verify(signed, keys: [key], now: knotNow)
        #expect(failure.outcome == .badKey)
        let response = try TSIG.errorResponse(try responseSkeleton(signed), for: failure, now: knotNow)
        #expect(response == Golden.knotBadKey)
    }

    // MARK: The other cases

    @Test func badTruncResponseIsSignedOverTheRequestMAC() throws {
        var record = try tsig(Golden.kdigQuery).record
        record.mac = Array(record.mac.prefix(20))
        let query = try replacingTSIG(Golden.kdigQuery, with: record)
        let failure = TSIG.verify(query, keys: [key], now: record.timeSigned)
        #expect(failure.outcome == .badTrunc)
        let response = try TSIG.errorResponse(try responseSkeleton(query), for: failure, now: record.timeSigned)
        #expect(rcode(response) == 9)
        #expect(TSIG.verify(response, key: key, now: record.timeSigned, requestMAC: record.mac).outcome == .peerError)
        #expect(try tsig(response).record.error == .badTrunc)
    }

    @Test func formErrGetsFormErrWithoutTSIG() throws {
        let twice = try TSIG.sign(Golden.kdigQuery, key: key, now: 1).bytes
        let failure = TSIG.verify(twice, keys: [key], now: 1)
        #expect(failure.outcome == .formErr)
        let response = try TSIG.errorResponse(try responseSkeleton(Golden.kdigQuery), for: failure, now: 1)
        #expect(rcode(response) == 1)
        #expect(try TSIGRecord.parse(fromMessage: response) == nil)
    }

    @Test func noErrorResponseForGoodOrUnsignedMessages() throws {
        let record = try tsig(Golden.kdigQuery).record
        let valid = TSIG.verify(Golden.kdigQuery, keys: [key], now: record.timeSigned)
        let skeleton = try responseSkeleton(Golden.kdigQuery)
        for result in [valid, TSIGVerification.unsigned] {
            let error = #expect(throws: TSIGError.self) { try TSIG.errorResponse(skeleton, for: result, now: 0) }
            #expect(error?.code == .notAnError)
        }
        #expect(throws: TSIGError.self) { try TSIG.errorResponse([0, 1], for: .badKey(record: record), now: 0) }
    }
}
