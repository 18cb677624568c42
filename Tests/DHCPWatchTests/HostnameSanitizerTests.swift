import Testing
@testable import DHCPWatch

struct SanitizerCase: Sendable, CustomTestStringConvertible {
    let input: String
    let expected: String?
    init(_ input: String, _ expected: String?) {
        self.input = input
        self.expected = expected
    }
    var testDescription: String { "\(input.debugDescription) -> \(expected.map(\.debugDescription) ?? "nil")" }
}

@Suite("HostnameSanitizer")
struct HostnameSanitizerTests {
    static let table: [SanitizerCase] = [
        SanitizerCase("Küche-Pi", "kuche-pi"),
        SanitizerCase("My Laptop", "my-laptop"),
        SanitizerCase("MEDIA-SERVER", "media-server"),
        SanitizerCase("a__b..c", "a-b-c"),
        SanitizerCase("--x--", "x"),
        SanitizerCase("Straße", "strasse"),
        SanitizerCase("Ærø", "aero"),
        SanitizerCase("emoji😀box", "emojibox"),
        SanitizerCase(String(repeating: "a", count: 70), String(repeating: "a", count: 63)),
        SanitizerCase("!!!", nil),
        SanitizerCase("", nil),
        SanitizerCase("btest.is.cool", "btest-is-cool"),
        // More of the same rules.
        SanitizerCase("plainhost", "plainhost"),
        SanitizerCase("renamedhost", "renamedhost"),
        SanitizerCase("raspberrypi", "raspberrypi"),
        SanitizerCase("pop-os", "pop-os"),
        SanitizerCase("R0", "r0"),
        SanitizerCase("feanor", "feanor"),
        SanitizerCase("  spaced  out  ", "spaced-out"),
        SanitizerCase("a - b", "a-b"),
        SanitizerCase("Crème Brûlée", "creme-brulee"),
        SanitizerCase("Łódź", "lodz"),
        SanitizerCase("Þór", "thor"),
        SanitizerCase("ŒUVRE", "oeuvre"),
        SanitizerCase("e\u{0301}te\u{0301}", "ete"),  // decomposed accents
        SanitizerCase("東京", nil),
        SanitizerCase("printer#2", "printer2"),
        SanitizerCase("😀", nil),
        SanitizerCase("-", nil),
        SanitizerCase("...", nil),
        // Cut at 63, then no trailing hyphen.
        SanitizerCase(String(repeating: "a", count: 62) + "-bcd", String(repeating: "a", count: 62)),
        SanitizerCase(String(repeating: "a", count: 63) + "-", String(repeating: "a", count: 63)),
    ]

    @Test(arguments: table)
    func sanitizesText(_ c: SanitizerCase) {
        #expect(HostnameSanitizer.sanitize(c.input) == c.expected)
    }

    @Test(arguments: table)
    func utf8BytesAreTheSameAsText(_ c: SanitizerCase) {
        #expect(HostnameSanitizer.sanitize(Array(c.input.utf8)) == c.expected)
    }

    @Test func latin1Bytes() {
        // "Küche" from an older Windows client: ü is the single byte 0xFC.
        #expect(HostnameSanitizer.sanitize([0x4B, 0xFC, 0x63, 0x68, 0x65] as [UInt8]) == "kuche")
        // "Straße" in Latin-1 (ß = 0xDF), "Ærø" (0xC6 0x72 0xF8).
        #expect(HostnameSanitizer.sanitize([0x53, 0x74, 0x72, 0x61, 0xDF, 0x65] as [UInt8]) == "strasse")
        #expect(HostnameSanitizer.sanitize([0xC6, 0x72, 0xF8] as [UInt8]) == "aero")
    }

    @Test func utf8FromTheCapture() {
        // hostname_sent_hex of the `unicode` client in lan-kea.truth.json.
        #expect(HostnameSanitizer.sanitize([0x4B, 0xC3, 0xBC, 0x63, 0x68, 0x65, 0x2D, 0x50, 0x69] as [UInt8]) == "kuche-pi")
        #expect(HostnameSanitizer.sanitize([0x4D, 0x79, 0x20, 0x4C, 0x61, 0x70, 0x74, 0x6F, 0x70] as [UInt8]) == "my-laptop")
    }

    @Test func controlAndNulBytesAreDropped() {
        #expect(HostnameSanitizer.sanitize([0x61, 0x00, 0x62, 0x07, 0x63] as [UInt8]) == "abc")
        #expect(HostnameSanitizer.sanitize([0x00, 0x00] as [UInt8]) == nil)
        #expect(HostnameSanitizer.sanitize([] as [UInt8]) == nil)
    }

    @Test func resultIsAlwaysAValidLabel() {
        // Every output is 1...63 of [a-z0-9-], not starting or ending with '-'.
        var generator = SplitMix64(seed: 0x5A417)
        let alphabet: [UInt8] = Array(0...255)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...90, using: &generator)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
            guard let label = HostnameSanitizer.sanitize(bytes) else { continue }
            let utf8 = Array(label.utf8)
            #expect((1...63).contains(utf8.count))
            #expect(utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
            #expect(utf8.first != 0x2D && utf8.last != 0x2D)
            #expect(!label.contains("--"))
            // Sanitising is idempotent.
            #expect(HostnameSanitizer.sanitize(label) == label)
        }
    }
}
