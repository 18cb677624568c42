import DNSWire
import Forwarder
import NIOCore

/// The forwarder and who may use it, shared by every listener.
final class ForwardingGate: Sendable {
    let forwarder: Forwarder?
    let access: AccessList

    init(forwarder: Forwarder?, access: AccessList) {
        self.forwarder = forwarder
        self.access = access
    }

    func forwarding(for client: SocketAddress?) -> QueryResponder.Forwarding {
        guard forwarder != nil else { return .none }
        guard let text = client?.ipAddress, let address = IPAddress(text) else { return .denied }
        return access.allows(address) ? .allowed : .denied
    }

    /// Answers a forwarded query: at once from the cache, or later through `send`.
    func answer(_ query: Message, limit: Int, send: @escaping @Sendable ([UInt8]) -> Void) -> [UInt8]? {
        guard let forwarder, let question = query.questions.first else { return nil }
        let dnssecOK = query.edns?.dnssecOK ?? false
        let checkingDisabled = query.header.checkingDisabled
        if let cached = forwarder.cached(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled) {
            return QueryResponder.forwardedResponse(to: query, resolution: .answer(cached), limit: limit)
        }
        Task {
            let resolution = await forwarder.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
            send(QueryResponder.forwardedResponse(to: query, resolution: resolution, limit: limit))
        }
        return nil
    }
}
