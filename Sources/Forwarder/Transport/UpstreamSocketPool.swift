import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Connected UDP sockets to one upstream on one event loop, shared by many queries told apart by
/// their random IDs, and replaced after a number of queries so the source port keeps changing (as
/// Unbound's port pool does). Connected, so the kernel drops datagrams from anyone but the
/// upstream and reports "port unreachable" at once. Everything here runs on `loop`.
final class UpstreamSocketPool: @unchecked Sendable {
    let loop: any EventLoop
    let remote: SocketAddress
    let size: Int
    let maxUses: Int
    private var sockets: [Socket] = []
    private var opening = 0

    final class Socket {
        let channel: any Channel
        let handler: PooledAnswerHandler
        var uses = 0
        init(channel: any Channel, handler: PooledAnswerHandler) {
            self.channel = channel
            self.handler = handler
        }
    }

    init(loop: any EventLoop, remote: SocketAddress, size: Int = 16, maxUses: Int = 8) {
        self.loop = loop
        self.remote = remote
        self.size = size
        self.maxUses = maxUses
    }

    /// Sends `query` (its ID may be changed to one not in flight on the chosen socket) and
    /// completes with the matching answer, or fails on timeout or an ICMP error.
    func exchange(_ query: Message, timeout: TimeAmount) -> EventLoopFuture<Message> {
        guard loop.inEventLoop else { return loop.flatSubmit { self.exchange(query, timeout: timeout) } }
        return self.socket().flatMap { socket in
            let promise = self.loop.makePromise(of: Message.self)
            var message = query
            var tries = 0
            while socket.handler.pending[message.header.id] != nil && tries < 16 {
                message.header.id = UInt16.random(in: 0...UInt16.max)
                tries += 1
            }
            guard socket.handler.pending[message.header.id] == nil else {
                return self.loop.makeFailedFuture(UpstreamTransport.Failure.network("no free query ID"))
            }
            let id = message.header.id
            let timer = self.loop.scheduleTask(in: timeout) {
                if let waiting = socket.handler.pending.removeValue(forKey: id) {
                    waiting.promise.fail(UpstreamTransport.Failure.timeout)
                }
                self.closeIfRetired(socket)
            }
            socket.handler.pending[id] = PooledAnswerHandler.Waiting(query: message, promise: promise)
            promise.futureResult.whenComplete { _ in
                timer.cancel()
                self.closeIfRetired(socket)
            }
            var buffer = socket.channel.allocator.buffer(capacity: 512)
            buffer.writeBytes(message.serialize())
            socket.channel.writeAndFlush(AddressedEnvelope(remoteAddress: self.remote, data: buffer)).whenFailure { error in
                if let waiting = socket.handler.pending.removeValue(forKey: id) {
                    waiting.promise.fail(UpstreamTransport.Failure.network("\(error)"))
                }
            }
            socket.uses += 1
            if socket.uses >= self.maxUses { self.retire(socket) }
            return promise.futureResult
        }
    }

    /// A live socket: a new one while the pool is not full, else one at random (or, while every
    /// slot is still opening, one more beyond the size, used once, rather than wait).
    private func socket() -> EventLoopFuture<Socket> {
        if sockets.count + opening < size {
            return open().map { socket in
                socket.handler.onBroken = { [weak self, weak socket] in
                    guard let self, let socket else { return }
                    self.retire(socket)
                }
                self.sockets.append(socket)
                return socket
            }
        }
        if let socket = sockets.randomElement() { return loop.makeSucceededFuture(socket) }
        return open().map { socket in
            // Good for this one query: retired (and closed when it is answered) after it.
            socket.uses = self.maxUses - 1
            return socket
        }
    }

    /// A new connected socket with its answer handler.
    private func open() -> EventLoopFuture<Socket> {
        opening += 1
        let handler = PooledAnswerHandler(remote: remote)
        return DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(to: remote)
            .map { channel in
                self.opening -= 1
                return Socket(channel: channel, handler: handler)
            }
            .flatMapErrorThrowing { error in
                self.opening -= 1
                throw UpstreamTransport.Failure.network("\(error)")
            }
    }

    /// Takes a socket out of use; it closes once its last query is done.
    private func retire(_ socket: Socket) {
        sockets.removeAll { $0 === socket }
        socket.uses = maxUses
        closeIfRetired(socket)
    }

    private func closeIfRetired(_ socket: Socket) {
        guard socket.uses >= maxUses, socket.handler.pending.isEmpty,
              !sockets.contains(where: { $0 === socket }) else { return }
        socket.channel.close(promise: nil)
    }
}

/// Matches answers on a pooled socket to the queries in flight on it, by ID and question.
final class PooledAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    struct Waiting {
        var query: Message
        var promise: EventLoopPromise<Message>
    }

    let remote: SocketAddress
    var pending: [UInt16: Waiting] = [:]
    var onBroken: (() -> Void)?

    init(remote: SocketAddress) { self.remote = remote }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == remote,
              let answer = try? Message(bytes: Array(envelope.data.readableBytesView)),
              let waiting = pending[answer.header.id],
              UpstreamTransport.matches(answer, waiting.query) else { return }
        pending[answer.header.id] = nil
        waiting.promise.succeed(answer)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable: every query in flight to this upstream fails now, and the
        // socket is replaced.
        let failed = pending
        pending = [:]
        for waiting in failed.values { waiting.promise.fail(UpstreamTransport.Failure.network("\(error)")) }
        onBroken?()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let failed = pending
        pending = [:]
        for waiting in failed.values { waiting.promise.fail(UpstreamTransport.Failure.network("socket closed")) }
        onBroken?()
    }
}
