import CoreMetrics
import DNSWire
import DynamicDNS
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the TCP peer and whether TLS is on.
struct PeerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peer: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peer = source.channel.remoteAddress
    }
}

/// The routing: `/healthz`; `/metrics` for the admin access list; `/favicon.ico` and everything
/// under `/api` and `/console` (kept for a web console) not found; every other GET path to the
/// update handler. Every answer is counted by route and status.
struct UpdateResponder: HTTPResponder {
    typealias Context = PeerRequestContext

    let handler: @Sendable (HTTPUpdateRequest) async -> HTTPUpdateResponse
    let trustedProxies: [AddressPrefix]
    let secure: Bool
    let metrics: (@Sendable () -> String)?
    let api: APIHandler?
    let console: ConsoleHandler?
    let account: ConsoleHandler?
    let adminAccess: AccessList
    /// The largest API request body read.
    static let maximumAPIBody = 65_536

    func respond(to request: Request, context: PeerRequestContext) async throws -> Response {
        let (route, response) = await route(request, context: context)
        Counter(label: "lannamed_http_requests_total", dimensions: [("route", route), ("status", "\(response.status.code)")])
            .increment()
        return response
    }

    /// The answer, and the route's name for the count.
    func route(_ request: Request, context: PeerRequestContext) async -> (String, Response) {
        let path = request.uri.path
        let method = request.method
        if path == "/healthz" {
            guard method == .get || method == .head else { return ("healthz", Self.plain(405, "method", allow: true)) }
            return ("healthz", Self.plain(200, method == .head ? "" : "ok"))
        }
        if path == "/metrics", let metrics {
            guard method == .get || method == .head else { return ("metrics", Self.plain(405, "method", allow: true)) }
            // The connection's own address: a forwarded one could be anyone's.
            guard let peer = context.peer.flatMap(Self.address), adminAccess.allows(peer) else {
                return ("metrics", Self.plain(403, "forbidden"))
            }
            let text = method == .head ? "" : metrics()
            return ("metrics", Self.response(HTTPUpdateResponse(
                status: 200, headers: [(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")], body: text)))
        }
        if let api, path == "/api" || path.hasPrefix("/api/") {
            guard let peer = context.peer.flatMap(Self.address), adminAccess.allows(peer) else {
                return ("api", Self.plain(403, "forbidden"))
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.maximumAPIBody) } catch {
                return ("api", Self.plain(413, "toolarge", close: true))
            }
            let answer = await api(request.method.rawValue, path, request.headers[.authorization], Array(body.readableBytesView))
            return ("api", Self.response(answer))
        }
        if let console, path == "/console" || path.hasPrefix("/console/") {
            guard let peer = context.peer.flatMap(Self.address), adminAccess.allows(peer) else {
                return ("console", Self.plain(403, "forbidden"))
            }
            return ("console", await page(console, request, peer: peer))
        }
        if let account, path == "/account" || path.hasPrefix("/account/") {
            guard let peer = context.peer.flatMap(Self.address) else { return ("account", Self.plain(400, "badrequest", close: true)) }
            return ("account", await page(account, request, peer: peer))
        }
        return ("update", await update(request, context: context))
    }

    /// A page of the console or the customers' pages: the body read (at most 64 KiB), the client
    /// address resolved through the trusted proxies.
    func page(_ handler: ConsoleHandler, _ request: Request, peer: IPAddress) async -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maximumAPIBody) } catch {
            return Self.plain(413, "toolarge", close: true)
        }
        var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        // HTTP/1's Host header is the request's authority here, not one of its fields.
        if let authority = request.head.authority { headers.append((name: "Host", value: authority)) }
        let answer = await handler(WebRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers,
            body: Array(body.readableBytesView), peer: peer,
            client: ClientAddress.resolve(peer: peer, headers: headers, trustedProxies: trustedProxies), secure: secure))
        return Self.response(answer)
    }

    static func response(_ answer: WebResponse) -> Response {
        var fields = HTTPFields()
        for header in answer.headers {
            guard let name = HTTPFields.Element.Name(header.name) else { continue }
            fields.append(HTTPFields.Element(name: name, value: header.value))
        }
        guard let events = answer.events else {
            return Response(status: HTTPResponse.Status(code: answer.status), headers: fields,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: ResponseBody { writer in
            for await event in events { try await writer.write(ByteBuffer(string: event)) }
            try await writer.finish(nil)
        })
    }

    func update(_ request: Request, context: PeerRequestContext) async -> Response {
        let path = request.uri.path
        let method = request.method
        if path == "/favicon.ico" || Self.isReserved(path) {
            return Self.plain(404, "notfound")
        }
        guard method == .get else { return Self.plain(405, "method", allow: true) }
        // An update is a GET without a body; a body is refused rather than read.
        if let length = request.headers[.contentLength], length != "0" {
            return Self.plain(413, "toolarge", close: true)
        }
        if request.headers[.transferEncoding] != nil {
            return Self.plain(413, "toolarge", close: true)
        }
        guard let peer = context.peer.flatMap(Self.address) else {
            return Self.plain(400, "badrequest", close: true)
        }
        let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        let update = HTTPUpdateRequest(
            method: "GET", path: path, rawQuery: request.uri.query, headers: headers, peer: peer,
            clientAddress: ClientAddress.resolve(peer: peer, headers: headers, trustedProxies: trustedProxies),
            secure: secure)
        return Self.response(await handler(update))
    }

    static func isReserved(_ path: String) -> Bool {
        ["/api", "/console", "/account"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    static func address(_ socket: SocketAddress) -> IPAddress? {
        guard var text = socket.ipAddress else { return nil }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        return IPAddress(text).map(ClientAddress.normalised)
    }

    static func plain(_ status: Int, _ body: String, allow: Bool = false, close: Bool = false) -> Response {
        var headers: [(name: String, value: String)] = [(name: "Content-Type", value: "text/plain; charset=utf-8")]
        if allow { headers.append((name: "Allow", value: "GET, HEAD")) }
        if close { headers.append((name: "Connection", value: "close")) }
        return response(HTTPUpdateResponse(status: status, headers: headers, body: body))
    }

    static func response(_ update: HTTPUpdateResponse) -> Response {
        var fields = HTTPFields()
        for header in update.headers {
            guard let name = HTTPFields.Element.Name(header.name) else { continue }
            fields.append(HTTPFields.Element(name: name, value: header.value))
        }
        return Response(
            status: HTTPResponse.Status(code: update.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: update.body)))
    }
}
