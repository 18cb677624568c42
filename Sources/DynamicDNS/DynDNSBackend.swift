import DNSWire

/// Where the service finds credentials and rate states and stores changes. Implemented by the
/// daemon over its database; each call is one short transaction. Rate states are read and
/// written back without a lock around the request: two requests racing on one key may count as
/// one, which keeps the limits approximate by a request, never off by more.
public protocol DynDNSBackend: Sendable {
    /// The credential whose secret is `secret` (and, when `user` is given and the store ties
    /// secrets to users, whose user matches), nil if there is none. Throws when the store cannot
    /// be read (the client gets `911` and tries later).
    ///
    /// Its `hosts` must hold those of `hosts` that the account has (an account may have many
    /// thousands: the request concerns these); with `hosts` nil (the request names none), at
    /// least two of the hosts the token may update, when it may update two or more, so that the
    /// token's only host can be told. More are allowed. Its `tokenState` is the state stored
    /// under `AbuseLimiter.tokenKey(tokenID)`.
    func credential(secret: String, user: String?, hosts: [DomainName]?) async throws -> DynDNSCredential?
    /// The stored states of these keys (missing keys: no state).
    func rateStates(_ keys: [String]) async throws -> [String: RateState]
    /// Stores these states, replacing what the keys held.
    func saveRateStates(_ states: [String: RateState]) async throws
    /// Writes every change and `rateStates` in one transaction, each host's `lastUpdate` set to
    /// `now` and the token's last use (`token`: its public id) too; false if nothing could be
    /// written (the client gets `dnserr`).
    func apply(_ changes: [DynDNSChange], account: String, token: String, rateStates: [String: RateState], now: Double) async -> Bool
}
