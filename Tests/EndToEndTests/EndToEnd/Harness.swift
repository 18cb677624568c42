import Foundation
import TestSupport
import Testing

/// The end-to-end tests: the real `lannamed` binary on loopback, queried with dig, kdig, drill,
/// host and raw sockets. Every suite is nested here, so the whole tree runs one test at a time.
@Suite(.serialized, .tags(.endToEnd))
enum EndToEnd {}

// MARK: - DNS messages built and read by hand (for the raw-socket tests)

enum RawDNS {
    /// A query: header (RD set), one question, no EDNS.
    static func query(id: UInt16, name: String, type: UInt16, flags: UInt16 = 0x0100) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF),
                              0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8)
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        return bytes
    }

    static func framed(_ message: [UInt8]) -> [UInt8] {
        [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    }

    static func id(_ message: [UInt8]) -> UInt16? {
        message.count >= 2 ? UInt16(message[0]) << 8 | UInt16(message[1]) : nil
    }

    static func rcode(_ message: [UInt8]) -> UInt8? { message.count >= 4 ? message[3] & 0x0F : nil }
    static func isResponse(_ message: [UInt8]) -> Bool { message.count >= 3 && message[2] & 0x80 != 0 }
    static func zBit(_ message: [UInt8]) -> Bool { message.count >= 4 && message[3] & 0x40 != 0 }
    static func authoritative(_ message: [UInt8]) -> Bool { message.count >= 3 && message[2] & 0x04 != 0 }

    static func count(_ message: [UInt8], section: Int) -> Int? {
        let offset = 4 + 2 * section
        guard message.count >= offset + 2 else { return nil }
        return Int(message[offset]) << 8 | Int(message[offset + 1])
    }
}

/// The hosts most query tests use.
enum Fixture {
    static let bigAddresses = (1...60).map { "10.60.0.\($0)" }
    static let hosts: [(String, [String])] = [
        ("printer", ["192.168.1.10"]),
        ("nas", ["192.168.1.20", "fd00::20"]),
        ("big", bigAddresses),
    ]
}
