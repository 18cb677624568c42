import Testing
@testable import DNSWire

@Suite("DomainName: equality, hashing, case")
struct DomainNameEqualityTests {
    @Test func caseInsensitiveEqualityAndHashing() throws {
        let upper = try parseName("Printer.LAN.")
        let lower = try parseName("printer.lan.")
        #expect(upper == lower)
        #expect(upper.hashValue == lower.hashValue)
        #expect(upper.wire != lower.wire, "the wire form keeps the case")

        let set: Set<DomainName> = [upper, lower, "PRINTER.lan."]
        #expect(set.count == 1)
        #expect(set.contains("pRiNtEr.LaN."))

        var table: [DomainName: Int] = [upper: 1]
        table[lower] = 2
        #expect(table.count == 1)
        #expect(table[upper] == 2)
    }

    @Test func casePreservedInDescription() throws {
        #expect(try parseName("Printer.LAN.").description == "Printer.LAN.")
        #expect(try parseName("printer.lan.").description == "printer.lan.")
        #expect(try parseName("Printer.LAN.").lowercased.description == "printer.lan.")
        #expect(try parseName("Printer.LAN.").lowercasedWire == wireName("printer", "lan"))
    }

    @Test(arguments: [
        ("printer.lan.", "printers.lan."),
        ("a.lan.", "a.lan.x."),
        ("a.lan.", "lan."),
        ("ab.lan.", "a.blan."),     // same bytes shuffled across a label boundary
        ("\\091.lan.", "\\123.lan."),  // '[' vs '{': differ by 0x20 but are not letters
        ("@.lan.", "\\096.lan."),    // '@' vs '`'
        (".", "lan."),
    ])
    func differentNamesAreNotEqual(_ a: String, _ b: String) throws {
        let x = try DomainName(a), y = try DomainName(b)
        #expect(x != y)
        #expect(Set([x, y]).count == 2)
    }

    @Test func stringLiteral() {
        let name: DomainName = "www.Example.com."
        #expect(name.description == "www.Example.com.")
        #expect(name.labelCount == 3)
        let root: DomainName = "."
        #expect(root == .root)
        #expect(root.isRoot)
        #expect(root.wire == [0])
    }
}

@Suite("DomainName: presentation format")
struct DomainNameTextTests {
    @Test(arguments: [
        // text, description, labels
        ("www.example.com.", "www.example.com.", ["www", "example", "com"]),
        ("www.example.com", "www.example.com.", ["www", "example", "com"]),
        (".", ".", []),
        ("_sip._udp.lan.", "_sip._udp.lan.", ["_sip", "_udp", "lan"]),
        ("*.lan.", "*.lan.", ["*", "lan"]),
        ("a-b.c_d.", "a-b.c_d.", ["a-b", "c_d"]),
    ] as [(String, String, [String])])
    func parsesPlainNames(text: String, description: String, labels: [String]) throws {
        let name = try DomainName(text)
        #expect(name.description == description)
        #expect(name.labels == labels.map { Array($0.utf8) })
        #expect(name.labelCount == labels.count)
        var wire: [UInt8] = []
        for label in labels { wire.append(UInt8(label.utf8.count)); wire += Array(label.utf8) }
        wire.append(0)
        #expect(name.wire == wire)
    }

    @Test(arguments: [
        // text, first label bytes, description
        ("a\\.b.lan.", Array("a.b".utf8), "a\\.b.lan."),
        ("\\065bc.lan.", Array("Abc".utf8), "Abc.lan."),
        ("\\065\\066\\067.lan.", Array("ABC".utf8), "ABC.lan."),
        ("a\\032b.lan.", [0x61, 0x20, 0x62], "a\\032b.lan."),
        ("\\000.lan.", [0x00], "\\000.lan."),
        ("\\255.lan.", [0xFF], "\\255.lan."),
        ("\\127x.lan.", [0x7F, 0x78], "\\127x.lan."),
        ("a\\;b.lan.", Array("a;b".utf8), "a\\;b.lan."),
        ("a\\\\b.lan.", Array("a\\b".utf8), "a\\\\b.lan."),
        ("\\(x\\).lan.", Array("(x)".utf8), "\\(x\\).lan."),
        ("\\\"q\\\".lan.", Array("\"q\"".utf8), "\\\"q\\\".lan."),
        ("\\@.lan.", Array("@".utf8), "\\@.lan."),
        ("\\$x.lan.", Array("$x".utf8), "\\$x.lan."),
        ("\\a.lan.", Array("a".utf8), "a.lan."),
        ("a\\..lan.", Array("a.".utf8), "a\\..lan."),
    ] as [(String, [UInt8], String)])
    func escapesParseAndPrint(text: String, label: [UInt8], description: String) throws {
        let name = try DomainName(text)
        #expect(name.firstLabel == label)
        #expect(name.labelCount == 2)
        #expect(name.description == description)
        // Printing and parsing again gives the same bytes.
        #expect(try DomainName(name.description).wire == name.wire)
    }

    @Test func everyByteValueSurvivesDescription() throws {
        for half in 0..<2 {
            let bytes = (0..<128).map { UInt8(half * 128 + $0) }
            let name = try DomainName(labels: [Array(bytes[0..<50]), Array(bytes[50..<100]), Array(bytes[100..<128])])
            let text = name.description
            #expect(text.utf8.allSatisfy { (0x21...0x7E).contains($0) }, "\(text)")
            let again = try DomainName(text)
            #expect(again.wire == name.wire)
        }
    }

    @Test func relativeDescription() throws {
        #expect(try parseName("www.lan.").relativeDescription == "www.lan")
        #expect(DomainName.root.relativeDescription == ".")
        #expect(DomainName.root.description == ".")
    }

    @Test(arguments: [
        ("", DNSWireError.Code.badText),
        ("a..b", .badText),
        ("a..b.", .badText),
        (".a", .badText),
        ("..", .badText),
        ("a..", .badText),
        ("a\\", .badText),
        ("a\\1", .badText),
        ("a\\25", .badText),
        ("a\\25x.lan.", .badText),
        ("a\\256.lan.", .badText),
        ("\\999", .badText),
        (String(repeating: "a", count: 64) + ".lan.", .labelTooLong),
        (String(repeating: "\\065", count: 64) + ".lan.", .labelTooLong),
        (String(repeating: "a", count: 64), .labelTooLong),
    ] as [(String, DNSWireError.Code)])
    func rejectsBadText(text: String, code: DNSWireError.Code) {
        #expect(throws: DNSWireError.self) { try DomainName(text) }
        #expect(wireError { try DomainName(text) }?.code == code)
    }

    @Test func textErrorsCarryCharacterOffsets() {
        #expect(wireError { try parseName("a..b") }?.offset == 2)
        #expect(wireError { try parseName("ab\\") }?.offset == 2)
        // The 64th byte of the label is the 64th character.
        #expect(wireError { try parseName(String(repeating: "a", count: 64) + ".lan.") }?.offset == 64)
    }

    @Test func sixtyThreeByteLabelIsAccepted() throws {
        let label = String(repeating: "a", count: 63)
        let name = try DomainName(label + ".lan.")
        #expect(name.firstLabel?.count == 63)
        #expect(name.wire.count == 1 + 63 + 1 + 3 + 1)
        #expect(try DomainName(labels: [Array(repeating: 0x61, count: 63)]).wire.count == 65)
    }

    @Test func sixtyFourByteLabelIsRejectedFromLabels() {
        #expect(wireError { try DomainName(labels: [Array(repeating: 0x61, count: 64)]) }?.code == .labelTooLong)
        #expect(wireError { try DomainName(labels: [Array("a".utf8), []]) }?.code == .badText)
    }

    /// Labels of these lengths make a name of `sum + count + 1` bytes in wire form.
    static func text(_ lengths: [Int]) -> String {
        lengths.enumerated().map { i, n in String(repeating: Character(UnicodeScalar(UInt8(0x61 + i % 26))), count: n) }
            .joined(separator: ".") + "."
    }

    @Test func nameOf255BytesIsAccepted() throws {
        let name = try DomainName(Self.text([63, 63, 63, 61]))
        #expect(name.wire.count == 255)
        #expect(name.labelCount == 4)
        let small = try DomainName(Self.text(Array(repeating: 1, count: 127)))
        #expect(small.wire.count == 255)
        #expect(small.labelCount == 127)
    }

    @Test func nameOf256BytesIsRejected() {
        #expect(wireError { try DomainName(Self.text([63, 63, 63, 62])) }?.code == .nameTooLong)
        #expect(wireError { try DomainName(Self.text(Array(repeating: 1, count: 128))) }?.code == .nameTooLong)
        let labels = [[UInt8]](repeating: Array(repeating: 0x62, count: 63), count: 3) + [Array(repeating: 0x62, count: 62)]
        #expect(wireError { try DomainName(labels: labels) }?.code == .nameTooLong)
    }

    @Test func originThatPushesPast255IsRejected() throws {
        let origin = try DomainName(Self.text([63, 63, 63]))
        #expect(try DomainName(parsing: String(repeating: "z", count: 61), origin: origin).wire.count == 255)
        #expect(wireError { try DomainName(parsing: String(repeating: "z", count: 62), origin: origin) }?.code
            == .nameTooLong)
        #expect(wireError { try origin.prepending(Array(repeating: 0x7A, count: 62)) }?.code == .nameTooLong)
    }

    @Test(arguments: [
        // text, origin, expected
        ("www", "lan.", "www.lan."),
        ("www.", "lan.", "www."),
        ("@", "lan.", "lan."),
        ("@", "Home.LAN.", "Home.LAN."),
        ("@", ".", "."),
        (".", "lan.", "."),
        ("a.b", "home.lan.", "a.b.home.lan."),
        ("printer", ".", "printer."),
        ("a\\.b", "lan.", "a\\.b.lan."),
        ("_ipp._tcp", "home.lan.", "_ipp._tcp.home.lan."),
    ] as [(String, DomainName, String)])
    func parsingRelativeToOrigin(text: String, origin: DomainName, expected: String) throws {
        let name = try DomainName(parsing: text, origin: origin)
        #expect(name.description == expected)
        #expect(name == (try DomainName(expected)))
    }

    @Test func relativeParsingErrors() {
        #expect(wireError { try DomainName(parsing: "", origin: "lan.") }?.code == .badText)
        #expect(wireError { try DomainName(parsing: "a..b", origin: "lan.") }?.code == .badText)
    }
}

@Suite("DomainName: structure")
struct DomainNameStructureTests {
    @Test(arguments: [
        ("a.lan.", "lan.", true),
        ("lan.", "lan.", true),
        ("A.LAN.", "lan.", true),
        ("printer.LAN.", "Lan.", true),
        ("a.b.lan.", "b.lan.", true),
        ("a.b.lan.", ".", true),
        (".", ".", true),
        ("xlan.", "lan.", false),
        ("x.xlan.", "lan.", false),
        ("xlan.", "x.lan.", false),
        ("lan.", "a.lan.", false),
        (".", "lan.", false),
        ("a.lan.", "a.", false),
        ("lan.org.", "lan.", false),
        // The bytes 03 'lan' 00 occur at the end, but inside the label "a\003lan".
        ("a\\003lan.", "lan.", false),
        ("b.a\\003lan.", "lan.", false),
        ("b.a\\003lan.", "a\\003lan.", true),
    ] as [(String, String, Bool)])
    func isSubdomain(name: String, of other: String, expected: Bool) throws {
        let n = try DomainName(name), o = try DomainName(other)
        #expect(n.isSubdomain(of: o) == expected)
    }

    @Test func parentAndFirstLabel() throws {
        let name = try parseName("a.B.lan.")
        #expect(name.parent.description == "B.lan.")
        #expect(name.parent.parent.description == "lan.")
        #expect(name.parent.parent.parent == .root)
        #expect(DomainName.root.parent == .root)
        #expect(name.firstLabel == Array("a".utf8))
        #expect(name.parent.firstLabel == Array("B".utf8))
        #expect(DomainName.root.firstLabel == nil)
        #expect(name.labelCount == 3)
        #expect(DomainName.root.labelCount == 0)
        #expect(DomainName.root.labels.isEmpty)
    }

    @Test(arguments: [
        ("a.b.lan.", "lan.", ["a", "b"]),
        ("lan.", "lan.", []),
        ("A.Lan.", "lan.", ["A"]),
        ("x.org.", "lan.", nil),
        ("xlan.", "lan.", nil),
        ("lan.", "a.lan.", nil),
        ("a.lan.", ".", ["a", "lan"]),
        (".", ".", []),
    ] as [(String, String, [String]?)])
    func labelsRelativeTo(name: String, origin: String, expected: [String]?) throws {
        let result = try DomainName(name).labels(relativeTo: DomainName(origin))
        #expect(result == expected.map { $0.map { Array($0.utf8) } })
    }

    @Test func prependingAndAppending() throws {
        let zone: DomainName = "home.lan."
        #expect(try zone.prepending(Array("www".utf8)).description == "www.home.lan.")
        #expect(wireError { try zone.prepending(Array(repeating: 0x61, count: 64)) }?.code == .labelTooLong)
        #expect(wireError { try zone.prepending([]) }?.code == .badText)
        let relative = try DomainName(labels: [Array("a".utf8), Array("b".utf8)])
        #expect(try relative.appending(zone).description == "a.b.home.lan.")
        #expect(try DomainName.root.appending(zone) == zone)
        #expect(try zone.appending(.root) == zone)
    }

    @Test func labelsInitializer() throws {
        #expect(try DomainName(labels: []) == .root)
        let name = try DomainName(labels: [Array("a.b".utf8), Array("lan".utf8)])
        #expect(name.description == "a\\.b.lan.")
        #expect(name.labelCount == 2)
    }

    /// RFC 4034 sec. 6.1: the example list, in canonical order.
    static let canonical = [
        "example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.",
        "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example.",
    ]

    @Test func canonicalOrderMatchesRFC4034() throws {
        let names = try Self.canonical.map { try DomainName($0) }
        for i in names.indices {
            #expect(!(names[i] < names[i]))
            for j in names.indices where i < j {
                #expect(names[i] < names[j], "\(names[i]) < \(names[j])")
                #expect(!(names[j] < names[i]), "!(\(names[j]) < \(names[i]))")
            }
        }
        let sorted = names.reversed().sorted()
        #expect(sorted.map(\.description) == Self.canonical)
        var rng = SplitMix64(seed: 4034)
        for _ in 0..<20 {
            var shuffled = names
            for k in stride(from: shuffled.count - 1, to: 0, by: -1) {
                shuffled.swapAt(k, rng.below(k + 1))
            }
            #expect(shuffled.sorted().map(\.description) == Self.canonical)
        }
    }

    @Test func canonicalOrderIgnoresCase() throws {
        let a = try parseName("A.lan."), b = try parseName("a.LAN.")
        #expect(!(a < b))
        #expect(!(b < a))
        #expect(try parseName("a.lan.") < parseName("B.lan."))
        #expect(try parseName("B.lan.") < parseName("c.lan."))
        #expect(DomainName.root < (try parseName("a.")))
        #expect(!((try parseName("a.")) < DomainName.root))
        // Compared from the right: the zone decides before the host.
        #expect(try parseName("z.a.") < parseName("a.b."))
    }
}

@Suite("DomainName: from wire bytes")
struct DomainNameWireTests {
    @Test func aWellFormedNameIsTakenAsItIs() throws {
        let wire: [UInt8] = [7] + Array("Printer".utf8) + [3] + Array("lan".utf8) + [0]
        let name = try DomainName(wire: wire)
        #expect(name.wire == wire)
        #expect(name == "printer.lan.")
        #expect(try DomainName(wire: [0]) == .root)
    }

    @Test(arguments: [
        ([UInt8](), DNSWireError.Code.nameTooLong),
        ([3, 0x61, 0x62], .truncated),                 // no final zero byte
        ([1, 0x61, 0, 0], .badText),                   // bytes after the end
        ([0xC0, 0x0C], .labelTooLong),                 // a compression pointer
        ([64] + [UInt8](repeating: 0x61, count: 64) + [0], .labelTooLong),
    ])
    func malformedWireIsRefused(wire: [UInt8], code: DNSWireError.Code) {
        let error = #expect(throws: DNSWireError.self) { try DomainName(wire: wire) }
        #expect(error?.code == code)
    }

    @Test func longerThan255BytesIsRefused() {
        let label: [UInt8] = [63] + [UInt8](repeating: 0x61, count: 63)
        let wire = label + label + label + label + [0]   // 257 bytes
        let error = #expect(throws: DNSWireError.self) { try DomainName(wire: wire) }
        #expect(error?.code == .nameTooLong)
    }
}
