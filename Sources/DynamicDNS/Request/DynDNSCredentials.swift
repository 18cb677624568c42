/// The secret a request presents, and the user name that came with it, if any.
public struct DynDNSCredentials: Sendable, Hashable, CustomStringConvertible {
    public enum Source: String, Sendable, Hashable {
        /// `Authorization: Basic` (user = a hostname or the account).
        case basic
        /// `Authorization: Token T`.
        case token
        /// `username` and `password` in the query.
        case query
    }

    public var user: String?
    public var secret: String
    public var source: Source

    public init(user: String?, secret: String, source: Source) {
        self.user = user
        self.secret = secret
        self.source = source
    }

    /// Never the secret: `basic user=alice` (`user=***` when a client put the secret there too).
    public var description: String {
        guard let user else { return source.rawValue }
        return source.rawValue + " user=" + (user == secret ? "***" : LogText.clean(user, limit: 100))
    }
}
