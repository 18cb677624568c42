import DNSWire

/// What checking a received message's TSIG found (RFC 8945 sec. 5.2, 5.4). Only `.valid`
/// authenticates the message; every other case means "do not trust it".
public enum TSIGVerification: Sendable, Hashable, CustomStringConvertible {
    /// The message has no TSIG RR.
    case unsigned
    /// The MAC checks out with `key`, the time is within the fudge, and the MAC is full length.
    /// Keep `mac`: it is the request MAC that the response's MAC must cover.
    case valid(key: TSIGKey, mac: [UInt8], record: TSIGRecord)
    /// No configured key has this name and algorithm (answer NOTAUTH + BADKEY, unsigned).
    case badKey(record: TSIGRecord)
    /// The MAC does not match (answer NOTAUTH + BADSIG, unsigned).
    case badSig(record: TSIGRecord)
    /// The MAC matched but Time Signed is off by more than the fudge (answer NOTAUTH + BADTIME,
    /// signed with `key` over `mac`).
    case badTime(key: TSIGKey, mac: [UInt8], record: TSIGRecord)
    /// The MAC matched but was truncated, which our policy does not accept (RFC 8945 sec. 5.2.4;
    /// answer NOTAUTH + BADTRUNC, signed).
    case badTrunc(key: TSIGKey, mac: [UInt8], record: TSIGRecord)
    /// The TSIG cannot be interpreted: not last, more than one, broken RDATA, or a MAC size outside
    /// what the algorithm allows (answer FORMERR without a TSIG).
    case formErr(TSIGError)
    /// The peer put an error in the TSIG: an unsigned BADKEY/BADSIG response (empty MAC), or a
    /// signed error such as BADTIME whose MAC did check out.
    case peerError(TSIGRCode, record: TSIGRecord)

    /// The case without its payload, for simple comparisons and logs.
    public enum Outcome: String, Sendable, Hashable {
        case unsigned, valid, badKey, badSig, badTime, badTrunc, formErr, peerError
    }

    public var outcome: Outcome {
        switch self {
        case .unsigned: .unsigned
        case .valid: .valid
        case .badKey: .badKey
        case .badSig: .badSig
        case .badTime: .badTime
        case .badTrunc: .badTrunc
        case .formErr: .formErr
        case .peerError: .peerError
        }
    }

    public var isValid: Bool { outcome == .valid }

    public var description: String {
        switch self {
        case .unsigned: "unsigned"
        case .valid(let key, _, _): "valid TSIG with key \(key)"
        case .badKey(let record): "BADKEY: no key \(record.keyName) with algorithm \(record.algorithm)"
        case .badSig(let record): "BADSIG: MAC does not match key \(record.keyName)"
        case .badTime(_, _, let record): "BADTIME: signed at \(record.timeSigned) with fudge \(record.fudge)"
        case .badTrunc(_, let mac, _): "BADTRUNC: MAC truncated to \(mac.count) bytes"
        case .formErr(let error): "FORMERR: \(error)"
        case .peerError(let code, let record): "peer reported TSIG error \(code) for key \(record.keyName)"
        }
    }
}

/// TSIG signing and verification of single messages (RFC 8945). Pure functions over message
/// bytes: the caller passes the clock in `now` (seconds since the epoch), so tests are exact.
public enum TSIG {
    /// 300 s, the fudge RFC 8945 sec. 10 recommends and BIND and Knot use.
    public static let defaultFudge: UInt16 = 300

    /// Signs a message we send: a request, or the first (or only) message of a response, in
    /// which case `requestMAC` is the MAC of the request being answered. Appends the TSIG RR as
    /// the last additional record and increments ARCOUNT. Returns the signed bytes and the MAC,
    /// which the response (or the next message of a stream) must cover.
    ///
    /// The MAC covers (RFC 8945 sec. 4.3): the request MAC with its 2-byte length, the message
    /// as it was before the TSIG RR was added, then the TSIG variables in canonical form.
    public static func sign(_ message: [UInt8], key: TSIGKey, now: UInt64, fudge: UInt16 = defaultFudge,
                            requestMAC: [UInt8]? = nil) throws(TSIGError) -> (bytes: [UInt8], mac: [UInt8]) {
        try checkSignable(message)
        let template = TSIGRecord(keyName: key.name, algorithm: key.algorithm.name, timeSigned: now & maxTime,
                                  fudge: fudge, mac: [], originalID: messageID(message))
        return try appendSigned(message, key: key, template: template, prefix: requestMAC, earlier: [],
                                timersOnly: false)
    }

    /// Checks the TSIG of a received message against the keys we know. A server checking a
    /// request passes no `requestMAC`; a client checking a response passes the MAC of its
    /// request. The steps and their order follow RFC 8945 sec. 5.2: placement and format
    /// (FORMERR), key (BADKEY), MAC (BADSIG), time (BADTIME), truncation (BADTRUNC).
    public static func verify(_ bytes: [UInt8], keys: [TSIGKey], now: UInt64,
                              requestMAC: [UInt8]? = nil) -> TSIGVerification {
        check(bytes, keys: keys, now: now, prefix: requestMAC, earlier: [], timersOnly: false)
    }

    /// `verify(_:keys:now:requestMAC:)` with one key, as a client that knows its key uses it.
    public static func verify(_ bytes: [UInt8], key: TSIGKey, now: UInt64,
                              requestMAC: [UInt8]? = nil) -> TSIGVerification {
        check(bytes, keys: [key], now: now, prefix: requestMAC, earlier: [], timersOnly: false)
    }

    /// Turns `response` (normally the request's header and question with QR set and no records)
    /// into the error response a failed verification calls for (RFC 8945 sec. 5.2, 5.3.2):
    /// - `.badKey`, `.badSig`: RCODE NOTAUTH and an unsigned TSIG (empty MAC) carrying the error,
    ///   because we cannot prove who we are to a peer whose key or MAC we could not use;
    /// - `.badTime`: RCODE NOTAUTH and a TSIG signed over the request MAC, with the request's
    ///   Time Signed and our clock in Other Data, so the client can see the skew;
    /// - `.badTrunc`: RCODE NOTAUTH and a signed TSIG with BADTRUNC;
    /// - `.formErr`, `.peerError`: RCODE FORMERR and no TSIG, since the TSIG could not be used.
    /// `.unsigned` and `.valid` are not errors and throw `.notAnError`.
    public static func errorResponse(_ response: [UInt8], for failure: TSIGVerification, now: UInt64,
                                     fudge: UInt16 = defaultFudge) throws(TSIGError) -> [UInt8] {
        try checkSignable(response)
        var message = response
        let id = messageID(message)
        func setRCode(_ rcode: ResponseCode) {
            message[3] = (message[3] & 0xF0) | UInt8(rcode.rawValue & 0x0F)
        }
        switch failure {
        case .badKey(let record), .badSig(let record):
            setRCode(.notAuth)
            let tsig = TSIGRecord(keyName: record.keyName, algorithm: record.algorithm, timeSigned: now & maxTime,
                                  fudge: fudge, mac: [], originalID: id,
                                  error: failure.outcome == .badKey ? .badKey : .badSig)
            return try append(tsig, to: message)
        case .badTime(let key, let mac, let record):
            setRCode(.notAuth)
            let template = TSIGRecord(keyName: key.name, algorithm: key.algorithm.name,
                                      timeSigned: record.timeSigned & maxTime, fudge: fudge, mac: [],
                                      originalID: id, error: .badTime, otherData: TSIGRecord.uint48(now))
            return try appendSigned(message, key: key, template: template, prefix: mac, earlier: [],
                                    timersOnly: false).bytes
        case .badTrunc(let key, let mac, _):
            setRCode(.notAuth)
            let template = TSIGRecord(keyName: key.name, algorithm: key.algorithm.name, timeSigned: now & maxTime,
                                      fudge: fudge, mac: [], originalID: id, error: .badTrunc)
            return try appendSigned(message, key: key, template: template, prefix: mac, earlier: [],
                                    timersOnly: false).bytes
        case .formErr, .peerError:
            setRCode(.formErr)
            return message
        case .unsigned, .valid:
            throw TSIGError(.notAnError, "no error response for a message that is \(failure.outcome.rawValue)")
        }
    }

    // MARK: - Shared by single messages and streams

    static let maxTime: UInt64 = 0xFFFF_FFFF_FFFF

    static func messageID(_ message: [UInt8]) -> UInt16 {
        message.count >= 2 ? UInt16(message[0]) << 8 | UInt16(message[1]) : 0
    }

    static func checkSignable(_ message: [UInt8]) throws(TSIGError) {
        guard message.count >= Header.size else {
            throw TSIGError(.notSignable, "message of \(message.count) bytes is shorter than a DNS header")
        }
    }

    /// A prior or request MAC as the digest starts with it: 2-byte length, then the MAC. An
    /// absent or empty MAC adds nothing (as Knot does for a request without one).
    static func macPrefix(_ mac: [UInt8]?) -> [ArraySlice<UInt8>] {
        guard let mac, !mac.isEmpty else { return [] }
        return [[UInt8(truncatingIfNeeded: mac.count >> 8), UInt8(truncatingIfNeeded: mac.count)][...], mac[...]]
    }

    /// Computes the MAC of `template` over prefix, earlier unsigned messages, the message and the
    /// variables (all of them, or the timers only for later messages of a stream), then appends.
    static func appendSigned(_ message: [UInt8], key: TSIGKey, template: TSIGRecord, prefix: [UInt8]?,
                             earlier: [[UInt8]], timersOnly: Bool) throws(TSIGError) -> (bytes: [UInt8], mac: [UInt8]) {
        var record = template
        var parts = macPrefix(prefix)
        for unsigned in earlier { parts.append(unsigned[...]) }
        parts.append(message[...])
        let variables = timersOnly ? record.timers : record.variables
        parts.append(variables[...])
        record.mac = key.algorithm.authenticationCode(secret: key.secret, parts: parts)
        return (try append(record, to: message), record.mac)
    }

    /// Appends `record` as the last additional record and increments ARCOUNT.
    static func append(_ record: TSIGRecord, to message: [UInt8]) throws(TSIGError) -> [UInt8] {
        try checkSignable(message)
        let arcount = UInt16(message[10]) << 8 | UInt16(message[11])
        guard arcount < UInt16.max else {
            throw TSIGError(.notSignable, "ARCOUNT is already 65535, no room for a TSIG record")
        }
        let rr = try record.serialize()
        guard message.count + rr.count <= Int(UInt16.max) else {
            throw TSIGError(.notSignable, "message of \(message.count) bytes plus a \(rr.count)-byte TSIG exceeds 65535 bytes")
        }
        var out = message
        out.reserveCapacity(message.count + rr.count)
        out[10] = UInt8((arcount + 1) >> 8)
        out[11] = UInt8(truncatingIfNeeded: arcount + 1)
        out.append(contentsOf: rr)
        return out
    }

    /// The verification steps of RFC 8945 sec. 5.2 for one message; `earlier` are the unsigned
    /// messages of a stream that this message's MAC also covers.
    static func check(_ bytes: [UInt8], keys: [TSIGKey], now: UInt64, prefix: [UInt8]?, earlier: [[UInt8]],
                      timersOnly: Bool) -> TSIGVerification {
        let location: TSIGLocation?
        do {
            location = try TSIGRecord.locate(in: bytes)
        } catch {
            return .formErr(error)
        }
        guard let location else { return .unsigned }
        let record = location.record
        if record.mac.isEmpty && record.error != .noError {
            return .peerError(record.error, record: record)
        }
        guard let key = keys.first(where: { $0.name == record.keyName && $0.algorithm.name == record.algorithm }) else {
            return .badKey(record: record)
        }
        let algorithm = key.algorithm
        guard record.mac.count <= algorithm.macLength, record.mac.count >= algorithm.minimumMACLength else {
            return .formErr(TSIGError(.malformed,
                                      "MAC of \(record.mac.count) bytes for \(algorithm): allowed are \(algorithm.minimumMACLength)...\(algorithm.macLength)"))
        }
        var parts = macPrefix(prefix)
        for unsigned in earlier { parts.append(unsigned[...]) }
        parts += location.coveredMessage(bytes)
        let variables = timersOnly ? record.timers : record.variables
        parts.append(variables[...])
        let expected = algorithm.authenticationCode(secret: key.secret, parts: parts)
        guard constantTimeEqual(expected.prefix(record.mac.count), record.mac[...]) else {
            return .badSig(record: record)
        }
        if record.error != .noError {
            return .peerError(record.error, record: record)
        }
        let skew = now > record.timeSigned ? now - record.timeSigned : record.timeSigned - now
        guard skew <= UInt64(record.fudge) else {
            return .badTime(key: key, mac: record.mac, record: record)
        }
        guard record.mac.count == algorithm.macLength else {
            return .badTrunc(key: key, mac: record.mac, record: record)
        }
        return .valid(key: key, mac: record.mac, record: record)
    }

    /// Compares without an early exit, so timing does not tell how many leading bytes matched.
    static func constantTimeEqual(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
