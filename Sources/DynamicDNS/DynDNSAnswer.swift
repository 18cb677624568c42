import DNSWire

/// What an update request gets back: the dyndns2 result codes, as deSEC's dedyn.io documents them,
/// plus `malformed` for a request this server cannot read (a protocol error, never a crash).
///
/// Rendered by `http` so that every real client reads it right (see `DDNS-CLIENTS.md`): success is
/// 200 and one `good ADDR` / `nochg ADDR` line per hostname; every failure has a non-2xx status *and*
/// a word, and no failure body contains `good`, `nochg`, `ok`, `true`, `updated` or `success`.
public enum DynDNSAnswer: Sendable, Hashable {
    /// One line per hostname of the request, in the request's order.
    case updated([HostLine])
    /// No credentials at all: the challenge that makes wget, uclient-fetch and MikroTik send them.
    case credentialsRequired
    /// Wrong secret, wrong user, suspended or expired account, or a source outside the token's subnets.
    case badauth
    /// A hostname that is not a plain ASCII fully qualified name, or no hostname could be found.
    case notfqdn
    /// A hostname that is not the account's or that the token may not update (nothing changed).
    case nohost
    /// More hostnames than one request may name.
    case numhost
    /// Too many requests or failures; `retryAfter` seconds until the block ends.
    case abuse(retryAfter: Int)
    /// The client is refused as such.
    case badagent
    /// The change could not be stored.
    case dnserr
    /// The server cannot answer now (its store is unreachable): try later.
    case serverError
    /// The request cannot be read: bad percent-encoding, conflicting parameters, an address that is not one.
    case malformed

    /// One hostname's result: `good` if its addresses changed, `nochg` if not, and the addresses
    /// this request gave it (not the ones it kept).
    public struct HostLine: Sendable, Hashable {
        public var name: DomainName
        public var changed: Bool
        public var addresses: [IPAddress]

        public init(name: DomainName, changed: Bool, addresses: [IPAddress]) {
            self.name = name
            self.changed = changed
            self.addresses = addresses
        }

        /// `good 192.0.2.1,2001:db8::1`, or the bare word when the request set no address.
        public var text: String {
            let word = changed ? "good" : "nochg"
            guard !addresses.isEmpty else { return word }
            return word + " " + addresses.map(\.description).joined(separator: ",")
        }
    }

    /// The result code as it appears in a log line.
    public var code: String {
        switch self {
        case .updated(let lines): lines.contains(where: \.changed) ? "good" : "nochg"
        case .credentialsRequired: "nocredentials"
        case .badauth: "badauth"
        case .notfqdn: "notfqdn"
        case .nohost: "nohost"
        case .numhost: "numhost"
        case .abuse: "abuse"
        case .badagent: "badagent"
        case .dnserr: "dnserr"
        case .serverError: "911"
        case .malformed: "badrequest"
        }
    }

    public var isSuccess: Bool {
        if case .updated = self { return true }
        return false
    }

    /// The realm clients show when they ask for a password.
    public static let realm = "lannamed"

    /// Status, headers and body to send.
    public var http: DynDNSHTTPResponse {
        let challenge = (name: "WWW-Authenticate", value: "Basic realm=\"\(Self.realm)\"")
        switch self {
        case .updated(let lines):
            return DynDNSHTTPResponse(status: 200, body: lines.map(\.text).joined(separator: "\n"))
        case .credentialsRequired:
            return DynDNSHTTPResponse(status: 401, extraHeaders: [challenge], body: "badauth")
        case .badauth:
            return DynDNSHTTPResponse(status: 401, extraHeaders: [challenge], body: "badauth")
        case .notfqdn:
            return DynDNSHTTPResponse(status: 400, body: "notfqdn")
        case .nohost:
            return DynDNSHTTPResponse(status: 404, body: "nohost")
        case .numhost:
            return DynDNSHTTPResponse(status: 400, body: "numhost")
        case .abuse(let retryAfter):
            return DynDNSHTTPResponse(
                status: 429, extraHeaders: [(name: "Retry-After", value: String(max(1, retryAfter)))], body: "abuse")
        case .badagent:
            return DynDNSHTTPResponse(status: 403, body: "badagent")
        case .dnserr:
            return DynDNSHTTPResponse(status: 500, body: "dnserr")
        case .serverError:
            return DynDNSHTTPResponse(status: 503, extraHeaders: [(name: "Retry-After", value: "60")], body: "911")
        case .malformed:
            return DynDNSHTTPResponse(status: 400, body: "badrequest")
        }
    }
}
