/// A request to the console, as the HTTP listener hands it over (after its admin access check).
public struct ConsoleRequest: Sendable {
    public var method: String
    /// The path, e.g. `/console/devices`.
    public var path: String
    /// The raw query string, without `?`.
    public var query: String?
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The client's address (the TCP peer) as text, for the login limiter.
    public var client: String
    /// Whether the connection is HTTPS (cookies are then `Secure`).
    public var secure: Bool

    public init(method: String, path: String, query: String?, headers: [(name: String, value: String)], body: [UInt8],
                client: String, secure: Bool) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client
        self.secure = secure
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The value of cookie `name`.
    func cookie(_ name: String) -> String? {
        for header in headers where header.name.lowercased() == "cookie" {
            for part in header.value.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0] == name { return pair[1] }
            }
        }
        return nil
    }

    /// The query's parameters.
    var parameters: [String: String] { FormData.parse(query ?? "") }

    /// The form's fields (`application/x-www-form-urlencoded`).
    var form: [String: String] { FormData.parse(String(decoding: body, as: UTF8.self)) }
}

/// The console's answer: a page, a redirect, or a stream of server-sent events.
public struct ConsoleResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String
    /// Server-sent events, written as they come (the body is then empty).
    public var events: AsyncStream<String>?

    init(status: Int, headers: [(name: String, value: String)] = [], body: String = "", events: AsyncStream<String>? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.events = events
    }

    static func page(_ html: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> ConsoleResponse {
        ConsoleResponse(status: status, headers: [(name: "Content-Type", value: "text/html; charset=utf-8")] + securityHeaders + headers,
                        body: html)
    }

    static func redirect(_ location: String, headers: [(name: String, value: String)] = []) -> ConsoleResponse {
        ConsoleResponse(status: 303, headers: [(name: "Location", value: location)] + securityHeaders + headers)
    }

    /// Every page: no framing by other sites, no sniffing, scripts from this origin only.
    static let securityHeaders: [(name: String, value: String)] = [
        (name: "X-Frame-Options", value: "DENY"),
        (name: "X-Content-Type-Options", value: "nosniff"),
        (name: "Referrer-Policy", value: "same-origin"),
        (name: "Content-Security-Policy", value: "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
        (name: "Cache-Control", value: "no-store"),
    ]
}

import Foundation

/// `a=1&b=two+words` into a dictionary (the last of a repeated key wins).
enum FormData {
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]) else { continue }
            fields[key] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
