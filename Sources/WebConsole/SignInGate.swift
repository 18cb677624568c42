import LANZone
import NIOConcurrencyHelpers

/// What the admin console and the customer pages both do around a password: refuse a sign-in
/// form from another site, slow an address after failures, keep sessions in a cookie of their
/// own (`HttpOnly`, `SameSite=Strict`, `Secure` over HTTPS, limited to `path`), and check each
/// form's CSRF token.
final class SignInGate: Sendable {
    let cookie: String
    let path: String
    private let sessions = NIOLockedValueBox(ConsoleSessions())
    private let limiter = NIOLockedValueBox(LoginLimiter())

    init(cookie: String, path: String) {
        self.cookie = cookie
        self.path = path
    }

    /// Why a sign-in may not even be checked now (another site's form, too many failures), with
    /// the status to answer; nil when it may.
    func refusal(_ request: ConsoleRequest, now: Double) -> (message: String, status: Int)? {
        if let origin = request.header("Origin"), let host = request.header("Host"), !origin.hasSuffix("://" + host) {
            return ("The form came from another site.", 403)
        }
        if let wait = limiter.withLockedValue({ $0.wait(for: request.client, now: now) }) {
            return ("Too many failed attempts: try again in \(Int(wait.rounded(.up))) seconds.", 429)
        }
        return nil
    }

    func failed(_ request: ConsoleRequest, now: Double) {
        limiter.withLockedValue { $0.failed(request.client, now: now) }
    }

    /// A new session for `subject` after a good password: the `Set-Cookie` value that carries it.
    func open(_ request: ConsoleRequest, now: Double, subject: String? = nil) -> String {
        limiter.withLockedValue { $0.succeeded(request.client) }
        let (id, _) = sessions.withLockedValue { $0.open(now: now, subject: subject) }
        return "\(cookie)=\(id); Path=\(path); HttpOnly; SameSite=Strict" + (request.secure ? "; Secure" : "")
    }

    /// The request's live session; for a POST, only when its form carries the session's CSRF token
    /// (`.forged` otherwise: a page of another site cannot know it).
    func session(_ request: ConsoleRequest, now: Double) -> SessionCheck {
        guard let session = sessions.withLockedValue({ $0.touch(request.cookie(cookie), now: now) }) else { return .none }
        if request.method == "POST" {
            guard let token = request.form["csrf"], DynamicSecret.constantTimeEqual(Array(token.utf8), Array(session.csrf.utf8))
            else { return .forged }
        }
        return .valid(session)
    }

    enum SessionCheck {
        case valid(ConsoleSessions.Session)
        case none
        case forged
    }

    /// Ends the request's session: the `Set-Cookie` value that clears it.
    func close(_ request: ConsoleRequest) -> String {
        sessions.withLockedValue { $0.close(request.cookie(cookie)) }
        return "\(cookie)=; Path=\(path); HttpOnly; SameSite=Strict; Max-Age=0" + (request.secure ? "; Secure" : "")
    }
}
