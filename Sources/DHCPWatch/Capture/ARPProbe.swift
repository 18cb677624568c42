import DNSWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Asks, on one interface, whether a device still holds an IPv4 address: an ARP request
/// broadcast on the link (never a routed packet), and a wait for the reply. Used before a lease
/// whose renewals were invisible (unicast) is dropped at its end.
public enum ARPProbe {
    public enum Result: Sendable, Equatable {
        case alive
        case silent
        /// The probe could not be sent (no such interface, no permission, not Ethernet).
        case unavailable(String)
    }

    public static func probe(_ target: IPv4Address, on interface: String, timeout: Double = 1, attempts: Int = 2) -> Result {
        guard let mac = interfaceMAC(interface) else { return .unavailable("\(interface) has no Ethernet address") }
        let source = interfaceIPv4(interface) ?? IPv4Address(0, 0, 0, 0)
        let capture: PcapCapture
        do {
            capture = try PcapCapture(.interface(interface), filter: "arp")
        } catch {
            return .unavailable(error.description)
        }
        guard capture.linkType == LinkType.ethernet.rawValue else { return .unavailable("\(interface) is not Ethernet") }
        guard capture.setNonBlocking() else { return .unavailable("cannot wait on \(interface) without blocking") }
        let request = frame(target: target, sourceMAC: mac, sourceIP: source)
        for _ in 0..<max(1, attempts) {
            guard capture.inject(request) else { return .unavailable("cannot send on \(interface)") }
            let deadline = Date().timeIntervalSince1970 + timeout / Double(max(1, attempts))
            while Date().timeIntervalSince1970 < deadline {
                switch capture.next() {
                case .frame(let bytes, _):
                    if isReply(bytes, from: target) { return .alive }
                case .timeout:
                    capture.wait(upTo: deadline - Date().timeIntervalSince1970)
                case .end, .failed:
                    return .unavailable("capture on \(interface) ended")
                }
            }
        }
        return .silent
    }

    /// Ethernet broadcast + ARP request (RFC 826) for `target`.
    static func frame(target: IPv4Address, sourceMAC: MACAddress, sourceIP: IPv4Address) -> [UInt8] {
        var bytes: [UInt8] = Array(repeating: 0xFF, count: 6) + sourceMAC.bytes + [0x08, 0x06]
        bytes += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]
        bytes += sourceMAC.bytes + sourceIP.bytes
        bytes += Array(repeating: 0, count: 6) + target.bytes
        bytes += Array(repeating: 0, count: 60 - bytes.count)  // minimum frame
        return bytes
    }

    static func isReply(_ bytes: [UInt8], from target: IPv4Address) -> Bool {
        guard bytes.count >= 42, bytes[12] == 0x08, bytes[13] == 0x06, bytes[20] == 0, bytes[21] == 2 else { return false }
        return Array(bytes[28..<32]) == target.bytes
    }

    static func interfaceMAC(_ interface: String) -> MACAddress? {
        guard !interface.contains("/"),
              let text = try? String(contentsOfFile: "/sys/class/net/\(interface)/address", encoding: .utf8) else { return nil }
        return MACAddress(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func interfaceIPv4(_ interface: String) -> IPv4Address? {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return nil }
        defer { freeifaddrs(head) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, Int32(address.pointee.sa_family) == AF_INET,
                  String(cString: entry.pointee.ifa_name) == interface else { continue }
            let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
            }
            return IPv4Address(bytes: bytes)
        }
        return nil
    }
}
