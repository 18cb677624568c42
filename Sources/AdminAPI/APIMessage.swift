/// An HTTP request as the admin API reads it (the listener has already checked who may ask).
public struct APIRequest: Sendable {
    public var method: String
    /// The path, e.g. `/api/v1/hosts/printer` (percent-escapes not yet decoded).
    public var path: String
    /// The `Authorization` header.
    public var authorization: String?
    public var body: [UInt8]

    public init(method: String, path: String, authorization: String?, body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.authorization = authorization
        self.body = body
    }
}

/// The answer: a status, headers and a JSON body (empty for 204).
public struct APIResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [Header]
    public var body: String

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    init(status: Int, body: String, headers: [Header] = []) {
        self.status = status
        self.body = body
        self.headers = (body.isEmpty ? [] : [Header(name: "Content-Type", value: "application/json")]) + headers
    }
}
