import LANZone
import NIOConcurrencyHelpers
import NIOCore

/// Hands the current zone snapshot to every event loop without a lock on the query path: each
/// loop owns a cell that only its own thread reads and writes; a new snapshot reaches a loop as a
/// task scheduled on it.
public final class SnapshotHub: Sendable {
    /// One per event loop; read and written only on that loop's thread (publish hops onto the
    /// loop before writing), which is what makes the unchecked Sendable sound.
    final class Cell: @unchecked Sendable {
        var snapshot: ZoneSnapshot
        init(_ snapshot: ZoneSnapshot) { self.snapshot = snapshot }
    }

    private let cells: [ObjectIdentifier: (loop: any EventLoop, cell: Cell)]
    private let latest: NIOLockedValueBox<ZoneSnapshot>

    public init(loops: [any EventLoop], initial: ZoneSnapshot) {
        var cells: [ObjectIdentifier: (loop: any EventLoop, cell: Cell)] = [:]
        for loop in loops {
            cells[ObjectIdentifier(loop)] = (loop, Cell(initial))
        }
        self.cells = cells
        latest = NIOLockedValueBox(initial)
    }

    /// The cell of `loop`; call on that loop only.
    func cell(for loop: any EventLoop) -> Cell {
        loop.preconditionInEventLoop()
        return cells[ObjectIdentifier(loop)]!.cell
    }

    /// The newest snapshot, for status and for code off the query path.
    public var current: ZoneSnapshot { latest.withLockedValue { $0 } }

    /// Hands `snapshot` to every loop, unless a newer one (by store generation) is out already.
    /// The secondary zones published last stay attached.
    public func publish(_ snapshot: ZoneSnapshot) {
        latest.withLockedValue { current in
            guard snapshot.generation >= current.generation else { return }
            current = snapshot.withSecondaries(current.secondaries)
            // Under the lock, so two publishes reach every loop in the order they were made.
            distribute(current)
        }
    }

    /// Replaces the secondary zones (a transfer finished, a zone expired).
    public func publish(secondaries: SecondaryZones) {
        latest.withLockedValue { current in
            current = current.withSecondaries(secondaries)
            distribute(current)
        }
    }

    private func distribute(_ snapshot: ZoneSnapshot) {
        for (loop, cell) in cells.values {
            loop.execute { cell.snapshot = snapshot }
        }
    }
}
