/// An HTTP answer as plain values, for whichever server sends it.
public struct DynDNSHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String

    /// A plain-text body, never cached (an address answer is only true now).
    public init(status: Int, extraHeaders: [(name: String, value: String)] = [], body: String) {
        self.status = status
        self.headers = [
            (name: "Content-Type", value: "text/plain; charset=utf-8"),
            (name: "Cache-Control", value: "no-store"),
        ] + extraHeaders
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
