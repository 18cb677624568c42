import CBatchIO
import DNSWire
import NIOConcurrencyHelpers
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

/// Socket addresses to and from lannamed's own address type, without text.
enum SocketAddressBytes {
    static func fill(_ storage: inout sockaddr_storage, address: IPAddress, port: Int) -> socklen_t {
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
    static func address(of name: UnsafePointer<sockaddr_storage>) -> IPAddress? {
        switch Int32(name.pointee.ss_family) {
        case AF_INET: return name.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address(of: $0.pointee) }
        case AF_INET6: return name.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address(of: $0.pointee) }
        default: return nil
        }
    }

    static func address(of sin: sockaddr_in) -> IPAddress {
        .v4(IPv4Address(uint32: UInt32(bigEndian: sin.sin_addr.s_addr)))
    }

    /// Without an intermediate array (this runs for every IPv6 query).
    static func address(of sin6: sockaddr_in6) -> IPAddress {
        withUnsafeBytes(of: sin6.sin6_addr) { bytes in
            var high: UInt64 = 0, low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
            return .v6(IPv6Address(high: high, low: low))
        }
    }
}

/// Replies made on an event loop (forwarded misses, transfers) for a `UDPWorker`'s socket:
/// collected on the loop and sent with one `sendmmsg` per turn of it. Sending and closing the
/// socket are serialised by a lock, so a late reply never goes to a closed (or reused) socket.
final class ReplyBatch: @unchecked Sendable {
    let fd: CInt
    let loop: any EventLoop
    private let open = NIOLockedValueBox(true)
    // Loop only.
    private var pending: [(bytes: [UInt8], destination: Destination)] = []
    private var flushQueued = false

    init(fd: CInt, loop: any EventLoop) {
        self.fd = fd
        self.loop = loop
    }

    /// Queues a reply (from any thread); it leaves at the end of the loop's turn.
    func send(_ bytes: [UInt8], to destination: Destination) {
        guard loop.inEventLoop else {
            loop.execute { self.send(bytes, to: destination) }
            return
        }
        pending.append((bytes, destination))
        if !flushQueued {
            flushQueued = true
            loop.execute { self.flush() }
        }
    }

    /// Closes the socket; nothing is sent after this.
    func close() {
        open.withLockedValue { isOpen in
            guard isOpen else { return }
            isOpen = false
            _ = Glibc.close(fd)
        }
    }

    private func flush() {
        flushQueued = false
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        for start in stride(from: 0, to: batch.count, by: UDPWorker.batch) {
            send(batch[start..<min(start + UDPWorker.batch, batch.count)])
        }
    }

    private func send(_ part: ArraySlice<(bytes: [UInt8], destination: Destination)>) {
        var joined: [UInt8] = []
        joined.reserveCapacity(part.reduce(0) { $0 + $1.bytes.count })
        var offsets: [Int] = []
        for reply in part {
            offsets.append(joined.count)
            joined += reply.bytes
        }
        let lengths = part.map { UInt32($0.bytes.count) }
        let names = part.map(\.destination.storage)
        let nameLengths = part.map { UInt32($0.destination.length) }
        open.withLockedValue { isOpen in
            guard isOpen else { return }
            joined.withUnsafeBytes { data in
                names.withUnsafeBytes { names in
                    _ = lannamed_send_batch(fd, data.baseAddress, offsets, lengths, names.baseAddress,
                                            UInt32(MemoryLayout<sockaddr_storage>.stride), nameLengths, UInt32(part.count))
                }
            }
        }
    }
}
