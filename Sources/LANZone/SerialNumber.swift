/// SOA serial arithmetic (RFC 1982): 32-bit numbers compared on a circle.
public enum SerialNumber {
    /// `a` is newer than `b` in serial-number order.
    public static func isNewer(_ a: UInt32, than b: UInt32) -> Bool {
        a != b && (a &- b) < 0x8000_0000
    }

    /// The next serial after `current`: the current Unix time when that is newer (so a database
    /// made anew still moves forward of what secondaries saw), else `current + 1`.
    public static func next(after current: UInt32, now: UInt32) -> UInt32 {
        isNewer(now, than: current) ? now : current &+ 1
    }
}
