/// One account's updates over a period, for billing.
public struct DynamicUsage: Sendable, Hashable {
    public var account: String
    /// The account's plan; nil once the account is removed (its counts are kept).
    public var plan: String?
    public var hosts: Int
    /// Updates that changed an address, that changed nothing, and requests refused.
    public var good: Int
    public var nochg: Int
    public var refused: Int

    public init(account: String, plan: String?, hosts: Int, good: Int, nochg: Int, refused: Int) {
        self.account = account
        self.plan = plan
        self.hosts = hosts
        self.good = good
        self.nochg = nochg
        self.refused = refused
    }
}
