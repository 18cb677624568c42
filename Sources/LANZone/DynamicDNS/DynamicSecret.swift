import Crypto
import Foundation

/// The secrets of update tokens: made here, stored only as SHA-256, compared in constant time.
public enum DynamicSecret {
    /// 24 random bytes (192 bits) as base64url without padding: 32 characters of
    /// `[A-Za-z0-9_-]`, because routers paste tokens into URLs without escaping them.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Random bytes for an HMAC key (as long as the hash's output, RFC 2104 sec. 3).
    public static func key(bytes count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A token's public id: 8 hex digits.
    static func publicID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator))
    }

    /// What is stored of a secret.
    public static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Equal bytes, in a time that depends only on the lengths (no early exit on the first difference).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
