import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Sockets on 127.0.0.1 and ::1 only: free ports, one-datagram exchanges, TCP framing.
package enum LoopbackSocket {
    package static func socketType(udp: Bool) -> Int32 { udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue) }

    /// Calls `body` with 127.0.0.1:port or [::1]:port. Nothing else is ever addressed.
    package static func withLoopback<T>(v6: Bool, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
                for index in 0..<16 { raw[index] = 0 }
                raw[15] = 1
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    /// Binds a socket to loopback:`port` (0 = any); returns the fd and the bound port, or nil.
    package static func bound(v6: Bool, udp: Bool, port: UInt16) -> (fd: Int32, port: UInt16)? {
        let fd = socket(v6 ? AF_INET6 : AF_INET, socketType(udp: udp), 0)
        guard fd >= 0 else { return nil }
        if v6 {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = withLoopback(v6: v6, port: port) { bind(fd, $0, $1) }
        guard result == 0 else {
            close(fd)
            return nil
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            return nil
        }
        let boundPort: UInt16 = withUnsafePointer(to: &storage) { pointer in
            if v6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, boundPort)
    }

    /// A port free for UDP and TCP on both 127.0.0.1 and ::1 (checked by binding, then closed).
    package static func freePort() throws -> UInt16 {
        for _ in 0..<50 {
            guard let first = bound(v6: false, udp: true, port: 0) else { continue }
            var fds = [first.fd]
            var ok = true
            for (v6, udp) in [(false, false), (true, true), (true, false)] {
                if let other = bound(v6: v6, udp: udp, port: first.port) {
                    fds.append(other.fd)
                } else {
                    ok = false
                    break
                }
            }
            for fd in fds { close(fd) }
            if ok { return first.port }
        }
        throw HarnessError.noFreePort
    }

    /// Sends one datagram to 127.0.0.1:`port` and waits at most `timeoutMs` for one reply.
    package static func udpExchange(port: UInt16, _ bytes: [UInt8], timeoutMs: Int32 = 1000) -> [UInt8]? {
        let fd = socket(AF_INET, socketType(udp: true), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard withLoopback(v6: false, port: port, { connect(fd, $0, $1) }) == 0 else { return nil }
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { return nil }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_535)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Array(buffer[0..<count])
    }

    /// A TCP connection to 127.0.0.1:`port`, or nil.
    package static func tcpConnect(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, socketType(udp: false), 0)
        guard fd >= 0 else { return nil }
        guard withLoopback(v6: false, port: port, { connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    package static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        var attempts = 0
        while offset < bytes.count && attempts < 1000 {
            attempts += 1
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return offset == bytes.count
    }

    package enum ReadResult: Equatable {
        case bytes([UInt8])
        case closed        // EOF or reset before `count` bytes
        case timedOut
    }

    /// Reads exactly `count` bytes within `timeoutMs`.
    package static func readExactly(_ fd: Int32, _ count: Int, timeoutMs: Int = 2000) -> ReadResult {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while out.count < count {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            if left <= 0 { return .timedOut }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, left)
            if ready == 0 { return .timedOut }
            if ready < 0 { return .closed }
            let want = count - out.count
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, want, 0) }
            if got <= 0 { return .closed }
            out += buffer[0..<got]
        }
        return .bytes(out)
    }

    /// Reads one length-prefixed DNS message from a TCP stream.
    package static func readFrame(_ fd: Int32, timeoutMs: Int = 2000) -> ReadResult {
        switch readExactly(fd, 2, timeoutMs: timeoutMs) {
        case .bytes(let prefix):
            let length = Int(prefix[0]) << 8 | Int(prefix[1])
            return readExactly(fd, length, timeoutMs: timeoutMs)
        case let other:
            return other
        }
    }
}
