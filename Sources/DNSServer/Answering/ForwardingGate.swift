import DNSClient
import DNSWire
import Forwarder
import NIOCore

/// The forwarder and who may use it, shared by every listener.
public final class ForwardingGate: Sendable {
    public let forwarder: Forwarder?
    let access: AccessList

    public init(forwarder: Forwarder?, access: AccessList) {
        self.forwarder = forwarder
        self.access = access
    }

    func forwarding(for client: SocketAddress?) -> QueryResponder.Forwarding {
        forwarding(for: IPAddress(client))
    }

    func forwarding(for client: IPAddress?) -> QueryResponder.Forwarding {
        guard forwarder != nil else { return .none }
        guard let client else { return .denied }
        return access.allows(client) ? .allowed : .denied
    }

    /// Resolves a forwarded question on `loop` (the caller's): `then` runs there, at once for a
    /// cached answer, else when the upstreams have answered. Nothing happens without a forwarder.
    func resolve(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, on loop: any EventLoop,
                 then: @escaping (Forwarder.Resolution) -> Void) {
        forwarder?.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: loop, then: then)
    }

    /// `resolve`, a fresh answer coming as the cache keeps it (its bytes are the reply's).
    func resolve(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, on loop: any EventLoop,
                 outcome then: @escaping (Forwarder.Outcome) -> Void) {
        forwarder?.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: loop, outcome: then)
    }

    func resolve(_ query: Message, on loop: any EventLoop, then: @escaping (Forwarder.Resolution) -> Void) {
        guard let question = query.questions.first else { return }
        resolve(question, dnssecOK: query.edns?.dnssecOK ?? false, checkingDisabled: query.header.checkingDisabled,
                on: loop, then: then)
    }
}
