import CBatchIO
import DNSWire
import NIOConcurrencyHelpers
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

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
