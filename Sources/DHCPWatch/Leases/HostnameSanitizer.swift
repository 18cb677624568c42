import Foundation

/// Turns the hostname a DHCP client sent into one RFC 1123 label, predictably:
/// lower case; diacritics folded to their base letters (`Küche-Pi` -> `kuche-pi`); spaces,
/// underscores and dots become `-`; every other character is dropped; runs of `-` collapse;
/// leading and trailing `-` go; at most 63 characters. Nil when nothing is left.
public enum HostnameSanitizer {
    /// Letters that Unicode does not decompose into a base letter plus a mark.
    static let special: [Character: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i",
    ]

    public static func sanitize(_ bytes: [UInt8]) -> String? {
        // Plain ASCII (nearly every client): no Unicode work at all.
        if bytes.allSatisfy({ $0 < 0x80 }) { return sanitizeASCII(bytes) }
        // UTF-8 when it is valid UTF-8, else each byte as Latin-1 (older Windows clients).
        let text = String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
        return sanitize(text)
    }

    public static func sanitize(_ text: String) -> String? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return sanitizeASCII(Array(text.utf8)) }
        var folded = ""
        for character in text {
            if let replacement = special[character] {
                folded += replacement
                continue
            }
            for scalar in String(character).decomposedStringWithCanonicalMapping.unicodeScalars {
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: continue
                default: folded.unicodeScalars.append(scalar)
                }
            }
        }
        return sanitizeASCII(Array(folded.utf8))
    }

    /// The rules after folding: lower case; space, `_` and `.` to `-`; others dropped; runs of
    /// `-` collapsed and trimmed; at most 63.
    static func sanitizeASCII(_ bytes: [UInt8]) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            var b = byte
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.append(b)
            case UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: "_"), UInt8(ascii: "."):
                if out.last != UInt8(ascii: "-") { out.append(UInt8(ascii: "-")) }
            default:
                continue  // dropped
            }
        }
        while out.first == UInt8(ascii: "-") { out.removeFirst() }
        if out.count > 63 { out = Array(out.prefix(63)) }
        while out.last == UInt8(ascii: "-") { out.removeLast() }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }
}
