import Testing
@testable import DNSWire

@Suite("DNSReader")
struct DNSReaderTests {
    @Test func readsIntegersBigEndian() throws {
        var reader = DNSReader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xFF, 0xFE])
        #expect(reader.remaining == 9)
        #expect(try reader.readUInt8() == 0x01)
        #expect(try reader.readUInt16() == 0x0203)
        #expect(try reader.readUInt32() == 0x0405_0607)
        #expect(reader.offset == 7)
        #expect(reader.remaining == 2)
        #expect(!reader.isAtEnd)
        #expect(try reader.readUInt16() == 0xFFFE)
        #expect(reader.isAtEnd)
        #expect(reader.remaining == 0)
    }

    @Test func startsAtGivenOffset() throws {
        var reader = DNSReader([9, 9, 0xAB, 0xCD], offset: 2)
        #expect(try reader.readUInt16() == 0xABCD)
    }

    @Test func shortReadsThrowTruncatedAndDoNotMove() throws {
        var reader = DNSReader([0x01, 0x02, 0x03])
        _ = try reader.readUInt8()
        let error = wireError { try reader.readUInt32("a TTL") }
        #expect(error?.code == .truncated)
        #expect(error?.offset == 1)
        #expect(error?.reason.contains("a TTL") == true)
        #expect(reader.offset == 1, "a failed read leaves the cursor where it was")
        #expect(try reader.readUInt16() == 0x0203)
        #expect(wireError { try reader.readUInt8() }?.code == .truncated)
        #expect(wireError { try reader.readUInt16() }?.code == .truncated)
        #expect(wireError { try reader.readBytes(1) }?.code == .truncated)
        #expect(wireError { try reader.skip(1) }?.code == .truncated)
    }

    @Test func readBytesAndSkip() throws {
        var reader = DNSReader([1, 2, 3, 4, 5])
        try reader.skip(1)
        #expect(try reader.readBytes(3) == [2, 3, 4])
        #expect(try reader.readBytes(0) == [])
        #expect(wireError { try reader.readBytes(2) }?.offset == 4)
        try reader.skip(1)
        #expect(reader.isAtEnd)
    }

    @Test func characterStrings() throws {
        var reader = DNSReader([3, 0x61, 0x62, 0x63, 0, 2, 0x78])
        #expect(try reader.readCharacterString() == Array("abc".utf8))
        #expect(try reader.readCharacterString() == [])
        let error = wireError { try reader.readCharacterString() }
        #expect(error?.code == .truncated)
        #expect(wireError { var r = DNSReader([]); return try r.readCharacterString() }?.code == .truncated)
    }

    @Test func readsPlainName() throws {
        let bytes = wireName("Www", "Example", "com") + [0xEE]
        var reader = DNSReader(bytes)
        let name = try reader.readName()
        #expect(name.description == "Www.Example.com.")
        #expect(name.wire == wireName("Www", "Example", "com"))
        #expect(reader.offset == 17)
        #expect(try reader.readUInt8() == 0xEE)
    }

    @Test func readsRoot() throws {
        var reader = DNSReader([0x00, 0x01])
        #expect(try reader.readName() == .root)
        #expect(reader.offset == 1)
    }

    @Test func pointerMovesCursorJustPastThePointer() throws {
        // 0: example.com.   13: www + pointer to 0   19: next byte
        let bytes = wireName("example", "com") + [0x03, 0x77, 0x77, 0x77, 0xC0, 0x00, 0x42]
        var reader = DNSReader(bytes, offset: 13)
        let name = try reader.readName()
        #expect(name.description == "www.example.com.")
        #expect(name.wire == wireName("www", "example", "com"))
        #expect(reader.offset == 19)
        #expect(try reader.readUInt8() == 0x42)
    }

    @Test func chainOfBackwardPointers() throws {
        // 0: com.  5: "example" -> 0   15: "www" -> 5   21: pointer -> 15
        let bytes = wireName("com") + [0x07] + Array("example".utf8) + [0xC0, 0x00]
            + [0x03] + Array("www".utf8) + [0xC0, 0x05] + [0xC0, 0x0F]
        var reader = DNSReader(bytes, offset: 21)
        #expect(try reader.readName().description == "www.example.com.")
        #expect(reader.offset == 23)
        #expect(reader.isAtEnd)
    }

    @Test func pointerWithHighOffsetBits() throws {
        // Target 0x0100 = 256 needs the low six bits of the first pointer byte.
        var bytes = [UInt8](repeating: 0xFF, count: 256) + wireName("far", "lan")
        let at = bytes.count
        bytes += [0xC1, 0x00]
        var reader = DNSReader(bytes, offset: at)
        #expect(try reader.readName().description == "far.lan.")
        #expect(reader.isAtEnd)
    }

    @Test func nameAt255BytesThroughAPointerIsAccepted() throws {
        // 0: two 63-byte labels and the root (129 bytes); then two more labels pointing back.
        let l63 = [UInt8](repeating: 0x61, count: 63)
        let head: [UInt8] = [63] + l63 + [63] + l63 + [0]
        let l61 = [UInt8](repeating: 0x62, count: 61)
        let bytes = head + [63] + l63 + [61] + l61 + [0xC0, 0x00]
        var reader = DNSReader(bytes, offset: head.count)
        let name = try reader.readName()
        #expect(name.wire.count == 255)
        #expect(name.labelCount == 4)
    }

    @Test func nameAt256BytesThroughAPointerIsRejected() {
        let l63 = [UInt8](repeating: 0x61, count: 63)
        let head: [UInt8] = [63] + l63 + [63] + l63 + [0]
        let l62 = [UInt8](repeating: 0x62, count: 62)
        let bytes = head + [63] + l63 + [62] + l62 + [0xC0, 0x00]
        var reader = DNSReader(bytes, offset: head.count)
        #expect(wireError { try reader.readName() }?.code == .nameTooLong)
    }

    @Test(arguments: [
        // bytes, start offset, code
        ([0xC0, 0x00], 0, DNSWireError.Code.badPointer),              // pointer to itself
        ([0xC0, 0x02, 0x00], 0, .badPointer),                           // forward pointer
        ([0xC0, 0x02, 0xC0, 0x00], 2, .badPointer),                     // A -> B -> A
        ([0x01, 0x61, 0xC0, 0x00], 0, .badPointer),                     // label then back to its own start
        ([0x01, 0x61, 0x01, 0x62, 0xC0, 0x02], 0, .badPointer),         // into the same run of labels
        ([0x00, 0x01, 0x61, 0xC0, 0x01], 1, .badPointer),               // to the start of its own segment
        ([0x40, 0x61], 0, .badLabelType),                               // 0b01 label type
        ([0x80, 0x61], 0, .badLabelType),                               // 0b10 label type
        ([0x7F], 0, .badLabelType),
        ([0xBF, 0x00], 0, .badLabelType),
        ([], 0, .truncated),                                            // nothing at all
        ([0x03, 0x61, 0x62], 0, .truncated),                            // label runs off the end
        ([0x01, 0x61], 0, .truncated),                                  // no terminating zero
        ([0xC0], 0, .truncated),                                        // pointer cut short
        ([0x01, 0x61, 0xC0], 0, .truncated),
    ] as [([UInt8], Int, DNSWireError.Code)])
    func badNames(bytes: [UInt8], offset: Int, code: DNSWireError.Code) {
        var reader = DNSReader(bytes, offset: offset)
        #expect(wireError { try reader.readName() }?.code == code)
    }

    @Test func selfPointerErrorOffset() {
        var reader = DNSReader([0xAA, 0xAA, 0xC0, 0x02], offset: 2)
        let error = wireError { try reader.readName() }
        #expect(error?.code == .badPointer)
        #expect(error?.offset == 2)
    }

    @Test func pointerToAnEarlierLabelInTheSameJumpIsStillRefused() {
        // 0: "a" then pointer at 2 -> 0 would loop forever if allowed.
        var reader = DNSReader([0x01, 0x61, 0xC0, 0x00, 0xC0, 0x02], offset: 4)
        #expect(wireError { try reader.readName() }?.code == .badPointer)
    }

    @Test func longNameFromManyLabelsIsRejected() throws {
        // 128 one-byte labels: 257 bytes in wire form.
        var bytes: [UInt8] = []
        for _ in 0..<128 { bytes += [0x01, 0x78] }
        bytes.append(0)
        var reader = DNSReader(bytes)
        #expect(wireError { try reader.readName() }?.code == .nameTooLong)
        // 127 of them are fine.
        var ok = DNSReader(Array(bytes[2...]))
        #expect(try ok.readName().wire.count == 255)
    }
}
