/// A customer: a plan, and whether the account's hosts are published now.
public struct DynamicAccount: Sendable, Hashable {
    public var name: String
    public var plan: String
    public var suspended: Bool
    /// When the account stops being published (seconds since 1970); nil = never.
    public var expires: Double?
    public var created: Double

    public init(name: String, plan: String, suspended: Bool = false, expires: Double? = nil, created: Double) {
        self.name = name
        self.plan = plan
        self.suspended = suspended
        self.expires = expires
        self.created = created
    }

    public func isExpired(at now: Double) -> Bool { expires.map { $0 <= now } ?? false }

    /// Published: neither suspended nor expired at `now`.
    public func isActive(at now: Double) -> Bool { !suspended && !isExpired(at: now) }
}
