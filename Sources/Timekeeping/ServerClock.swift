import Foundation

/// The time, as the one thing every service is given rather than reads: seconds since 1970 on
/// the wall clock (lease ends, TSIG times, serials, rebuild timings). The daemon passes
/// `.system` down from its composition root; tests pass a `ManualClock` and move it forward
/// instead of sleeping.
public struct ServerClock: Sendable {
    private let read: @Sendable () -> Double

    public init(_ read: @escaping @Sendable () -> Double) {
        self.read = read
    }

    /// Seconds since 1970.
    public func now() -> Double { read() }

    /// The machine's clock.
    public static let system = ServerClock { Date().timeIntervalSince1970 }
}
