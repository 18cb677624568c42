import NIOConcurrencyHelpers

/// A cap on open TCP connections across all listeners.
final class TCPConnectionLimit: Sendable {
    let maximum: Int
    private let open = NIOLockedValueBox(0)

    init(maximum: Int) { self.maximum = maximum }

    func acquire() -> Bool {
        open.withLockedValue { count in
            guard count < maximum else { return false }
            count += 1
            return true
        }
    }

    func release() { open.withLockedValue { $0 -= 1 } }

    var count: Int { open.withLockedValue { $0 } }
}
