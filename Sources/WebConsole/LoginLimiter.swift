/// Failed sign-ins per client address: after `allowed` failures within `window` seconds, that
/// address must wait `lockout` seconds before the next attempt is even checked. A value: callers
/// pass the time.
struct LoginLimiter: Sendable {
    var allowed = 5
    var window = 300.0
    var lockout = 300.0
    private var failures: [String: [Double]] = [:]

    /// Seconds to wait before `client` may try again; nil when it may now.
    func wait(for client: String, now: Double) -> Double? {
        let recent = (failures[client] ?? []).filter { now - $0 < window }
        guard recent.count >= allowed, let last = recent.last else { return nil }
        let remaining = lockout - (now - last)
        return remaining > 0 ? remaining : nil
    }

    mutating func failed(_ client: String, now: Double) {
        var recent = (failures[client] ?? []).filter { now - $0 < window }
        recent.append(now)
        failures[client] = Array(recent.suffix(allowed))
        // Bounded: addresses that stopped trying are forgotten.
        if failures.count > 10_000 { failures = failures.filter { now - ($0.value.last ?? 0) < window } }
    }

    mutating func succeeded(_ client: String) {
        failures[client] = nil
    }
}
