import DNSWire
import Foundation
@testable import ZoneTransfer

/// Golden bytes captured on loopback from real tools (Knot DNS 3.2.6 `knotd` and `kdig`,
/// BIND 9.18 `dig`) with the key below; see Fixtures/capture.py for how. The clock in the
/// capture was around 1795611330 (time signed 0x6b06dac2).
enum Golden {
    /// `xfr-key:hmac-sha256:Czt4cvAZiJhf9tYe+gghwMSTmM875KcWNoq1kcC3IpE=`, the key in knotd's config.
    static let key = TSIGKey(name: "xfr-key.", algorithm: .hmacSHA256,
                             secret: hex("0b3b7872f01988985ff6d61efa0821c0c49398cf3be4a716368ab591c0b72291"))
    static let keyText = "xfr-key:hmac-sha256:Czt4cvAZiJhf9tYe+gghwMSTmM875KcWNoq1kcC3IpE="

    /// `kdig -y hmac-sha256:xfr-key:SECRET @127.0.0.1 -p 53532 example.lan SOA` (UDP, no EDNS).
    static let kdigQuery = hex("""
        996501200001000000000001076578616d706c65036c616e0000060001077866722d6b65790000fa00ff0000000000\
        3d0b686d61632d7368613235360000006b06dac2012c0020c0f397dbd1d044df0005057177d1783b480c31181b2c43\
        2a1898a2115810c7b8996500000000
        """)
    /// knotd's signed answer to `kdigQuery`.
    static let knotResponse = hex("""
        996585000001000100000001076578616d706c65036c616e0000060001c00c0006000100000e100027036e7331c00c\
        0a686f73746d6173746572c00c78a3f17500000e100000038400093a800000012c077866722d6b65790000fa00ff00\
        000000003d0b686d61632d7368613235360000006b06dac2012c002092b32d7945e739a0ed2c76cb95bce1aa2e7c45\
        5e24d92d23cbf2db8d3be0cc8c996500000000
        """)
    /// `dig -y hmac-sha256:xfr-key:SECRET ... example.lan SOA` (UDP, EDNS with a cookie: the TSIG
    /// follows the OPT record).
    static let digQuery = hex("""
        669701200001000000000002076578616d706c65036c616e000006000100002904d000000000000c000a0008e8ca49\
        c306c0f4ea077866722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b06dac2012c0020\
        c835dc91ac68186d23326bd7325de011538eba536453efee7edf6e0f2cf9a1e7669700000000
        """)
    /// knotd's signed answer to `digQuery` (signed 5 s later: the capture proxy was busy).
    static let digKnotResponse = hex("""
        669785000001000100000002076578616d706c65036c616e0000060001c00c0006000100000e100027036e7331c00c\
        0a686f73746d6173746572c00c78a3f17500000e100000038400093a800000012c00002904d0000000000000077866\
        722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b06dac7012c0020b081dba54edd1688\
        8b46bf0e0df8df5a5dbf0145199ff2de0bc158c5dda43a73669700000000
        """)
    /// An AXFR query for example.lan made by OUR signer (ID 0x1092). knotd accepted it and sent
    /// Fixtures/knot-axfr-response.bin: four messages, each signed (RFC 8945 sec. 5.3.1).
    static let ourAXFRQuery = hex("""
        109200000001000000000001076578616d706c65036c616e0000fc0001077866722d6b65790000fa00ff0000000000\
        3d0b686d61632d7368613235360000006b06dbc3012c00202750b838a03bdac2eb76261280b33ea8ab70767e0a84cc\
        57c6cc38d9a668cdf1109200000000
        """)
    /// Our SOA query signed with a clock 1000 s slow, and knotd's signed BADTIME answer (time
    /// signed copied from the query, knotd's clock in Other Data).
    static let ourSlowQuery = hex("""
        109400000001000000000001076578616d706c65036c616e0000060001077866722d6b65790000fa00ff0000000000\
        3d0b686d61632d7368613235360000006b06d7dc012c0020f22a5273ed84a519217581ac8791b564a160d5816d97a9\
        ebd90d8d5948481eb4109400000000
        """)
    static let knotBadTime = hex("""
        109480090001000000000001076578616d706c65036c616e0000060001077866722d6b65790000fa00ff0000000000\
        430b686d61632d7368613235360000006b06d7dc012c0020eb62d051ad073b9ce684e97de71d412cbf14a46d1ff458\
        f050a5fae58354264d10940012000600006b06dbc4
        """)
    /// Our query signed with a wrong secret, and knotd's unsigned BADSIG answer.
    static let ourWrongSecretQuery = hex("""
        109500000001000000000001076578616d706c65036c616e0000060001077866722d6b65790000fa00ff0000000000\
        3d0b686d61632d7368613235360000006b06dbc4012c00205472e681977bbf35d9855335df188667e37096b10f5ea3\
        1e3e4ce68efcfdb05e109500000000
        """)
    static let knotBadSig = hex("""
        109580090001000000000001076578616d706c65036c616e0000060001077866722d6b65790000fa00ff0000000000\
        1d0b686d61632d7368613235360000006b06dbc4012c0000109500100000
        """)
    /// knotd's unsigned BADKEY answer to our query signed with key `other-key.`.
    static let knotBadKey = hex("""
        109680090001000000000001076578616d706c65036c616e0000060001096f746865722d6b65790000fa00ff000000\
        00001d0b686d61632d7368613235360000006b06dbc4012c0000109600110000
        """)

    /// The AXFR response frames (DNS-over-TCP framing: 2-byte length, message).
    static func knotAXFR() throws -> [[UInt8]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/knot-axfr-response.bin")
        let data = [UInt8](try Data(contentsOf: url))
        var frames: [[UInt8]] = []
        var index = 0
        while index + 2 <= data.count {
            let length = Int(data[index]) << 8 | Int(data[index + 1])
            guard index + 2 + length <= data.count else { throw TSIGError(.malformed, "cut frame") }
            frames.append(Array(data[(index + 2)..<(index + 2 + length)]))
            index += 2 + length
        }
        return frames
    }
}

func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8).filter { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
    return stride(from: 0, to: digits.count - 1, by: 2).map { index in
        UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) ?? 0
    }
}

/// The TSIG RR of a message and where it starts (the message's length before signing).
func tsig(_ bytes: [UInt8]) throws -> (record: TSIGRecord, offset: Int) {
    guard let location = try TSIGRecord.locate(in: bytes) else { throw TSIGError(.malformed, "no TSIG") }
    return (location.record, location.offset)
}

/// The message as it was before its TSIG was added: TSIG RR cut, ARCOUNT back, ID = Original ID.
func unsignedForm(_ bytes: [UInt8]) throws -> [UInt8] {
    guard let location = try TSIGRecord.locate(in: bytes) else { throw TSIGError(.malformed, "no TSIG") }
    return location.coveredMessage(bytes).flatMap { $0 }
}

func flipped(_ bytes: [UInt8], at index: Int, mask: UInt8 = 0x01) -> [UInt8] {
    var copy = bytes
    copy[index] ^= mask
    return copy
}

/// Replaces the TSIG RR of a signed message by `record` (re-serialised).
func replacingTSIG(_ bytes: [UInt8], with record: TSIGRecord) throws -> [UInt8] {
    let (_, offset) = try tsig(bytes)
    return Array(bytes[0..<offset]) + (try record.serialize())
}

/// A small deterministic PRNG for the hostile-bytes tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
