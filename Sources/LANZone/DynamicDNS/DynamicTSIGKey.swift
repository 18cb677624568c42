import DNSWire

/// The HMAC key of an RFC 2136 token. Unlike a dyndns2 secret it is stored as it is: verifying
/// an HMAC needs the key itself, a hash of it is of no use. The database file must therefore be
/// readable only by the daemon's user.
public struct DynamicTSIGKey: Sendable, Hashable {
    public var name: DomainName
    /// As operators write it: `hmac-sha256`.
    public var algorithm: String
    public var secret: [UInt8]

    public init(name: DomainName, algorithm: String, secret: [UInt8]) {
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
    }
}

/// A key printed by accident (a log line, a test failure) shows its name, never its secret.
extension DynamicTSIGKey: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "\(algorithm):\(name) (secret of \(secret.count) bytes)" }
    public var debugDescription: String { description }
}
