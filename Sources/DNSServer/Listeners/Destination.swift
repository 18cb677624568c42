import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a UDP reply goes: the client's socket address as the kernel gave it.
struct Destination: @unchecked Sendable {
    var storage: sockaddr_storage
    var length: socklen_t

    /// NIO's form, for the transfer service (slow path only: it formats the address as text).
    var socketAddress: SocketAddress? {
        withUnsafePointer(to: storage) { pointer -> SocketAddress? in
            switch Int32(storage.ss_family) {
            case AF_INET: return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) }
            case AF_INET6: return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee) }
            default: return nil
            }
        }
    }
}
