import DHCPWatch
import NIOConcurrencyHelpers

/// Carries lease events from the capture threads to the one task that writes them, in order.
/// Producers append under a lock and ring a doorbell; the consumer takes everything queued at
/// once, so a burst becomes one transaction.
public final class LeaseQueue: Sendable {
    public struct Item: Sendable {
        public var event: LeaseEvent
        /// The interface it was captured on; nil for a replayed file (never probed).
        public var interface: String?

        public init(event: LeaseEvent, interface: String?) {
            self.event = event
            self.interface = interface
        }
    }

    private let items = NIOLockedValueBox<[Item]>([])
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    public init() {
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func push(_ new: [Item]) {
        guard !new.isEmpty else { return }
        items.withLockedValue { $0.append(contentsOf: new) }
        ring.yield()
    }

    /// Wakes the consumer without events (it then finds an empty batch).
    func tick() { ring.yield() }

    func finish() { ring.finish() }

    /// Everything queued, each time there is something; ends after `finish()`.
    func batches() -> AsyncMapSequence<AsyncStream<Void>, [Item]> {
        doorbell.map { [items] _ in items.withLockedValue { queued in defer { queued = [] }; return queued } }
    }

    var pending: Int { items.withLockedValue { $0.count } }
}
