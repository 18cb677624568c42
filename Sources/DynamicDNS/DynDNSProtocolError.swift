/// Why a request was refused before any credential was looked at. `code` chooses the answer;
/// `reason` is for the log only (it may quote the request, so it never goes into a body).
public struct DynDNSProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// Bad percent-encoding, control bytes, a repeated parameter with two values, an
        /// address that is not one, a request too large: `badrequest`.
        case malformed
        /// A hostname that is not an ASCII fully qualified name.
        case notfqdn
        /// More hostnames than allowed.
        case numhost
        /// An Authorization header that cannot be read.
        case badauth
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var answer: DynDNSAnswer {
        switch code {
        case .malformed: .malformed
        case .notfqdn: .notfqdn
        case .numhost: .numhost
        case .badauth: .badauth
        }
    }

    public var description: String { "\(code): \(reason)" }
}
