import DNSWire

/// The pure core of an update: a parsed request, the credential the caller found for its secret,
/// the token's rate state and `now` in; the answer, the hosts that change (complete new address
/// sets) and the rate state to store out. Nothing here reads a clock or a store.
///
/// Order of the checks:
/// 1. account suspended or expired, or client outside the token's subnets: `badauth`;
/// 2. token blocked, or over its request limit: `abuse` (the token is blocked);
/// 3. the hostnames: the request's list, else the Basic user if it is one of the token's hosts,
///    else the token's only host; none found: `notfqdn`;
/// 4. every hostname (and every per-host parameter's) must be a host the token may update, else
///    `nohost` and nothing changes (a list is all or nothing, as deSEC does);
/// 5. new addresses per host; a host whose addresses change less than the plan's minimum interval
///    after its last change: `abuse`, nothing changes and the token is blocked;
/// 6. `good`/`nochg` per host, and the changes of the hosts that change.
public struct DynDNSDecision: Sendable {
    public var answer: DynDNSAnswer
    /// The hosts that change, each with its complete new addresses; empty unless `answer` is a success.
    public var changes: [DynDNSChange]
    /// New rate states to store, by key.
    public var rateUpdates: [String: RateState]
    /// Why, for the log line (never sent to the client).
    public var note: String

    public init(answer: DynDNSAnswer, changes: [DynDNSChange] = [], rateUpdates: [String: RateState] = [:], note: String = "") {
        self.answer = answer
        self.changes = changes
        self.rateUpdates = rateUpdates
        self.note = note
    }

    /// Decides an authenticated request. `tokenState` is the state under
    /// `AbuseLimiter.tokenKey(credential.tokenID)`.
    public init(request: DynDNSRequest, credential: DynDNSCredential, tokenState: RateState?, limiter: AbuseLimiter, now: Double) {
        let tokenKey = AbuseLimiter.tokenKey(credential.tokenID)

        guard credential.status == .active else {
            self.init(answer: .badauth, note: "account \(credential.account) is \(credential.status)")
            return
        }
        let client = request.clientAddress
        guard credential.allowedSources.isEmpty || credential.allowedSources.contains(where: { $0.contains(client) }) else {
            self.init(answer: .badauth, note: "token \(credential.tokenID) not allowed from \(client)")
            return
        }
        if let remaining = limiter.blockRemaining(tokenState, now: now) {
            self.init(answer: .abuse(retryAfter: remaining), note: "token \(credential.tokenID) blocked")
            return
        }
        let counted = limiter.recordingRequest(tokenState, now: now, minimumInterval: credential.minimumInterval)
        guard !counted.blocked else {
            self.init(
                answer: .abuse(retryAfter: limiter.blockRemaining(counted.state, now: now) ?? 1),
                rateUpdates: [tokenKey: counted.state], note: "token \(credential.tokenID) over its request limit")
            return
        }
        let counting = [tokenKey: counted.state]

        let updatable = credential.updatableHosts
        guard let names = Self.hostnames(request: request, updatable: updatable) else {
            self.init(answer: .notfqdn, rateUpdates: counting, note: "no hostname given and no single host to take")
            return
        }
        let hostsByName = Dictionary(updatable.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let strangers = (names + request.hostAddresses.keys.sorted()).filter { hostsByName[$0] == nil }
        guard strangers.isEmpty else {
            self.init(answer: .nohost, rateUpdates: counting,
                      note: "not hosts of token \(credential.tokenID): \(strangers.map(\.description).joined(separator: ","))")
            return
        }
        let strays = request.hostAddresses.keys.filter { !names.contains($0) }
        guard strays.isEmpty else {
            self.init(answer: .nohost, rateUpdates: counting,
                      note: "per-host addresses for hosts not in the request: \(strays.map(\.description).joined(separator: ","))")
            return
        }

        var lines: [DynDNSAnswer.HostLine] = []
        var changes: [DynDNSChange] = []
        var tooSoon: [DomainName] = []
        for name in names {
            guard let host = hostsByName[name] else { continue }
            let instructions = request.instructions(for: name)
            let current4 = AddressInstruction.sorted(host.ipv4.map(IPAddress.v4))
            let current6 = AddressInstruction.sorted(host.ipv6.map(IPAddress.v6))
            let new4 = instructions.ipv4.applied(to: current4)
            let new6 = instructions.ipv6.applied(to: current6)
            let changed = new4 != current4 || new6 != current6
            lines.append(DynDNSAnswer.HostLine(
                name: name, changed: changed,
                addresses: instructions.ipv4.requested(given: current4) + instructions.ipv6.requested(given: current6)))
            guard changed else { continue }
            if let last = host.lastUpdate, now - last < credential.minimumInterval, now >= last {
                tooSoon.append(name)
            }
            changes.append(DynDNSChange(
                name: name,
                ipv4: new4.compactMap { if case .v4(let a) = $0 { a } else { nil } },
                ipv6: new6.compactMap { if case .v6(let a) = $0 { a } else { nil } }))
        }
        guard tooSoon.isEmpty else {
            let blocked = limiter.blocking(counted.state, now: now, minimumInterval: credential.minimumInterval)
            self.init(
                answer: .abuse(retryAfter: limiter.blockRemaining(blocked, now: now) ?? 1),
                rateUpdates: [tokenKey: blocked],
                note: "changed again within \(Int(credential.minimumInterval)) s: \(tooSoon.map(\.description).joined(separator: ","))")
            return
        }
        self.init(answer: .updated(lines), changes: changes, rateUpdates: counting,
                  note: changes.isEmpty ? "" : "changed \(changes.map(\.name.description).joined(separator: ","))")
    }

    /// The hosts a request concerns, for the credential lookup: its hostnames (or the user that
    /// is a host name) and those given addresses of their own; nil when it names none (then the
    /// token's only host is meant).
    public static func namedHosts(_ request: DynDNSRequest) -> [DomainName]? {
        guard let names = requestedNames(request), !names.isEmpty else { return nil }
        return names + request.hostAddresses.keys.filter { !names.contains($0) }
    }

    /// The request's hostnames; without any, the Basic (or query) user if it is a host name (even
    /// one the token may not update: `nohost`); nil when it names no host.
    static func requestedNames(_ request: DynDNSRequest) -> [DomainName]? {
        if let names = request.hostnames { return names }
        if let user = request.credentials?.user, let name = try? DynDNSRequest.hostname(user) { return [name] }
        return nil
    }

    /// The request's hostnames; without any, the Basic (or query) user if it is a host name, else
    /// the token's only host.
    static func hostnames(request: DynDNSRequest, updatable: [DynDNSHost]) -> [DomainName]? {
        if let names = requestedNames(request) { return names }
        return updatable.count == 1 ? [updatable[0].name] : nil
    }
}
