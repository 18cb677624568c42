import HostSystem
import DNSClient
import ZoneTransfer
import CBatchIO
import DNSWire
import Forwarder
import LANZone
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One UDP socket (SO_REUSEPORT: one per event loop and listen address) served by a thread of its
/// own with batched system calls: up to 32 queries per `recvmmsg` into fixed buffers, answered in
/// place, and their replies sent with one `sendmmsg`, as NSD and Knot do. Local and warm forwarded
/// answers never leave the thread and allocate nothing per query: no socket address made into
/// text, no channel pipeline. What needs waiting (a forwarded miss, a zone transfer, a signed
/// message) goes to the paired event loop, which sends the reply itself (`ReplyBatch`).
final class UDPWorker: @unchecked Sendable {
    static let batch = 32
    /// Room per datagram: padded (RFC 8467) and TSIG-signed queries fit; a longer one is cut and
    /// then refused as malformed.
    static let slotSize = 4096

    let fd: CInt
    let hub: SnapshotHub
    let gate: ForwardingGate
    let transfers: TransferService?
    let loop: any EventLoop
    let logger: Logger
    private let stopping = NIOLockedValueBox(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Cache entries the loop resolved for this thread's misses, waiting to join its view.
    private let inbox = NIOLockedValueBox<[(ResponseCache.Key, CachedAnswer)]>([])
    private let replies: ReplyBatch
    /// This thread's own query counters; forwarded replies are counted on the loop, in `shared`.
    private let counters: QueryCounters
    private let shared: QueryCounters

    // Owned by the worker thread.
    private var snapshot: ZoneSnapshot
    /// The answer order, with this thread's fast-lane tables.
    private var order: AnswerOrder
    /// Work for the loop found in this batch (forwarded misses), handed over in one task.
    private var handOver: [@Sendable () -> Void] = []

    init(endpoint: Endpoint, hub: SnapshotHub, gate: ForwardingGate, transfers: TransferService?,
         loop: any EventLoop, metrics: QueryMetrics = QueryMetrics(), logger: Logger) throws {
        fd = try Self.openSocket(endpoint)
        counters = metrics.workerCounters()
        shared = metrics.shared
        self.hub = hub
        self.gate = gate
        self.transfers = transfers
        self.loop = loop
        self.logger = logger
        snapshot = hub.current
        replies = ReplyBatch(fd: fd, loop: loop)
        order = AnswerOrder(fastLanes: true, gate: gate, transfers: transfers)
    }

    func start() {
        startThread(named: "lannamed-udp") { [self] in
            run()
            finished.signal()
        }
    }

    /// Asks the thread to stop; it notices within 200 ms.
    func requestStop() {
        stopping.withLockedValue { $0 = true }
    }

    /// Waits for the thread (at most 2 s) and closes the socket.
    func finish() {
        requestStop()
        _ = finished.wait(timeout: .now() + 2)
        replies.close()
    }

    // MARK: - The socket

    static func openSocket(_ endpoint: Endpoint) throws -> CInt {
        let family: Int32
        if case .v4 = endpoint.address { family = AF_INET } else { family = AF_INET6 }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketFailure(call: "socket", errno: errno) }
        func option<T>(_ level: Int32, _ name: Int32, _ value: T, _ call: String) throws {
            var value = value
            guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<T>.size)) == 0 else {
                let code = errno
                close(fd)
                throw SocketFailure(call: call, errno: code)
            }
        }
        try option(SOL_SOCKET, SO_REUSEPORT, Int32(1), "SO_REUSEPORT")
        try option(SOL_SOCKET, SO_RCVBUF, Int32(4 << 20), "SO_RCVBUF")
        // recvmmsg wakes at least every 200 ms, so the thread sees a stop.
        try option(SOL_SOCKET, SO_RCVTIMEO, timeval(tv_sec: 0, tv_usec: 200_000), "SO_RCVTIMEO")
        if family == AF_INET6 { try option(Int32(IPPROTO_IPV6), IPV6_V6ONLY, Int32(1), "IPV6_V6ONLY") }
        var storage = sockaddr_storage()
        let length = SocketAddressBytes.fill(&storage, address: endpoint.address, port: endpoint.port)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SocketFailure(call: "bind", errno: code)
        }
        return fd
    }

    struct SocketFailure: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    // MARK: - The loop

    private func run() {
        let count = Self.batch
        let nameSize = MemoryLayout<sockaddr_storage>.stride
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: count * Self.slotSize, alignment: 16)
        let names = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: count)
        names.initialize(repeating: sockaddr_storage(), count: count)
        var lengths = [UInt32](repeating: 0, count: count)
        var nameLengths = [UInt32](repeating: 0, count: count)
        var truncated = [Int32](repeating: 0, count: count)
        var offsets = [Int](repeating: 0, count: count)
        var replyLengths = [UInt32](repeating: 0, count: count)
        var replyNameLengths = [UInt32](repeating: 0, count: count)
        let replyNames = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: count)
        replyNames.initialize(repeating: sockaddr_storage(), count: count)
        defer {
            buffers.deallocate()
            names.deallocate()
            replyNames.deallocate()
        }
        var out = ByteBufferAllocator().buffer(capacity: count * 512)
        var failures = 0

        while !stopping.withLockedValue({ $0 }) {
            let received = lannamed_receive_batch(fd, buffers, Self.slotSize, names, UInt32(nameSize), UInt32(count),
                                                  &lengths, &nameLengths, &truncated)
            if received <= 0 {
                let code = errno
                if received < 0 && code != EAGAIN && code != EWOULDBLOCK && code != EINTR {
                    failures += 1
                    if failures <= 3 || failures % 1000 == 0 {
                        logger.warning("UDP receive failed", metadata: ["error": "\(String(cString: strerror(code)))"])
                    }
                    if code == EBADF { return }
                    // Never spin on an error that does not go away.
                    usleep(10_000)
                }
                continue
            }
            refresh()
            out.clear()
            var replies = 0
            for index in 0..<Int(received) {
                // A datagram cut to the slot is not read at all.
                guard truncated[index] == 0 else { continue }
                let bytes = UnsafeRawBufferPointer(start: buffers + index * Self.slotSize, count: Int(lengths[index]))
                let start = out.writerIndex
                if answer(bytes, from: names + index, nameLength: socklen_t(nameLengths[index]), into: &out) {
                    offsets[replies] = start
                    replyLengths[replies] = UInt32(out.writerIndex - start)
                    replyNames[replies] = names[index]
                    replyNameLengths[replies] = nameLengths[index]
                    replies += 1
                } else {
                    out.moveWriterIndex(to: start)
                }
            }
            if !handOver.isEmpty {
                let work = handOver
                handOver.removeAll(keepingCapacity: true)
                loop.execute { for item in work { item() } }
            }
            guard replies > 0 else { continue }
            out.withUnsafeReadableBytes { data in
                _ = lannamed_send_batch(fd, data.baseAddress, offsets, replyLengths, replyNames, UInt32(nameSize),
                                        replyNameLengths, UInt32(replies))
            }
        }
    }

    /// A new batch: a new snapshot (templates made for the old one are dropped), the cache
    /// entries the loop resolved for this thread's misses since the last batch, and the
    /// forwarder's clock to be read anew.
    private func refresh() {
        let current = hub.current
        if current !== snapshot {
            snapshot = current
            order.snapshotChanged()
        }
        let arrived = inbox.withLockedValue { pending -> [(ResponseCache.Key, CachedAnswer)] in
            if pending.isEmpty { return [] }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        for (key, answer) in arrived { order.keep(answer, for: key) }
        order.newBatch()
    }

    // MARK: - One query

    /// Writes the reply to `bytes` into `out` when it can be made here and now; false when there
    /// is none (dropped) or it comes later from the loop.
    private func answer(_ bytes: UnsafeRawBufferPointer, from name: UnsafePointer<sockaddr_storage>, nameLength: socklen_t,
                        into out: inout ByteBuffer) -> Bool {
        // A datagram shorter than a header is not a message: nothing to answer.
        guard let view = MessageView(bytes) else {
            counters.count(.dropped, query: bytes, rcode: nil)
            return false
        }
        let client = SocketAddressBytes.address(of: name)
        let start = out.writerIndex
        let outcome = order.answer(view, client: client, snapshot: snapshot, transport: .udp, into: &out)
        counters.count(outcome.lane, query: bytes, rcode: outcome.lane.answeredNow ? out.getInteger(at: start + 3) : nil)
        switch outcome {
        case .replied:
            return true
        case .drop:
            return false
        case .transfer:
            guard let transfers else { return false }
            let query = Array(bytes), replies = replies
            let destination = Destination(storage: name.pointee, length: nameLength)
            let remote = destination.socketAddress
            loop.execute {
                transfers.handle(query, from: remote, transport: .udp) { messages in
                    for message in messages { replies.send(message, to: destination) }
                }
            }
            return false
        case .forward(let question, let dnssecOK, let checkingDisabled, let shape, let query, let message):
            forward(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, query: query, message: message,
                    shape: shape, to: Destination(storage: name.pointee, length: nameLength))
            return false
        }
    }

    /// Asks the forwarder on the loop; the reply is written there, from the bytes of the cache's
    /// entry when the answer is one (the entry also joins this thread's view through the inbox,
    /// so the next query for it is a hit), or in full for answers that are not kept.
    private func forward(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, query: [UInt8], message: Message?,
                         shape miss: AnswerOrder.ForwardMiss?, to destination: Destination) {
        let gate = gate, loop = loop, replies = replies, inbox = inbox, shared = shared
        handOver.append {
            gate.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: loop, outcome: { outcome in
                let now = gate.forwarder?.serverClock.now() ?? 0
                if let miss, case .cached(let answer) = outcome, let sections = answer.bytes?.sections {
                    inbox.withLockedValue { $0.append((miss.key, answer)) }
                    let shape = miss.query, limit = miss.query.payload
                    var buffer = ByteBufferAllocator().buffer(capacity: shape.questionEnd + sections.count + 11)
                    let written = query.withUnsafeBytes { raw in
                        ForwardTemplates.write(answer, at: now, query: shape, bytes: raw, limit: limit, into: &buffer)
                    }
                    if written {
                        shared.countReply(rcode: buffer.getInteger(at: buffer.readerIndex + 3) ?? 0)
                        replies.send(Array(buffer.readableBytesView), to: destination)
                        return
                    }
                }
                guard let message = message ?? (try? Message(bytes: query)) else { return }
                let limit = QueryResponder.sizeLimit(for: message, transport: .udp)
                let reply = QueryResponder.forwardedResponse(to: message, resolution: outcome.resolution(at: now), limit: limit)
                if reply.count > 3 { shared.countReply(rcode: reply[3]) }
                replies.send(reply, to: destination)
            })
        }
    }
}
