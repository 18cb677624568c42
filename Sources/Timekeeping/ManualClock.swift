import Foundation

/// A clock that moves only when told to (tests).
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double

    public init(_ start: Double = 1_700_000_000) {
        seconds = start
    }

    public var now: Double {
        lock.lock()
        defer { lock.unlock() }
        return seconds
    }

    public func advance(by interval: Double) {
        lock.lock()
        seconds += interval
        lock.unlock()
    }

    /// This clock as the `ServerClock` services take.
    public var clock: ServerClock { ServerClock { [self] in now } }
}
