/// One accepted dynamic DNS update, as `HostStore.applyDynamicUpdates` takes several in one
/// transaction: an account's hosts and their complete new addresses, the token that sent it,
/// refusals to count and rate states to store with it.
public struct DynamicUpdate: Sendable, Hashable {
    public var account: String
    public var token: String?
    public var changes: [DynamicAddressChange]
    public var refused: Int
    public var rateStates: [DynamicRateState]

    public init(account: String, token: String? = nil, changes: [DynamicAddressChange], refused: Int = 0,
                rateStates: [DynamicRateState] = []) {
        self.account = account
        self.token = token
        self.changes = changes
        self.refused = refused
        self.rateStates = rateStates
    }
}
