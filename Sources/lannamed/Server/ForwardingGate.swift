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
        guard let address = Self.address(of: client) else { return .denied }
        return access.allows(address) ? .allowed : .denied
    }

    /// The client's address, read straight from the socket address (no text on the query path).
    static func address(of socket: SocketAddress?) -> IPAddress? {
        switch socket {
        case .v4(let v4)?:
            return .v4(IPv4Address(uint32: UInt32(bigEndian: v4.address.sin_addr.s_addr)))
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            return IPv6Address(bytes: bytes).map { .v6($0) }
        default:
            return nil
        }
    }

    /// Answers a forwarded query: at once from the cache, or later through `send`. `keep` gets
    /// every fresh answer (for the per-loop byte templates).
    func answer(_ query: Message, limit: Int, keep: (@Sendable (Message) -> Void)? = nil,
                send: @escaping @Sendable ([UInt8]) -> Void) -> [UInt8]? {
        guard let forwarder, let question = query.questions.first else { return nil }
        let dnssecOK = query.edns?.dnssecOK ?? false
        let checkingDisabled = query.header.checkingDisabled
        if let cached = forwarder.cached(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled) {
            keep?(cached)
            return QueryResponder.forwardedResponse(to: query, resolution: .answer(cached), limit: limit)
        }
        Task {
            let resolution = await forwarder.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)
            if case .answer(let message) = resolution { keep?(message) }
            send(QueryResponder.forwardedResponse(to: query, resolution: resolution, limit: limit))
        }
        return nil
    }
}
