/// The one error type of the TSIG code: what kind of problem, and a sentence for the operator.
///
/// Messages never contain key secrets, so they are safe to log.
public struct TSIGError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Key text that is not `NAME:ALGORITHM:BASE64SECRET`.
        case badKeySyntax
        /// A key name that is not a valid domain name.
        case badKeyName
        /// An algorithm we do not implement (or refuse, like hmac-md5).
        case unsupportedAlgorithm
        /// A secret that is not base64 or is empty.
        case badSecret
        /// A message or TSIG RR whose wire form is broken (a FORMERR condition, RFC 8945 sec. 5.2).
        case malformed
        /// A message that cannot take a TSIG RR (shorter than a header, ARCOUNT full, over 65535 bytes).
        case notSignable
        /// A stream signed out of order (e.g. an unsigned first message, RFC 8945 sec. 5.3.1).
        case badStream
        /// An error response was asked for a verification that did not fail.
        case notAnError
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The TSIG ERROR field (RFC 8945 sec. 4.2 and the IANA "DNS RCODEs" registry).
public struct TSIGRCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = TSIGRCode(rawValue: 0)
    public static let badSig = TSIGRCode(rawValue: 16)
    public static let badKey = TSIGRCode(rawValue: 17)
    public static let badTime = TSIGRCode(rawValue: 18)
    public static let badTrunc = TSIGRCode(rawValue: 22)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 16: "BADSIG"
        case 17: "BADKEY"
        case 18: "BADTIME"
        case 22: "BADTRUNC"
        default: "RCODE\(rawValue)"
        }
    }
}
