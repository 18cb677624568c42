import Testing
@testable import LANZone

@Suite("SerialNumber (RFC 1982)")
struct SerialNumberTests {
    @Test(arguments: [
        // (a, b, a is newer than b)
        (UInt32(1), UInt32(0), true),
        (0, 1, false),
        (5, 5, false),
        (0, 0xFFFF_FFFF, true),            // across the wrap
        (0xFFFF_FFFF, 0, false),
        (10, 0xFFFF_FFF0, true),
        (0xFFFF_FFF0, 10, false),
        (0x7FFF_FFFF, 0, true),            // the largest step that still counts as newer
        (0, 0x7FFF_FFFF, false),
        (0x8000_0000, 0, false),           // exactly half the circle: undefined, so never newer
        (0, 0x8000_0000, false),
        (0x8000_0001, 1, false),
        (1_717_200_000, 1_717_199_999, true),
        (1_717_199_999, 1_717_200_000, false),
    ])
    func isNewer(_ a: UInt32, _ b: UInt32, _ expected: Bool) {
        #expect(SerialNumber.isNewer(a, than: b) == expected)
    }

    @Test(arguments: [
        // (current, now, next)
        (UInt32(100), UInt32(1_717_200_000), UInt32(1_717_200_000)),  // the clock is ahead: take it
        (1_717_200_000, 1_717_200_000, 1_717_200_001),  // same second: +1
        (1_717_200_005, 1_717_200_000, 1_717_200_006),  // clock behind: +1
        (1_717_200_000, 0, 1_717_200_001),              // clock unset
        (0xFFFF_FFFF, 0xFFFF_FFFF, 0),                  // +1 wraps to zero
        (0xFFFF_FFFE, 0xFFFF_FFFE, 0xFFFF_FFFF),
        (0xFFFF_FFF0, 5, 5),                            // the clock is newer across the wrap
        (0xFFFF_FFFF, 0x7FFF_FFFF, 0),                  // half a circle away is not newer: +1 (wrapping)
        (0, 0x8000_0000, 1),
    ])
    func next(_ current: UInt32, _ now: UInt32, _ expected: UInt32) {
        let next = SerialNumber.next(after: current, now: now)
        #expect(next == expected)
        #expect(SerialNumber.isNewer(next, than: current), "the next serial is always newer")
    }

    @Test func aLongRunOfChangesAlwaysMovesForward() {
        var serial: UInt32 = 0xFFFF_FF00
        for _ in 0..<1000 {
            let next = SerialNumber.next(after: serial, now: 0xFFFF_FF00)
            #expect(SerialNumber.isNewer(next, than: serial))
            serial = next
        }
        #expect(serial == 0xFFFF_FF00 &+ 1000)
    }
}
