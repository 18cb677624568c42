import DNSWire
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Socket addresses to and from lannamed's own address type, without text.
public enum SocketAddressBytes {
    public static func fill(_ storage: inout sockaddr_storage, address: IPAddress, port: Int) -> socklen_t {
        withUnsafeMutablePointer(to: &storage) { pointer -> socklen_t in
            switch address {
            case .v4(let v4):
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee = sockaddr_in()
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                    sin.pointee.sin_addr.s_addr = v4.uint32.bigEndian
                    return socklen_t(MemoryLayout<sockaddr_in>.size)
                }
            case .v6(let v6):
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee = sockaddr_in6()
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                    withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { bytes in
                        for (index, byte) in v6.bytes.enumerated() { bytes[index] = byte }
                    }
                    return socklen_t(MemoryLayout<sockaddr_in6>.size)
                }
            }
        }
    }

    /// The sender's address as lannamed's type (the access list and the forwarder use it).
    public static func address(of name: UnsafePointer<sockaddr_storage>) -> IPAddress? {
        switch Int32(name.pointee.ss_family) {
        case AF_INET: return name.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address(of: $0.pointee) }
        case AF_INET6: return name.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address(of: $0.pointee) }
        default: return nil
        }
    }

    public static func address(of sin: sockaddr_in) -> IPAddress {
        .v4(IPv4Address(uint32: UInt32(bigEndian: sin.sin_addr.s_addr)))
    }

    /// Without an intermediate array (this runs for every IPv6 query).
    public static func address(of sin6: sockaddr_in6) -> IPAddress {
        withUnsafeBytes(of: sin6.sin6_addr) { bytes in
            var high: UInt64 = 0, low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
            return .v6(IPv6Address(high: high, low: low))
        }
    }
}


extension IPAddress {
    /// The address of a NIO socket address, read from its bytes (no text); nil for a Unix socket.
    public init?(_ socket: SocketAddress?) {
        switch socket {
        case .v4(let v4)?: self = SocketAddressBytes.address(of: v4.address)
        case .v6(let v6)?: self = SocketAddressBytes.address(of: v6.address)
        default: return nil
        }
    }
}
