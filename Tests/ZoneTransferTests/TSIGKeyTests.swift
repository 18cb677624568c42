import DNSWire
import Testing
@testable import ZoneTransfer

@Suite("TSIG key parsing")
struct TSIGKeyTests {
    @Test func parsesTheCommandLineForm() throws {
        let key = try TSIGKey.parse(Golden.keyText)
        #expect(key == Golden.key)
        #expect(key.name == "xfr-key.")
        #expect(key.algorithm == .hmacSHA256)
        #expect(key.secret.count == 32)
    }

    @Test func acceptsTheOtherSHAAlgorithmsInAnyCase() throws {
        for (text, algorithm) in [("hmac-sha1", TSIGAlgorithm.hmacSHA1), ("HMAC-SHA384", .hmacSHA384),
                                  ("hmac-sha512.", .hmacSHA512), ("hmac-sha256.", .hmacSHA256)] {
            #expect(try TSIGKey.parse("k.example:\(text):c2VjcmV0").algorithm == algorithm)
        }
    }

    @Test func algorithmsMapToTheirDomainNames() {
        #expect(TSIGAlgorithm.hmacSHA256.name == "hmac-sha256.")
        #expect(TSIGAlgorithm.hmacSHA1.name.wire == Array("\u{9}hmac-sha1\u{0}".utf8))
        for algorithm in TSIGAlgorithm.allCases {
            #expect(TSIGAlgorithm(name: algorithm.name) == algorithm)
            #expect(TSIGAlgorithm(name: algorithm.name.uppercasedForTest) == algorithm)
        }
        #expect(TSIGAlgorithm(name: "hmac-md5.sig-alg.reg.int.") == nil)
        #expect(TSIGAlgorithm.hmacSHA256.minimumMACLength == 16)
        #expect(TSIGAlgorithm.hmacSHA1.minimumMACLength == 10)
    }

    @Test func refusesMD5WithAClearMessage() {
        for text in ["hmac-md5", "HMAC-MD5.SIG-ALG.REG.INT"] {
            let error = #expect(throws: TSIGError.self) { try TSIGKey.parse("k:\(text):c2VjcmV0") }
            #expect(error?.code == .unsupportedAlgorithm)
            #expect(error?.message.contains("hmac-md5 is not supported") == true)
            #expect(error?.message.contains("hmac-sha256") == true)
        }
    }

    @Test func refusesUnknownAlgorithms() {
        let error = #expect(throws: TSIGError.self) { try TSIGKey.parse("k:hmac-sha3:c2VjcmV0") }
        #expect(error?.code == .unsupportedAlgorithm)
        #expect(error?.message.contains("hmac-sha3") == true)
        #expect(throws: TSIGError.self) { try TSIGKey.parse("k:hmac-sha224:c2VjcmV0") }
    }

    @Test func refusesBadBase64AndEmptySecrets() {
        for secret in ["not base64!", "c2VjcmV0=", "c2VjcmV0===", "c", "c2Vj cmV0", "c2VjcmV0\u{e9}"] {
            let error = #expect(throws: TSIGError.self, "secret \(secret)") { try TSIGKey.parse("k:hmac-sha256:\(secret)") }
            #expect(error?.code == .badSecret)
            #expect(error?.message.contains("base64") == true)
        }
        let empty = #expect(throws: TSIGError.self) { try TSIGKey.parse("k:hmac-sha256:") }
        #expect(empty?.code == .badSecret)
        #expect(empty?.message.contains("empty") == true)
        let padding = #expect(throws: TSIGError.self) { try TSIGKey.parse("k:hmac-sha256:==") }
        #expect(padding?.code == .badSecret)
    }

    @Test func decodesBase64WithAndWithoutPadding() {
        #expect(Base64.decode("c2VjcmV0") == Array("secret".utf8))
        #expect(Base64.decode("c2VjcmV0cw==") == Array("secrets".utf8))
        #expect(Base64.decode("c2VjcmV0cw") == Array("secrets".utf8))
        #expect(Base64.decode("c2VjcmV0cy4=") == Array("secrets.".utf8))
        #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
    }

    @Test func refusesBadNamesAndShapes() {
        let shapes = ["xfr-key", "xfr-key:c2VjcmV0", "a:b:c:d", ""]
        for text in shapes {
            let error = #expect(throws: TSIGError.self) { try TSIGKey.parse(text) }
            #expect(error?.code == .badKeySyntax)
            #expect(error?.message.contains("NAME:ALGORITHM:BASE64SECRET") == true)
        }
        let long = String(repeating: "a", count: 64)
        for name in ["", ".", "a..b", long, "x\\"] {
            let error = #expect(throws: TSIGError.self, "name \(name)") { try TSIGKey.parse("\(name):hmac-sha256:c2VjcmV0") }
            #expect(error?.code == .badKeyName)
        }
    }

    @Test func errorsAndDescriptionsNeverShowTheSecret() {
        let secret = "c2VjcmV0c2VjcmV0c2VjcmV0"
        for text in ["k:hmac-md5:\(secret)", "k..x:hmac-sha256:\(secret)", "k:hmac-sha256:\(secret)!", "k:\(secret)"] {
            do {
                _ = try TSIGKey.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(!error.message.contains(secret))
            }
        }
        #expect(!Golden.key.description.contains("Czt4"))
        #expect(Golden.key.description == "xfr-key. (hmac-sha256)")
    }
}

extension DomainName {
    var uppercasedForTest: DomainName {
        // Labels of algorithm names are ASCII; upper-case them to check case-insensitive lookup.
        (try? DomainName(labels: labels.map { $0.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 } })) ?? self
    }
}
