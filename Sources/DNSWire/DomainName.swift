/// A domain name, kept in uncompressed wire form (length-prefixed labels ending in the root's
/// zero byte). It keeps the case it was given but compares and hashes case-insensitively
/// (RFC 4343), so `Printer.LAN.` and `printer.lan.` are one key.
public struct DomainName: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Wire form, at most 255 bytes, always ending in 0.
    public let wire: [UInt8]

    public static let root = DomainName(uncheckedWire: [0])

    /// Trusts `wire` to be well formed; only DNSReader and this type call it.
    init(uncheckedWire wire: [UInt8]) {
        self.wire = wire
    }

    /// Takes an uncompressed wire name as it is, after checking it: labels of 1...63 bytes (no
    /// compression pointers), at most 255 bytes, the root's zero byte last and nothing after it.
    public init(wire: [UInt8]) throws {
        guard !wire.isEmpty, wire.count <= 255 else {
            throw DNSWireError(.nameTooLong, at: 0, "name of \(wire.count) bytes in wire form (1...255)")
        }
        var index = 0
        while true {
            guard index < wire.count else { throw DNSWireError(.truncated, at: index, "name without its final zero byte") }
            let length = Int(wire[index])
            if length == 0 { break }
            guard length <= 63 else { throw DNSWireError(.labelTooLong, at: index, "label length byte \(length)") }
            index += 1 + length
        }
        guard index == wire.count - 1 else { throw DNSWireError(.badText, at: index, "bytes after the name's end") }
        self.wire = wire
    }

    /// Builds a name from labels (each 1...63 bytes, total <= 255 in wire form).
    public init(labels: [[UInt8]]) throws {
        var wire: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw DNSWireError(.badText, at: wire.count, "empty label") }
            guard label.count <= 63 else {
                throw DNSWireError(.labelTooLong, at: wire.count, "label of \(label.count) bytes (at most 63)")
            }
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        wire.append(0)
        guard wire.count <= 255 else {
            throw DNSWireError(.nameTooLong, at: 0, "name of \(wire.count) bytes in wire form (at most 255)")
        }
        self.wire = wire
    }

    /// Parses presentation format (`www.example.com.`, `\.` and `\DDD` escapes). A name without a
    /// final dot is taken as absolute too; use `init(_:relativeTo:)` for names relative to a zone.
    public init(_ text: String) throws {
        self = try DomainName(parsing: text, origin: .root)
    }

    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("invalid name literal \(value): \(error)") }
    }

    /// Parses `text`; if it does not end in a dot, `origin` is appended (as in zone files).
    public init(parsing text: String, origin: DomainName) throws {
        if text == "." { self = .root; return }
        if text == "@" { self = origin; return }
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { throw DNSWireError(.badText, at: 0, "empty name") }
        // Straight into wire form: a length byte before each label, filled in when it ends.
        var wire: [UInt8] = [0]
        wire.reserveCapacity(utf8.count + 1 + origin.wire.count)
        var lengthAt = 0
        var length = 0
        var absolute = false
        var i = 0
        while i < utf8.count {
            let c = utf8[i]
            if c == UInt8(ascii: ".") {
                guard length > 0 else {
                    throw DNSWireError(.badText, at: i, "empty label in \"\(text)\"")
                }
                wire[lengthAt] = UInt8(length)
                if i == utf8.count - 1 {
                    absolute = true
                } else {
                    lengthAt = wire.count
                    wire.append(0)
                    length = 0
                }
                i += 1
                continue
            }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < utf8.count else { throw DNSWireError(.badText, at: i, "dangling backslash") }
                let next = utf8[i + 1]
                if next >= 0x30 && next <= 0x39 {
                    guard i + 3 < utf8.count,
                          (0x30...0x39).contains(utf8[i + 2]), (0x30...0x39).contains(utf8[i + 3]) else {
                        throw DNSWireError(.badText, at: i, "\\DDD escape needs three digits")
                    }
                    let value = Int(next - 0x30) * 100 + Int(utf8[i + 2] - 0x30) * 10 + Int(utf8[i + 3] - 0x30)
                    guard value <= 255 else { throw DNSWireError(.badText, at: i, "\\\(value) is above 255") }
                    wire.append(UInt8(value))
                    i += 4
                } else {
                    wire.append(next)
                    i += 2
                }
            } else {
                wire.append(c)
                i += 1
            }
            length += 1
            if length > 63 {
                throw DNSWireError(.labelTooLong, at: i, "label longer than 63 bytes in \"\(text)\"")
            }
        }
        if absolute {
            wire.append(0)
        } else {
            wire[lengthAt] = UInt8(length)
            wire.append(contentsOf: origin.wire)
        }
        guard wire.count <= 255 else {
            throw DNSWireError(.nameTooLong, at: 0, "name of \(wire.count) bytes in wire form (at most 255)")
        }
        self.init(uncheckedWire: wire)
    }

    /// Labels from the leftmost to the one under the root.
    public var labels: [[UInt8]] {
        var result: [[UInt8]] = []
        var index = 0
        while wire[index] != 0 {
            let length = Int(wire[index])
            result.append(Array(wire[(index + 1)...(index + length)]))
            index += length + 1
        }
        return result
    }

    public var labelCount: Int {
        var count = 0
        var index = 0
        while wire[index] != 0 {
            count += 1
            index += Int(wire[index]) + 1
        }
        return count
    }

    public var isRoot: Bool { wire.count == 1 }

    /// Wire form with ASCII letters lower-cased: the canonical key for lookups.
    public var lowercasedWire: [UInt8] {
        wire.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: source.count) { target, count in
                for index in 0..<source.count { target[index] = Self.lower(source[index]) }
                count = source.count
            }
        }
    }

    public var lowercased: DomainName { DomainName(uncheckedWire: lowercasedWire) }

    /// The name without its leftmost label (the root's parent is the root).
    public var parent: DomainName {
        guard !isRoot else { return self }
        return DomainName(uncheckedWire: Array(wire[(Int(wire[0]) + 1)...]))
    }

    /// The leftmost label, or nil for the root.
    public var firstLabel: [UInt8]? {
        guard !isRoot else { return nil }
        return Array(wire[1...Int(wire[0])])
    }

    /// True if `self` equals `other` or lies below it.
    public func isSubdomain(of other: DomainName) -> Bool {
        let diff = wire.count - other.wire.count
        guard diff >= 0 else { return false }
        // The suffix must start on a label boundary.
        var index = 0
        while index < diff {
            index += Int(wire[index]) + 1
        }
        guard index == diff else { return false }
        for k in 0..<other.wire.count where Self.lower(wire[diff + k]) != Self.lower(other.wire[k]) {
            return false
        }
        return true
    }

    /// The labels of `self` above `origin` (e.g. `a.b.lan.` relative to `lan.` is `[a, b]`), or
    /// nil if `self` is not at or below `origin`.
    public func labels(relativeTo origin: DomainName) -> [[UInt8]]? {
        guard isSubdomain(of: origin) else { return nil }
        let all = labels
        return Array(all.prefix(all.count - origin.labelCount))
    }

    /// `label.self`
    public func prepending(_ label: [UInt8]) throws -> DomainName {
        try DomainName(labels: [label] + labels)
    }

    /// `self` (relative labels) followed by `origin`.
    public func appending(_ origin: DomainName) throws -> DomainName {
        try DomainName(labels: labels + origin.labels)
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    public static func == (lhs: DomainName, rhs: DomainName) -> Bool {
        guard lhs.wire.count == rhs.wire.count else { return false }
        for i in 0..<lhs.wire.count where lower(lhs.wire[i]) != lower(rhs.wire[i]) {
            return false
        }
        return true
    }

    /// Lower-cased bytes fed eight at a time: names are hashed on every dictionary probe of the
    /// snapshot, the cache and the fast-path tables, and a byte per `combine` cost ten times more.
    public func hash(into hasher: inout Hasher) {
        wire.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            hasher.combine(count)
            var index = 0
            while index + 8 <= count {
                var word: UInt64 = 0
                for shift in 0..<8 { word |= UInt64(Self.lower(bytes[index + shift])) << UInt64(shift * 8) }
                hasher.combine(word)
                index += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                tail |= UInt64(Self.lower(bytes[index])) << shift
                shift += 8
                index += 1
            }
            hasher.combine(tail)
        }
    }

    /// Canonical DNS order (RFC 4034 sec. 6.1): by labels from the right, case-insensitively.
    public static func < (lhs: DomainName, rhs: DomainName) -> Bool {
        let a = lhs.labels.reversed().map { $0.map(lower) }
        let b = rhs.labels.reversed().map { $0.map(lower) }
        for (x, y) in zip(a, b) where x != y {
            return x.lexicographicallyPrecedes(y)
        }
        return a.count < b.count
    }

    /// Presentation format with a trailing dot; bytes outside printable ASCII and the special
    /// characters `. ; \ ( ) " @ $` and space are escaped.
    public var description: String {
        if isRoot { return "." }
        var text = ""
        for label in labels {
            text += Self.escape(label)
            text += "."
        }
        return text
    }

    /// Presentation format without the trailing dot.
    public var relativeDescription: String {
        isRoot ? "." : String(description.dropLast())
    }

    public static func escape(_ label: [UInt8]) -> String {
        var text = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: "\\"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "@"), UInt8(ascii: "$"):
                text += "\\" + String(UnicodeScalar(byte))
            case 0x21...0x7E:
                text += String(UnicodeScalar(byte))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }
}
