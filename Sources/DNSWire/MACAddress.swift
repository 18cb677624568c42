/// A MAC address, kept as six bytes and printed `aa:bb:cc:dd:ee:ff`.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        self.bytes = Array(bytes)
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 6 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard part.count == 2, let value = UInt8(part, radix: 16) else { return nil }
            out.append(value)
        }
        bytes = out
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    /// The twelve hex digits without colons, lowercased: `aabbccddeeff`.
    public var hexDigits: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The last four hex digits, used to tell apart two devices that want one name.
    public var suffix: String {
        bytes.suffix(2).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public var isBroadcast: Bool { bytes.allSatisfy { $0 == 0xFF } }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
