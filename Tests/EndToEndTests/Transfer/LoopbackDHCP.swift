import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// DHCP packets sent over loopback UDP for a daemon capturing on `lo`: the client's REQUEST
/// (with its host name) and the server's ACK, as a DHCP server on the LAN would send them. They
/// go to 127.0.0.1 ports 67 and 68, where nothing listens; the capture sees them on the way.
enum LoopbackDHCP {
    static func lease(name: String, address: [UInt8], mac: [UInt8], xid: UInt32 = UInt32.random(in: 1...UInt32.max)) -> Bool {
        let server: [UInt8] = [127, 0, 0, 1]
        let request = packet(op: 1, xid: xid, mac: mac, yiaddr: [0, 0, 0, 0], options: [
            (53, [3]), (12, Array(name.utf8)), (50, address), (54, server),
        ])
        let ack = packet(op: 2, xid: xid, mac: mac, yiaddr: address, options: [
            (53, [5]), (54, server), (51, [0, 0, 0x0E, 0x10]), (1, [255, 255, 255, 0]),
        ])
        return send(request, to: 67) && send(ack, to: 68)
    }

    static func packet(op: UInt8, xid: UInt32, mac: [UInt8], yiaddr: [UInt8], options: [(UInt8, [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = [op, 1, 6, 0]
        bytes += withUnsafeBytes(of: xid.bigEndian) { Array($0) }
        bytes += [0, 0, 0x80, 0]                       // secs, flags (broadcast)
        bytes += [0, 0, 0, 0] + yiaddr + [0, 0, 0, 0] + [0, 0, 0, 0]   // ciaddr yiaddr siaddr giaddr
        bytes += mac + [UInt8](repeating: 0, count: 16 - mac.count)
        bytes += [UInt8](repeating: 0, count: 64 + 128)
        bytes += [0x63, 0x82, 0x53, 0x63]
        for (code, value) in options { bytes += [code, UInt8(value.count)] + value }
        bytes.append(255)
        return bytes
    }

    static func send(_ payload: [UInt8], to port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return LoopbackSocket.withLoopback(v6: false, port: port) { address, length in
            payload.withUnsafeBytes { sendto(fd, $0.baseAddress, payload.count, 0, address, length) } == payload.count
        }
    }
}
