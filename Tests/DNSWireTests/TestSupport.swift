import Testing
@testable import DNSWire

// Shared helpers for the DNSWire tests: byte builders, an error catcher and a tiny
// deterministic random generator (no Foundation).

/// Runs `body`, expecting it to throw a `DNSWireError`; returns that error (or nil after
/// recording an issue when it does not throw, or throws something else).
@discardableResult
func wireError<T>(
    _ body: () throws -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) -> DNSWireError? {
    do {
        let value = try body()
        Issue.record("expected a DNSWireError, got a value: \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as DNSWireError {
        return error
    } catch {
        Issue.record("expected a DNSWireError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The error code thrown when parsing `bytes` as a message, or nil if it parsed.
func parseErrorCode(_ bytes: [UInt8]) -> DNSWireError.Code? {
    do {
        _ = try Message(bytes: bytes)
        return nil
    } catch let error as DNSWireError {
        return error.code
    } catch {
        return nil
    }
}

/// Wire form of a name given as text labels, uncompressed: `wireName("www", "example", "com")`.
func wireName(_ labels: String...) -> [UInt8] {
    var out: [UInt8] = []
    for label in labels {
        out.append(UInt8(label.utf8.count))
        out.append(contentsOf: label.utf8)
    }
    out.append(0)
    return out
}

func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

func be32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// A 12-byte header with the given ID, flags and counts.
func header(id: UInt16 = 0x1234, flags: UInt16 = 0x0100,
            qd: UInt16 = 0, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
    be16(id) + be16(flags) + be16(qd) + be16(an) + be16(ns) + be16(ar)
}

/// Fixed part of a resource record after its owner name.
func rrFixed(type: UInt16, class rclass: UInt16 = 1, ttl: UInt32 = 300, rdlength: UInt16) -> [UInt8] {
    be16(type) + be16(rclass) + be32(ttl) + be16(rdlength)
}

/// Hex dump for readable failure messages.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { b in
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }.joined(separator: " ")
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast and fully deterministic.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform-enough value in 0..<bound (bound > 0); modulo bias is irrelevant here.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

/// True if `needle` occurs as a contiguous run in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
        return true
    }
    return false
}

/// Parses through the throwing `DomainName.init(_:)`. (A bare `DomainName("literal")` is literal
/// coercion and would use the non-throwing `init(stringLiteral:)` instead.)
func parseName(_ text: String) throws -> DomainName { try DomainName(text) }
