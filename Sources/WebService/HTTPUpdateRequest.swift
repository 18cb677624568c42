import DNSWire
import DynamicDNS

/// A request handed to the daemon's handler: everything an update needs, nothing of the server.
public struct HTTPUpdateRequest: Sendable {
    /// `GET` (the only method handed over).
    public var method: String
    /// The path as sent, without the query.
    public var path: String
    /// The query as sent (still percent-encoded), without the `?`; nil when there is none.
    public var rawQuery: String?
    /// Every header field, in order, names as sent.
    public var headers: [(name: String, value: String)]
    /// The TCP peer.
    public var peer: IPAddress
    /// The peer, or the client behind a trusted proxy (see `ClientAddress`).
    public var clientAddress: IPAddress
    /// True when the request came over TLS.
    public var secure: Bool

    public init(
        method: String, path: String, rawQuery: String?, headers: [(name: String, value: String)], peer: IPAddress,
        clientAddress: IPAddress, secure: Bool
    ) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.peer = peer
        self.clientAddress = clientAddress
        self.secure = secure
    }
}

/// A request for the web console: everything a page needs.
public struct WebRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String?
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The TCP peer's address.
    public var peer: IPAddress
    /// The client's address: the peer, or what a trusted proxy says in `X-Forwarded-For`.
    public var client: IPAddress
    public var secure: Bool
}

/// The console's answer; with `events`, a stream written as it comes (server-sent events).
public struct WebResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String
    public var events: AsyncStream<String>?

    public init(status: Int, headers: [(name: String, value: String)], body: String, events: AsyncStream<String>? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.events = events
    }
}

/// The web console (pages under `/console`) and the customer pages (under `/account`).
public typealias ConsoleHandler = @Sendable (WebRequest) async -> WebResponse

/// The admin API: method, path, `Authorization` header and body in, the answer out.
public typealias APIHandler = @Sendable (_ method: String, _ path: String, _ authorization: String?, _ body: [UInt8]) async
    -> HTTPUpdateResponse

/// The handler's answer.
public struct HTTPUpdateResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String

    public init(status: Int, headers: [(name: String, value: String)] = [], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A dyndns2 answer as rendered by `DynDNSAnswer.http`.
    public init(_ response: DynDNSHTTPResponse) {
        self.init(status: response.status, headers: response.headers, body: response.body)
    }
}
