import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Connected UDP sockets to one upstream on one event loop, shared by many queries told apart by
/// their random IDs (as dnsmasq's random sockets are), each replaced after `maxUses` queries or
/// once it is `maxAge` old, whichever comes first, so the source ports keep changing: under load
/// a port serves a few dozen queries for a fraction of a second; on a quiet network nearly every
/// query gets a fresh port (as Unbound's do), which leaves no time to find an open port by
/// probing. Connected, so the kernel drops datagrams from anyone but the upstream and reports
/// "port unreachable" at once. Everything here runs on `loop`.
final class UpstreamSocketPool: @unchecked Sendable {
    let loop: any EventLoop
    let remote: SocketAddress
    let size: Int
    let maxUses: Int
    let maxAge: TimeAmount
    private var sockets: [Socket] = []
    private var opening = 0

    final class Socket {
        let channel: any Channel
        let handler: PooledAnswerHandler
        let opened: NIODeadline
        var uses = 0
        init(channel: any Channel, handler: PooledAnswerHandler, opened: NIODeadline) {
            self.channel = channel
            self.handler = handler
            self.opened = opened
        }
    }

    typealias Completion = (Result<Message, UpstreamTransport.Failure>) -> Void

    let timers: LoopTimers
    /// Tells apart successive queries that reuse an ID on one socket (a late timeout must not
    /// fail the next one).
    private var sequence: UInt64 = 0

    init(loop: any EventLoop, remote: SocketAddress, timers: LoopTimers, size: Int = 16, maxUses: Int = 32,
         maxAge: TimeAmount = .seconds(1)) {
        self.loop = loop
        self.remote = remote
        self.timers = timers
        self.size = size
        self.maxUses = maxUses
        self.maxAge = maxAge
    }

    /// Sends `query` (its ID may be changed to one not in flight on the chosen socket) and calls
    /// `completion` once, on `loop`, with the matching answer, or a timeout or ICMP error.
    /// Call on `loop`.
    func exchange(_ query: Message, timeout: TimeAmount, completion: @escaping Completion) {
        assert(loop.inEventLoop)
        if let socket = readySocket() {
            send(query, on: socket, timeout: timeout, completion: completion)
            return
        }
        open().assumeIsolated().whenComplete { result in
            switch result {
            case .success(let socket): self.send(query, on: self.adopt(socket), timeout: timeout, completion: completion)
            case .failure(let error): completion(.failure(error as? UpstreamTransport.Failure ?? .network("\(error)")))
            }
        }
    }

    private func send(_ query: Message, on socket: Socket, timeout: TimeAmount, completion: @escaping Completion) {
        var message = query
        var tries = 0
        while socket.handler.pending[message.header.id] != nil && tries < 16 {
            message.header.id = UInt16.random(in: 0...UInt16.max)
            tries += 1
        }
        guard socket.handler.pending[message.header.id] == nil else {
            completion(.failure(.network("no free query ID")))
            return
        }
        let id = message.header.id
        sequence &+= 1
        let serial = sequence
        socket.handler.pending[id] = PooledAnswerHandler.Waiting(query: message, serial: serial) { result in
            completion(result)
            self.closeIfRetired(socket)
        }
        timers.schedule(in: timeout) {
            guard let waiting = socket.handler.pending[id], waiting.serial == serial else { return }
            socket.handler.pending[id] = nil
            waiting.completion(.failure(.timeout))
        }
        socket.uses += 1
        if socket.uses >= maxUses { retire(socket) }
        socket.handler.send(message.serialize(), id: id, serial: serial)
    }

    /// A live socket of the pool, chosen at random once the pool is full; nil while it is still
    /// filling (a new socket is opened then).
    private func readySocket() -> Socket? {
        if sockets.count + opening < size { return nil }
        guard let socket = sockets.randomElement() else { return nil }
        if timers.current - socket.opened >= maxAge {
            // Too old: retired (it closes once its queries are done) and a new one opened.
            retire(socket)
            return nil
        }
        return socket
    }

    /// A socket just opened: into the pool while it has room, else good for one query only
    /// (retired, and closed when it is answered, after it).
    private func adopt(_ socket: Socket) -> Socket {
        if sockets.count < size {
            socket.handler.onBroken = { [weak self, weak socket] in
                guard let self, let socket else { return }
                self.retire(socket)
            }
            sockets.append(socket)
        } else {
            socket.uses = maxUses - 1
        }
        return socket
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
                return Socket(channel: channel, handler: handler, opened: self.timers.current)
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

/// Matches answers on a pooled socket to the queries in flight on it, by ID and question, and
/// sends the queries (through its own context: no generic channel write per query).
final class PooledAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Waiting {
        var query: Message
        var serial: UInt64
        var completion: UpstreamSocketPool.Completion
    }

    let remote: SocketAddress
    var pending: [UInt16: Waiting] = [:]
    var onBroken: (() -> Void)?
    private var context: ChannelHandlerContext?
    private var flushQueued = false

    init(remote: SocketAddress) { self.remote = remote }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends a query waiting under `id`; a send that fails (the host unreachable) fails it at once.
    func send(_ bytes: [UInt8], id: UInt16, serial: UInt64) {
        guard let context else {
            failAll(.network("socket closed"))
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let sent = context.eventLoop.makePromise(of: Void.self)
        sent.futureResult.assumeIsolated().whenFailure { error in
            guard let waiting = self.pending[id], waiting.serial == serial else { return }
            self.pending[id] = nil
            waiting.completion(.failure(.network("\(error)")))
        }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: buffer)), promise: sent)
        // One flush per turn of the loop: the queries of a burst leave in one sendmmsg.
        if !flushQueued {
            flushQueued = true
            context.eventLoop.assumeIsolated().execute {
                self.flushQueued = false
                self.context?.flush()
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == remote,
              let answer = try? Message(bytes: Array(envelope.data.readableBytesView)),
              let waiting = pending[answer.header.id],
              UpstreamTransport.matches(answer, waiting.query) else { return }
        pending[answer.header.id] = nil
        waiting.completion(.success(answer))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable, or a send that failed: every query in flight to this upstream
        // fails now, and the socket is replaced.
        failAll(.network("\(error)"))
        onBroken?()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.network("socket closed"))
        onBroken?()
    }

    private func failAll(_ failure: UpstreamTransport.Failure) {
        let failed = pending
        pending = [:]
        for waiting in failed.values { waiting.completion(.failure(failure)) }
    }
}
