import Testing
@testable import DNSWire

@Suite("DNSWriter")
struct DNSWriterTests {
    @Test func writesIntegersBigEndian() {
        var writer = DNSWriter()
        writer.write(UInt8(0xAB))
        writer.write(UInt16(0x0102))
        writer.write(UInt32(0x0304_0506))
        writer.write(bytes: [0xFE, 0xFF])
        writer.write(bytes: ArraySlice<UInt8>([0x10, 0x11, 0x12])[1...])
        #expect(writer.bytes == [0xAB, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xFE, 0xFF, 0x11, 0x12])
        #expect(writer.count == 11)
    }

    @Test func patchOverwritesSixteenBits() {
        var writer = DNSWriter()
        writer.write(UInt32(0))
        writer.write(UInt8(9))
        writer.patch(0xBEEF, at: 1)
        #expect(writer.bytes == [0x00, 0xBE, 0xEF, 0x00, 0x09])
    }

    @Test func characterStrings() {
        var writer = DNSWriter()
        writer.write(characterString: Array("hi".utf8))
        writer.write(characterString: [])
        #expect(writer.bytes == [2, 0x68, 0x69, 0])
    }

    @Test func characterStringLongerThan255IsCut() {
        var writer = DNSWriter()
        writer.write(characterString: Array(repeating: 0x7A, count: 300))
        #expect(writer.count == 256)
        #expect(writer.bytes[0] == 255)
        #expect(writer.bytes.dropFirst().allSatisfy { $0 == 0x7A })
    }

    @Test func compressesAgainstEarlierSuffixes() throws {
        var writer = DNSWriter()
        writer.write(name: "www.example.com.")     // 0: literal, 17 bytes
        writer.write(name: "mail.example.com.")    // 17: "mail" + pointer to 4
        writer.write(name: "EXAMPLE.COM.")         // 24: pointer to 4 (case-insensitive)
        writer.write(name: "www.example.com.")     // 26: pointer to 0
        writer.write(name: "com.")                 // 28: pointer to 12
        writer.write(name: .root)                  // 30: root is one zero byte, never a pointer
        writer.write(name: "org.")                 // 31: literal
        writer.write(name: "a.mail.example.com.")  // 36: "a" + pointer to 17
        let expected: [UInt8] = wireName("www", "example", "com")
            + [0x04] + Array("mail".utf8) + [0xC0, 0x04]
            + [0xC0, 0x04]
            + [0xC0, 0x00]
            + [0xC0, 0x0C]
            + [0x00]
            + wireName("org")
            + [0x01, 0x61, 0xC0, 0x11]
        #expect(writer.bytes == expected, "\(hex(writer.bytes))")

        // Everything reads back.
        var reader = DNSReader(writer.bytes)
        let names = try (0..<8).map { _ in try reader.readName().description }
        #expect(names == ["www.example.com.", "mail.example.com.", "example.com.", "www.example.com.", "com.",
                          ".", "org.", "a.mail.example.com."])
        #expect(reader.isAtEnd)
    }

    @Test func compressionDisabledWritesEveryNameInFull() {
        var writer = DNSWriter(compression: false)
        #expect(!writer.compressionEnabled)
        writer.write(name: "a.lan.")
        writer.write(name: "a.lan.")
        #expect(writer.bytes == wireName("a", "lan") + wireName("a", "lan"))
    }

    @Test func compressionCanBeSwitchedPerWriter() {
        var writer = DNSWriter()
        writer.compressionEnabled = false
        writer.write(name: "a.lan.")
        writer.write(name: "a.lan.")
        #expect(writer.bytes == wireName("a", "lan") + wireName("a", "lan"))
    }

    @Test func uncompressedNameIsWrittenInFullAndStillReadable() throws {
        var writer = DNSWriter()
        writer.write(name: "a.lan.")
        writer.write(name: "a.lan.", compress: false)
        #expect(Array(writer.bytes[7...]) == wireName("a", "lan"))
        writer.write(name: "b.a.lan.")
        var reader = DNSReader(writer.bytes)
        #expect(try reader.readName() == "a.lan.")
        #expect(try reader.readName() == "a.lan.")
        #expect(try reader.readName() == "b.a.lan.")
        #expect(reader.isAtEnd)
        #expect(writer.count < 7 * 2 + 9)
    }

    @Test func offsetsFrom0x4000OnAreNeverPointerTargets() throws {
        var writer = DNSWriter()
        writer.write(bytes: [UInt8](repeating: 0, count: 0x4000))
        writer.write(name: "far.lan.")
        writer.write(name: "far.lan.")
        #expect(writer.count == 0x4000 + 2 * 9)
        #expect(Array(writer.bytes[0x4000...]) == wireName("far", "lan") + wireName("far", "lan"))
    }

    @Test func earlyNamesStayPointerTargetsPastThe0x4000Mark() throws {
        var writer = DNSWriter()
        writer.write(name: "near.lan.")
        writer.write(bytes: [UInt8](repeating: 0, count: 0x5000))
        writer.write(name: "x.near.lan.")
        #expect(Array(writer.bytes.suffix(4)) == [0x01, 0x78, 0xC0, 0x00])
        var reader = DNSReader(writer.bytes, offset: writer.count - 4)
        #expect(try reader.readName().description == "x.near.lan.")
    }

    @Test func nameStraddlingThe0x4000MarkOnlyRegistersEarlySuffixes() throws {
        var writer = DNSWriter()
        writer.write(bytes: [UInt8](repeating: 0, count: 0x4000 - 2))
        writer.write(name: "ab.cd.lan.")  // "ab" at 0x3FFE, "cd" at 0x4001, "lan" at 0x4004
        writer.write(name: "ab.cd.lan.")
        writer.write(name: "cd.lan.")
        #expect(Array(writer.bytes.suffix(2 + 8)) == [0xFF, 0xFE] + wireName("cd", "lan"))
        var reader = DNSReader(writer.bytes, offset: 0x4000 - 2)
        #expect(try reader.readName().description == "ab.cd.lan.")
        #expect(try reader.readName().description == "ab.cd.lan.")
        #expect(try reader.readName().description == "cd.lan.")
        #expect(reader.isAtEnd)
    }

    @Test func truncateForgetsLaterSuffixes() throws {
        var writer = DNSWriter()
        writer.write(name: "lan.")        // 0..4
        writer.write(name: "x.org.")      // 5..11
        writer.truncate(to: 5)
        #expect(writer.bytes == wireName("lan"))
        writer.write(name: "y.x.org.")    // must not point at the dropped x.org.
        writer.write(name: "b.lan.")      // may still point at lan. at 0
        #expect(writer.bytes == wireName("lan") + wireName("y", "x", "org") + [0x01, 0x62, 0xC0, 0x00])
        var reader = DNSReader(writer.bytes)
        #expect(try reader.readName() == "lan.")
        #expect(try reader.readName() == "y.x.org.")
        #expect(try reader.readName() == "b.lan.")
    }

    /// A message with many names (a zone transfer) outgrows the short list of suffixes: every
    /// suffix remembered before and after must still be found, the first occurrence winning.
    @Test(arguments: [5, 23, 24, 25, 60, 400])
    func manyNamesCompressAsFewDo(count: Int) throws {
        var writer = DNSWriter(capacity: 4096)
        var offsets: [Int] = []
        for index in 0..<count {
            offsets.append(writer.count)
            writer.write(name: try DomainName("h\(index).office.lan."))
        }
        // Each repeat, in any case, is one pointer to the name's first offset.
        for index in stride(from: count - 1, through: 0, by: -1) {
            let before = writer.count
            writer.write(name: try DomainName("H\(index).Office.LAN."))
            #expect(Array(writer.bytes[before...]) == [0xC0 | UInt8(offsets[index] >> 8), UInt8(offsets[index] & 0xFF)])
        }
        // Only the first name carries office.lan. in full: every later name is a label and a pointer.
        let later = try (1..<count).map { "h\($0)".utf8.count + 3 }.reduce(0, +)
        #expect(offsets.count == count)
        #expect(writer.count == 1 + 2 + 7 + 4 + 1 + later + 2 * count)
        var reader = DNSReader(writer.bytes)
        for index in 0..<count { #expect(try reader.readName() == DomainName("h\(index).office.lan.")) }
        for index in stride(from: count - 1, through: 0, by: -1) {
            #expect(try reader.readName() == DomainName("h\(index).office.lan."))
        }
        #expect(reader.isAtEnd)
    }

    @Test(arguments: [3, 40])
    func truncateForgetsLaterSuffixesWithManyNames(count: Int) throws {
        var writer = DNSWriter(capacity: 4096)
        for index in 0..<count { writer.write(name: try DomainName("h\(index).lan.")) }
        let cut = writer.count
        writer.write(name: "x.org.")
        writer.truncate(to: cut)
        let before = writer.count
        writer.write(name: "y.x.org.")   // must not point at the dropped x.org.
        #expect(Array(writer.bytes[before...]) == wireName("y", "x", "org"))
        var reader = DNSReader(writer.bytes)
        for index in 0..<count { #expect(try reader.readName() == DomainName("h\(index).lan.")) }
        #expect(try reader.readName() == "y.x.org.")
    }

    @Test func truncateBeyondTheEndDoesNothing() {
        var writer = DNSWriter()
        writer.write(name: "a.lan.")
        writer.truncate(to: 100)
        writer.truncate(to: writer.count)
        #expect(writer.bytes == wireName("a", "lan"))
        writer.write(name: "a.lan.")
        #expect(Array(writer.bytes.suffix(2)) == [0xC0, 0x00])
    }

    @Test func truncateToZero() {
        var writer = DNSWriter()
        writer.write(name: "a.lan.")
        writer.truncate(to: 0)
        #expect(writer.count == 0)
        writer.write(name: "a.lan.")
        #expect(writer.bytes == wireName("a", "lan"))
    }
}
