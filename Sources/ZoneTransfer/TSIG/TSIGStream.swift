import DNSWire

/// Signs the messages of a multi-message response (AXFR/IXFR over TCP, RFC 8945 sec. 5.3.1).
///
/// The first message's MAC covers the request MAC and all TSIG variables; each later signed
/// message's MAC covers the MAC before it, any unsigned messages since, itself, and only the
/// timers. Chaining the MACs is what stops an attacker from dropping, reordering or splicing
/// messages. Signing every message is simplest and what Knot does; `passUnsigned` exists for
/// senders that sign only every few messages, and the last message must always be signed.
public struct TSIGStreamSigner: Sendable {
    /// A client must accept up to 99 unsigned messages in a row (RFC 8945 sec. 5.3.1).
    public static let maxUnsigned = 99

    public let key: TSIGKey
    public let fudge: UInt16
    /// The MAC the next signed message covers: the request's at first, then the last one made.
    public private(set) var priorMAC: [UInt8]
    public private(set) var signedCount = 0
    /// Unsigned messages since the last signed one; the next signed message's MAC covers them.
    private var pending: [[UInt8]] = []

    public init(key: TSIGKey, requestMAC: [UInt8], fudge: UInt16 = TSIG.defaultFudge) {
        self.key = key
        self.priorMAC = requestMAC
        self.fudge = fudge
    }

    /// True while messages were passed unsigned after the last signed one: the stream must not
    /// end like that.
    public var hasUnsignedTail: Bool { !pending.isEmpty }

    /// Signs the next message (`now` in seconds since the epoch) and returns it with its TSIG.
    public mutating func sign(_ message: [UInt8], now: UInt64) throws(TSIGError) -> [UInt8] {
        try TSIG.checkSignable(message)
        let template = TSIGRecord(keyName: key.name, algorithm: key.algorithm.name, timeSigned: now & TSIG.maxTime,
                                  fudge: fudge, mac: [], originalID: TSIG.messageID(message))
        let (bytes, mac) = try TSIG.appendSigned(message, key: key, template: template, prefix: priorMAC,
                                                 earlier: pending, timersOnly: signedCount > 0)
        priorMAC = mac
        pending = []
        signedCount += 1
        return bytes
    }

    /// Lets a message go out without a TSIG; the next signed message covers it. The first
    /// message, and more than 99 in a row, are refused, since no client would accept them.
    public mutating func passUnsigned(_ message: [UInt8]) throws(TSIGError) -> [UInt8] {
        guard signedCount > 0 else {
            throw TSIGError(.badStream, "the first message of a TSIG stream must be signed")
        }
        guard pending.count < Self.maxUnsigned else {
            throw TSIGError(.badStream, "at most \(Self.maxUnsigned) messages in a row may go unsigned")
        }
        pending.append(message)
        return message
    }
}

/// Why a signed stream was rejected.
public enum TSIGStreamFailure: Sendable, Hashable, CustomStringConvertible {
    /// The first message had no TSIG.
    case unsignedFirstMessage
    /// More unsigned messages in a row than the verifier allows.
    case tooManyUnsigned(Int)
    /// The stream ended with this many unsigned messages after the last signed one.
    case unsignedLastMessage(Int)
    /// Message number `message` (from 1) had a TSIG that did not verify.
    case rejected(message: Int, TSIGVerification)

    public var description: String {
        switch self {
        case .unsignedFirstMessage: "the first message of the stream is not signed"
        case .tooManyUnsigned(let count): "more than \(count) unsigned messages in a row"
        case .unsignedLastMessage(let count): "the stream ends with \(count) unsigned messages"
        case .rejected(let message, let verification): "message \(message): \(verification)"
        }
    }
}

/// The state of a stream after a message.
public enum TSIGStreamStatus: Sendable, Hashable {
    /// This message was signed, and its MAC covers it and everything before it.
    case verified
    /// This message was unsigned; it is held until a signed message covers it. The count is the
    /// number of unsigned messages waiting.
    case pending(Int)
    /// The stream cannot be trusted; every later call returns the same failure.
    case failed(TSIGStreamFailure)
}

/// Checks the messages of a multi-message response as a client (RFC 8945 sec. 5.3.1): the
/// first message must be signed, up to `maxUnsigned` (99) unsigned messages may follow a signed
/// one, and `finish()` rejects a stream that ends unsigned. Feed messages in order, without the
/// TCP length prefix.
public struct TSIGStreamVerifier: Sendable {
    public let key: TSIGKey
    public let maxUnsigned: Int
    /// Messages seen so far.
    public private(set) var messageCount = 0
    public private(set) var signedCount = 0
    /// The first failure, once there is one.
    public private(set) var failure: TSIGStreamFailure?
    private var priorMAC: [UInt8]
    private var pending: [[UInt8]] = []

    /// `requestMAC` is the MAC of the signed request (the `mac` that `TSIG.sign` returned).
    public init(key: TSIGKey, requestMAC: [UInt8], maxUnsigned: Int = TSIGStreamSigner.maxUnsigned) {
        self.key = key
        self.priorMAC = requestMAC
        self.maxUnsigned = maxUnsigned
    }

    /// Checks the next message (`now` in seconds since the epoch).
    public mutating func verify(_ message: [UInt8], now: UInt64) -> TSIGStreamStatus {
        if let failure { return .failed(failure) }
        messageCount += 1
        let result = TSIG.check(message, keys: [key], now: now, prefix: priorMAC, earlier: pending,
                                timersOnly: signedCount > 0)
        switch result {
        case .unsigned:
            guard signedCount > 0 else { return fail(.unsignedFirstMessage) }
            guard pending.count < maxUnsigned else { return fail(.tooManyUnsigned(maxUnsigned)) }
            pending.append(message)
            return .pending(pending.count)
        case .valid(_, let mac, _):
            priorMAC = mac
            pending = []
            signedCount += 1
            return .verified
        default:
            return fail(.rejected(message: messageCount, result))
        }
    }

    /// Call after the last message (the closing SOA of a transfer): succeeds only if that
    /// message was signed and nothing failed before.
    public func finish() -> TSIGStreamStatus {
        if let failure { return .failed(failure) }
        guard signedCount > 0 else { return .failed(.unsignedFirstMessage) }
        guard pending.isEmpty else { return .failed(.unsignedLastMessage(pending.count)) }
        return .verified
    }

    private mutating func fail(_ reason: TSIGStreamFailure) -> TSIGStreamStatus {
        failure = reason
        pending = []
        return .failed(reason)
    }
}
