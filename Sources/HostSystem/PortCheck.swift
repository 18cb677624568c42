import DNSWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks that a port can be bound before the real listeners take it, and when it cannot, says
/// who holds it (from /proc) and what to do instead.
public enum PortCheck {
    public enum Proto: String { case udp, tcp }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Binds and closes a plain socket (no SO_REUSEPORT, so another process's SO_REUSEPORT
    /// socket on the port is found too).
    public static func probe(_ endpoint: Endpoint, proto: Proto) throws(Failure) {
        let isV6: Bool
        if case .v6 = endpoint.address { isV6 = true } else { isV6 = false }
        let fd = socket(isV6 ? AF_INET6 : AF_INET, proto == .udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var one: Int32 = 1
        if proto == .tcp { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        var result: Int32
        let bytes = endpoint.address.bytes
        if isV6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(endpoint.port).bigEndian)
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in raw.copyBytes(from: bytes) }
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
            withUnsafeMutableBytes(of: &address.sin_addr) { raw in raw.copyBytes(from: bytes) }
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result != 0 else { return }
        let code = errno
        throw Failure(description: explain(errno: code, endpoint: endpoint, proto: proto))
    }

    public static func explain(errno code: Int32, endpoint: Endpoint, proto: Proto) -> String {
        switch code {
        case EADDRINUSE:
            // The sockets that conflict: the same address, a wildcard, or anything for a wildcard.
            let all = holders(port: endpoint.port, proto: proto)
            let wildcards = ["0.0.0.0:\(endpoint.port)", "[::]:\(endpoint.port)"]
            let matching = all.filter {
                endpoint.isWildcard || $0.local == endpoint.description || wildcards.contains($0.local)
            }
            let holders = matching.isEmpty ? all : matching
            var text = "\(proto.rawValue.uppercased()) \(endpoint) is already in use"
            if holders.isEmpty {
                text += " (by a process this user cannot see; `sudo ss -lunpt 'sport = :\(endpoint.port)'` names it)"
            } else {
                text += " by " + holders.map { "\($0.name) (pid \($0.pid)) on \($0.local)" }.joined(separator: ", ")
            }
            if holders.contains(where: { $0.name.hasPrefix("systemd-resolve") }) || holders.contains(where: { $0.local.hasPrefix("127.0.0.53") }) {
                text += ". That is systemd-resolved's stub listener: set DNSStubListener=no in /etc/systemd/resolved.conf and run `systemctl restart systemd-resolved`, or listen on the LAN address only (--listen 198.51.100.1:53)"
            } else {
                text += ". Stop that server or choose another address with --listen ADDR:PORT"
            }
            return text + "."
        case EACCES:
            return "\(proto.rawValue.uppercased()) \(endpoint): permission denied. Ports below 1024 need root or CAP_NET_BIND_SERVICE (the systemd unit grants it); to try without, use --listen 127.0.0.1:5353."
        case EADDRNOTAVAIL:
            return "\(proto.rawValue.uppercased()) \(endpoint): no interface on this machine has that address."
        default:
            return "\(proto.rawValue.uppercased()) \(endpoint): \(String(cString: strerror(code)))."
        }
    }

    public struct Holder: Hashable, Sendable {
        public var pid: Int
        public var name: String
        public var local: String
    }

    /// Processes with a socket bound to `port` (listening for TCP), read from /proc.
    public static func holders(port: Int, proto: Proto) -> [Holder] {
        var inodes: [String: String] = [:]  // inode -> local address text
        for (file, isV6) in [("/proc/net/\(proto.rawValue)", false), ("/proc/net/\(proto.rawValue)6", true)] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9 else { continue }
                let local = fields[1].split(separator: ":")
                guard local.count == 2, Int(local[1], radix: 16) == port else { continue }
                if proto == .tcp && fields[3] != "0A" { continue }  // LISTEN only
                inodes[String(fields[9])] = procAddress(String(local[0]), isV6: isV6) + ":\(port)"
            }
        }
        guard !inodes.isEmpty, let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found = Set<Holder>()
        for pid in pids.compactMap(Int.init) {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                      target.hasPrefix("socket:["), let local = inodes[String(target.dropFirst(8).dropLast())] else { continue }
                let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                found.insert(Holder(pid: pid, name: name, local: local))
            }
        }
        return found.sorted { $0.pid < $1.pid }
    }

    /// /proc/net addresses are the in-memory words in hex (little-endian per 32-bit word here).
    public static func procAddress(_ hex: String, isV6: Bool) -> String {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        var ordered: [UInt8] = []
        for word in stride(from: 0, to: bytes.count, by: 4) { ordered += bytes[word..<min(word + 4, bytes.count)].reversed() }
        if isV6 { return "[" + (IPv6Address(bytes: ordered)?.description ?? hex) + "]" }
        return ordered.map(String.init).joined(separator: ".")
    }
}
