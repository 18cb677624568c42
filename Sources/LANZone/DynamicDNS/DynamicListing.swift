/// Everything `ddns list` shows, read in one transaction.
public struct DynamicListing: Sendable, Hashable {
    public var plans: [DynamicPlan]
    public var accounts: [DynamicAccount]
    public var hosts: [DynamicHost]
    public var tokens: [DynamicToken]

    public init(plans: [DynamicPlan], accounts: [DynamicAccount], hosts: [DynamicHost], tokens: [DynamicToken]) {
        self.plans = plans
        self.accounts = accounts
        self.hosts = hosts
        self.tokens = tokens
    }
}
