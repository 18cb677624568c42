/// Builds a DNS message, compressing names against the ones already written (RFC 1035 sec. 4.1.4).
public struct DNSWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// Wire suffix -> offset of its first occurrence (only offsets < 0x4000 qualify): a short
    /// list of suffixes as written, compared ignoring case, while a message has few names (most
    /// answers: no hashing, no lower-cased copies); a dictionary of lower-cased suffixes once it
    /// has many (zone transfers).
    private var recent: [(suffix: ArraySlice<UInt8>, offset: Int)] = []
    private var suffixes: [ArraySlice<UInt8>: Int] = [:]
    private static let listLimit = 24
    public var compressionEnabled: Bool

    public init(capacity: Int = 512, compression: Bool = true) {
        bytes = []
        bytes.reserveCapacity(capacity)
        compressionEnabled = compression
    }

    public var count: Int { bytes.count }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func write(_ value: UInt32) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func write<C: Collection>(bytes more: C) where C.Element == UInt8 {
        bytes.append(contentsOf: more)
    }

    /// Overwrites a 16-bit field written earlier (used for RDLENGTH and section counts).
    public mutating func patch(_ value: UInt16, at position: Int) {
        bytes[position] = UInt8(value >> 8)
        bytes[position + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Drops everything written after `length` (used when an answer must be truncated). Cut only
    /// at a record boundary: a cut inside a name would leave compression targets half gone.
    public mutating func truncate(to length: Int) {
        guard length < bytes.count else { return }
        bytes.removeSubrange(length...)
        recent.removeAll { $0.offset >= length }
        suffixes = suffixes.filter { $0.value < length }
    }

    /// Writes a name, compressed if `compress` and compression is enabled.
    public mutating func write(name: DomainName, compress: Bool = true) {
        let wire = name.wire
        guard compress && compressionEnabled else {
            bytes.append(contentsOf: wire)
            return
        }
        var lower: [UInt8]? = suffixes.isEmpty ? nil : name.lowercasedWire
        var index = 0
        while wire[index] != 0 {
            if let lower {
                if let target = suffixes[lower[index...]] {
                    write(UInt16(0xC000) | UInt16(target))
                    return
                }
                if bytes.count < 0x4000 { suffixes[lower[index...]] = bytes.count }
            } else {
                let suffix = wire[index...]
                if let target = recentOffset(of: suffix) {
                    write(UInt16(0xC000) | UInt16(target))
                    return
                }
                if bytes.count < 0x4000 {
                    if recent.count < Self.listLimit {
                        recent.append((suffix, bytes.count))
                    } else {
                        // Many names: from here on, a dictionary.
                        for entry in recent {
                            let key = ArraySlice(entry.suffix.map(DomainName.lower))
                            if suffixes[key] == nil { suffixes[key] = entry.offset }
                        }
                        recent.removeAll()
                        let lowered = name.lowercasedWire
                        suffixes[lowered[index...]] = bytes.count
                        lower = lowered
                    }
                }
            }
            let length = Int(wire[index])
            bytes.append(contentsOf: wire[index...(index + length)])
            index += length + 1
        }
        bytes.append(0)
    }

    private func recentOffset(of suffix: ArraySlice<UInt8>) -> Int? {
        for entry in recent where entry.suffix.count == suffix.count && Self.equalIgnoringCase(entry.suffix, suffix) {
            return entry.offset
        }
        return nil
    }

    private static func equalIgnoringCase(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                for i in 0..<x.count where DomainName.lower(x[i]) != DomainName.lower(y[i]) { return false }
                return true
            }
        }
    }

    /// Writes a <character-string> (at most 255 bytes; longer input is cut).
    public mutating func write(characterString value: [UInt8]) {
        let count = min(value.count, 255)
        bytes.append(UInt8(count))
        bytes.append(contentsOf: value[0..<count])
    }
}
