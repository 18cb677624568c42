import Foundation
import LANZone

/// Signed-in browsers: a random session id (the cookie) with its CSRF token and when it ends.
/// In memory: a restart signs everyone out, which is what an admin expects of a box.
struct ConsoleSessions: Sendable {
    struct Session: Sendable {
        var csrf: String
        var expires: Double
        /// Who signed in, where it matters (a dynamic DNS account).
        var subject: String?
    }

    /// Idle sessions end after this many seconds.
    var lifetime = 8 * 3600.0
    var limit = 1_000
    private var sessions: [String: Session] = [:]

    /// A new session; the oldest is dropped past the limit.
    mutating func open(now: Double, subject: String? = nil) -> (id: String, session: Session) {
        if sessions.count >= limit, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
            sessions[oldest.key] = nil
        }
        let id = DynamicSecret.make() + DynamicSecret.make()
        let session = Session(csrf: DynamicSecret.make(), expires: now + lifetime, subject: subject)
        sessions[id] = session
        return (id, session)
    }

    /// The live session `id`, its lifetime renewed.
    mutating func touch(_ id: String?, now: Double) -> Session? {
        guard let id, var session = sessions[id] else { return nil }
        guard session.expires > now else {
            sessions[id] = nil
            return nil
        }
        session.expires = now + lifetime
        sessions[id] = session
        return session
    }

    mutating func close(_ id: String?) {
        if let id { sessions[id] = nil }
    }
}
