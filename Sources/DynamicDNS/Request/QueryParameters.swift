/// A URL query split into decoded `key=value` pairs, keys lower-cased.
///
/// `+` stays a plus sign: routers paste passwords into URLs unescaped, and a dyndns2 query never
/// carries a space. Keys and values must be valid UTF-8 after decoding and hold no control bytes.
struct QueryParameters: Sendable {
    private(set) var pairs: [(key: String, value: String)] = []

    /// Largest raw query read: far above any real client (20 hostnames and addresses fit in 2 KiB).
    static let maximumBytes = 65_536
    static let maximumPairs = 200

    init(_ raw: String?) throws(DynDNSProtocolError) {
        guard let raw, !raw.isEmpty else { return }
        guard raw.utf8.count <= Self.maximumBytes else {
            throw DynDNSProtocolError(.malformed, "query of \(raw.utf8.count) bytes")
        }
        for part in raw.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard pairs.count < Self.maximumPairs else {
                throw DynDNSProtocolError(.malformed, "more than \(Self.maximumPairs) parameters")
            }
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let rawKey = equals.map { part[part.startIndex..<$0] } ?? part[...]
            let rawValue = equals.map { part[part.index(after: $0)...] } ?? part[part.endIndex...]
            let key = try Self.decode(rawKey).lowercased()
            let value = try Self.decode(rawValue)
            pairs.append((key: key, value: value))
        }
    }

    /// The value of `key`; a key repeated with the same value counts once, with two different values
    /// it is an error (which one the client meant cannot be known).
    func value(_ key: String) throws(DynDNSProtocolError) -> String? {
        var found: String?
        for pair in pairs where pair.key == key {
            if let found, found != pair.value {
                throw DynDNSProtocolError(.malformed, "parameter \(key) given twice with different values")
            }
            found = pair.value
        }
        return found
    }

    /// Keys that start with `prefix` (such as `myipv4:`), each with its single value.
    func values(withPrefix prefix: String) throws(DynDNSProtocolError) -> [(suffix: String, value: String)] {
        var seen: [String] = []
        var result: [(suffix: String, value: String)] = []
        for pair in pairs where pair.key.hasPrefix(prefix) && !seen.contains(pair.key) {
            seen.append(pair.key)
            guard let value = try value(pair.key) else { continue }
            result.append((suffix: String(pair.key.dropFirst(prefix.count)), value: value))
        }
        return result
    }

    /// Percent-decoding that refuses `%` without two hex digits, invalid UTF-8 and control bytes
    /// (NUL included) rather than guessing.
    static func decode(_ raw: Substring.UTF8View.SubSequence) throws(DynDNSProtocolError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                let first = raw.index(after: index)
                guard first < raw.endIndex, raw.index(after: first) < raw.endIndex,
                      let high = hexValue(raw[first]), let low = hexValue(raw[raw.index(after: first)])
                else { throw DynDNSProtocolError(.malformed, "bad percent-encoding") }
                bytes.append(high << 4 | low)
                index = raw.index(first, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = raw.index(after: index)
            }
        }
        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw DynDNSProtocolError(.malformed, "control byte in the query")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DynDNSProtocolError(.malformed, "query is not UTF-8")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
