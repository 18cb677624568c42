import Crypto
import DNSWire

/// A TSIG MAC algorithm (RFC 8945 sec. 6). Raw values are the names BIND and Knot use in their
/// configuration and on the command line; on the wire the algorithm travels as `name`.
///
/// hmac-md5 is refused on purpose (RFC 8945 sec. 6 deprecates it) and hmac-sha224 is left out
/// because swift-crypto has no SHA-224.
public enum TSIGAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case hmacSHA1 = "hmac-sha1"
    case hmacSHA256 = "hmac-sha256"
    case hmacSHA384 = "hmac-sha384"
    case hmacSHA512 = "hmac-sha512"

    /// The algorithm's domain name as carried in the TSIG RR (`hmac-sha256.`).
    public var name: DomainName {
        switch self {
        case .hmacSHA1: "hmac-sha1."
        case .hmacSHA256: "hmac-sha256."
        case .hmacSHA384: "hmac-sha384."
        case .hmacSHA512: "hmac-sha512."
        }
    }

    /// Length of the full MAC, the hash's output length.
    public var macLength: Int {
        switch self {
        case .hmacSHA1: 20
        case .hmacSHA256: 32
        case .hmacSHA384: 48
        case .hmacSHA512: 64
        }
    }

    /// The shortest MAC the RFC lets anyone send: the larger of 10 octets and half the hash
    /// (RFC 8945 sec. 5.2.2.1). Shorter ones are FORMERR.
    public var minimumMACLength: Int { max(10, macLength / 2) }

    public var description: String { rawValue }

    /// The algorithm whose wire name is `name` (case-insensitive), or nil if we do not have it.
    public init?(name: DomainName) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// Parses an algorithm as operators write it (`hmac-sha256`, `HMAC-SHA256.`), with a message
    /// that says what to use instead when the name is known but refused.
    public init(text: String) throws(TSIGError) {
        var lower = text.lowercased()
        if lower.hasSuffix(".") { lower.removeLast() }
        if let match = TSIGAlgorithm(rawValue: lower) {
            self = match
            return
        }
        switch lower {
        case "hmac-md5", "hmac-md5.sig-alg.reg.int":
            throw TSIGError(.unsupportedAlgorithm,
                            "TSIG algorithm hmac-md5 is not supported: MD5 is deprecated for TSIG (RFC 8945 sec. 6); use hmac-sha256")
        case "hmac-sha224":
            throw TSIGError(.unsupportedAlgorithm,
                            "TSIG algorithm hmac-sha224 is not supported here; use hmac-sha256")
        default:
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw TSIGError(.unsupportedAlgorithm, "unknown TSIG algorithm \"\(text)\" (expected one of \(known))")
        }
    }

    /// HMAC over `parts` in order, as if they were one byte string.
    func authenticationCode(secret: [UInt8], parts: [ArraySlice<UInt8>]) -> [UInt8] {
        switch self {
        case .hmacSHA1: Self.hmac(Insecure.SHA1.self, secret, parts)
        case .hmacSHA256: Self.hmac(SHA256.self, secret, parts)
        case .hmacSHA384: Self.hmac(SHA384.self, secret, parts)
        case .hmacSHA512: Self.hmac(SHA512.self, secret, parts)
        }
    }

    private static func hmac<H: HashFunction>(_: H.Type, _ secret: [UInt8], _ parts: [ArraySlice<UInt8>]) -> [UInt8] {
        var state = HMAC<H>(key: SymmetricKey(data: secret))
        for part in parts { state.update(data: part) }
        return Array(state.finalize())
    }
}

/// A shared TSIG key: the key name both sides configured, the algorithm, and the secret.
///
/// `description` shows the name and algorithm only, so a key can be logged without leaking it.
public struct TSIGKey: Sendable, Hashable, CustomStringConvertible {
    public var name: DomainName
    public var algorithm: TSIGAlgorithm
    public var secret: [UInt8]

    public init(name: DomainName, algorithm: TSIGAlgorithm = .hmacSHA256, secret: [UInt8]) {
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
    }

    public var description: String { "\(name) (\(algorithm))" }

    /// Parses the command-line form `NAME:ALGORITHM:BASE64SECRET`, e.g.
    /// `xfr-key:hmac-sha256:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0`. NAME is taken as absolute
    /// (`xfr-key` is `xfr-key.`), as BIND and Knot do. Error messages never repeat the secret.
    public static func parse(_ text: String) throws(TSIGError) -> TSIGKey {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TSIGError(.badKeySyntax,
                            "a TSIG key must be NAME:ALGORITHM:BASE64SECRET (e.g. xfr-key:hmac-sha256:c2VjcmV0...), got \(parts.count) colon-separated parts")
        }
        let nameText = String(parts[0])
        guard !nameText.isEmpty else { throw TSIGError(.badKeyName, "the TSIG key name is empty") }
        let name: DomainName
        do {
            name = try DomainName(nameText)
        } catch {
            throw TSIGError(.badKeyName, "bad TSIG key name \"\(nameText)\": \(error)")
        }
        guard !name.isRoot else { throw TSIGError(.badKeyName, "the TSIG key name cannot be the root") }
        let algorithm = try TSIGAlgorithm(text: String(parts[1]))
        guard let secret = Base64.decode(parts[2]) else {
            throw TSIGError(.badSecret, "the secret of TSIG key \(name) is not valid base64")
        }
        guard !secret.isEmpty else { throw TSIGError(.badSecret, "the secret of TSIG key \(name) is empty") }
        return TSIGKey(name: name, algorithm: algorithm, secret: secret)
    }
}
