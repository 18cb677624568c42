import Foundation
import Testing
@testable import LANZone

@Suite("Dynamic DNS secrets")
struct DynamicSecretTests {
    @Test func secretsAreURLSafeAndDistinct() {
        let secrets = (0..<200).map { _ in DynamicSecret.make() }
        #expect(Set(secrets).count == secrets.count)
        for secret in secrets {
            // 24 bytes = 192 bits as unpadded base64url.
            #expect(secret.count == 32)
            #expect(secret.unicodeScalars.allSatisfy { ("A"..."Z").contains($0)
                || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
        }
    }

    @Test func hashIsSHA256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(DynamicSecret.hash("abc").map { String(format: "%02x", $0) }.joined() == expected)
    }

    @Test func constantTimeComparison() {
        #expect(DynamicSecret.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!DynamicSecret.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!DynamicSecret.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(DynamicSecret.constantTimeEqual([], []))
    }

    @Test func base64URLHasNoPaddingNorPlusNorSlash() {
        #expect(DynamicSecret.base64URL([0xFB, 0xFF]) == "-_8")
        #expect(DynamicSecret.base64URL([0xFF, 0xFE, 0xFD]) == "__79")
    }
}
