import Testing
@testable import DNSWire

@Suite("MACAddress")
struct MACAddressTests {
    @Test func parsesAndPrints() throws {
        let a = try #require(MACAddress("02:4C:48:00:00:0A"))
        #expect(a.bytes == [0x02, 0x4C, 0x48, 0x00, 0x00, 0x0A])
        #expect(a.description == "02:4c:48:00:00:0a")
        #expect(a.suffix == "000a")
        #expect(MACAddress(bytes: [0xB8, 0x27, 0xEB, 0xB8, 0x53, 0xC8])?.suffix == "53c8")
        #expect(!a.isBroadcast)
        #expect(MACAddress("ff:ff:ff:ff:ff:ff")?.isBroadcast == true)
        #expect(mac("02:4c:48:00:00:01") < mac("02:4c:48:00:00:02"))
        #expect(!(mac("02:4c:48:00:00:02") < mac("02:4c:48:00:00:01")))
    }

    @Test(arguments: ["", "02:4c:48:00:00", "02:4c:48:00:00:01:02", "02:4c:48:00:00:0g", "2:4c:48:00:00:01",
                      "02-4c-48-00-00-01", "024c.4800.0001", "02:4c:48:00:00:001"])
    func rejectsBadText(text: String) {
        #expect(MACAddress(text) == nil)
    }

    @Test func needsSixBytes() {
        #expect(MACAddress(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(MACAddress(bytes: [1, 2, 3, 4, 5, 6, 7]) == nil)
        #expect(MACAddress(bytes: [1, 2, 3, 4, 5, 6])?.description == "01:02:03:04:05:06")
    }

    @Test func hexDigits() {
        #expect(MACAddress(bytes: [0x02, 0x4C, 0x48, 0x00, 0x0A, 0x01])?.hexDigits == "024c48000a01")
    }
}

private func mac(_ text: String) -> MACAddress {
    guard let value = MACAddress(text) else { preconditionFailure("bad MAC literal \(text)") }
    return value
}
