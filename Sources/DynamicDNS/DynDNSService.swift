import CoreMetrics
import DNSWire

/// One update request handled end to end: the source limiter, parsing, the credential lookup,
/// the decision, the write. No I/O of its own: all of it goes through the backend.
///
/// Behind `WebService`, which already resolved the client address, pass its `clientAddress` as
/// `peer` and leave `trustedProxies` empty (or pass the peer and the same proxies).
public struct DynDNSService: Sendable {
    public let backend: any DynDNSBackend
    public var trustedProxies: [AddressPrefix]
    public var limiter: AbuseLimiter
    public var maximumHostnames: Int

    public init(
        backend: any DynDNSBackend, trustedProxies: [AddressPrefix] = [], limiter: AbuseLimiter = AbuseLimiter(),
        maximumHostnames: Int = DynDNSRequest.defaultMaximumHostnames
    ) {
        self.backend = backend
        self.trustedProxies = trustedProxies
        self.limiter = limiter
        self.maximumHostnames = maximumHostnames
    }

    /// What a handled request gives back.
    public struct Outcome: Sendable {
        public var answer: DynDNSAnswer
        /// The hosts that changed (written through the backend).
        public var changes: [DynDNSChange]
        /// One line for the log: the client, the path and query with secrets as `***` (the
        /// Authorization header is never logged), the result and why.
        public var logLine: String

        public var http: DynDNSHTTPResponse { answer.http }
    }

    /// Handles the request and counts its answer (`lannamed_dyndns2_answers_total` by code).
    public func handle(
        path: String, rawQuery: String?, headers: [(name: String, value: String)], peer: IPAddress, now: Double
    ) async -> Outcome {
        let outcome = await decide(path: path, rawQuery: rawQuery, headers: headers, peer: peer, now: now)
        Counter(label: "lannamed_dyndns2_answers_total", dimensions: [("answer", outcome.answer.code)]).increment()
        return outcome
    }

    private func decide(
        path: String, rawQuery: String?, headers: [(name: String, value: String)], peer: IPAddress, now: Double
    ) async -> Outcome {
        let client = ClientAddress.resolve(peer: peer, headers: headers, trustedProxies: trustedProxies)
        let sourceKey = AbuseLimiter.sourceKey(client)
        func outcome(_ answer: DynDNSAnswer, changes: [DynDNSChange] = [], user: DynDNSCredentials? = nil, _ note: String) -> Outcome {
            Outcome(answer: answer, changes: changes, logLine: Self.logLine(
                client: client, path: path, rawQuery: rawQuery, credentials: user, answer: answer, note: note))
        }

        let sourceState: RateState?
        do {
            sourceState = try await backend.rateStates([sourceKey])[sourceKey]
        } catch {
            return outcome(.serverError, "rate states unreadable: \(error)")
        }
        if let remaining = limiter.blockRemaining(sourceState, now: now) {
            return outcome(.abuse(retryAfter: remaining), "source \(sourceKey) blocked after failures")
        }

        let request: DynDNSRequest
        do {
            request = try DynDNSRequest(
                path: path, rawQuery: rawQuery, headers: headers, peer: peer, trustedProxies: trustedProxies,
                maximumHostnames: maximumHostnames)
        } catch {
            if error.code == .badauth {
                let saved = await recordFailure(sourceKey, sourceState, now: now)
                return outcome(.badauth, error.reason + saved)
            }
            return outcome(error.answer, error.reason)
        }
        guard let credentials = request.credentials else {
            return outcome(.credentialsRequired, "no credentials")
        }

        let found: DynDNSCredential?
        do {
            found = try await backend.credential(secret: credentials.secret, user: credentials.user,
                                                 hosts: DynDNSDecision.namedHosts(request))
        } catch {
            return outcome(.serverError, user: credentials, "credential lookup failed: \(error)")
        }
        guard let credential = found else {
            let saved = await recordFailure(sourceKey, sourceState, now: now)
            return outcome(.badauth, user: credentials, "unknown secret" + saved)
        }

        let decision = DynDNSDecision(request: request, credential: credential, tokenState: credential.tokenState, limiter: limiter,
                                      now: now)
        var note = "account=\(credential.account) token=\(credential.tokenID)" + (decision.note.isEmpty ? "" : " " + decision.note)
        // A change stores the rate states with it, in its one transaction.
        if decision.changes.isEmpty, !decision.rateUpdates.isEmpty {
            do {
                try await backend.saveRateStates(decision.rateUpdates)
            } catch {
                note += " (rate state not saved: \(error))"
            }
        }
        guard !decision.changes.isEmpty else {
            return outcome(decision.answer, user: credentials, note)
        }
        guard await backend.apply(decision.changes, account: credential.account, token: credential.tokenID,
                                  rateStates: decision.rateUpdates, now: now) else {
            return outcome(.dnserr, user: credentials, note + " (store refused the change)")
        }
        return outcome(decision.answer, changes: decision.changes, user: credentials, note)
    }

    /// Counts a failure against the source; returns a note for the log if it could not be saved.
    private func recordFailure(_ key: String, _ state: RateState?, now: Double) async -> String {
        let next = limiter.recordingFailure(state, now: now)
        do {
            try await backend.saveRateStates([key: next])
        } catch {
            return " (failure not counted: \(error))"
        }
        return limiter.blockRemaining(next, now: now) != nil ? " (source \(key) now blocked)" : ""
    }

    // MARK: Log line

    /// Query parameters whose values are secrets.
    static let secretParameters: Set<String> = ["password", "pass", "pwd", "token", "secret", "key", "apikey"]

    static func logLine(
        client: IPAddress, path: String, rawQuery: String?, credentials: DynDNSCredentials?, answer: DynDNSAnswer, note: String
    ) -> String {
        var line = "dyndns client=\(client) path=\(LogText.clean(path, limit: 100))"
        if let rawQuery, !rawQuery.isEmpty { line += " query=" + LogText.clean(redacted(rawQuery), limit: 400) }
        if let credentials { line += " auth=\(credentials)" }
        line += " -> \(answer.code) \(answer.http.status)"
        if !note.isEmpty { line += " " + LogText.clean(note, limit: 300) }
        return line
    }

    /// The raw query with every secret's value replaced by `***`, read without decoding (so a
    /// query too malformed to parse is redacted too).
    public static func redacted(_ rawQuery: String) -> String {
        rawQuery.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let key = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let name = (key.removingPercentEncodingLeniently).lowercased()
            return secretParameters.contains(name) ? "\(key)=***" : String(part)
        }.joined(separator: "&")
    }
}

extension Substring {
    /// `%70assword` is still `password`; garbage stays as it is.
    var removingPercentEncodingLeniently: String {
        (try? QueryParameters.decode(self.utf8)) ?? String(self)
    }
}
