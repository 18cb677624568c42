import DNSWire
import Forwarder
import NIOCore

/// Answers datagrams on one UDP socket. Replies are written as they are made and flushed once per
/// read burst, so NIO sends them with one sendmmsg; forwarded answers that arrive later are
/// flushed once per turn of the event loop.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let hub: SnapshotHub
    private let gate: ForwardingGate
    private let transfers: TransferService?
    private var cell: SnapshotHub.Cell?
    /// Replies written in this read burst, waiting for `channelReadComplete`'s flush.
    private var pending = false
    /// True inside `channelRead` (a forwarded answer from the cache completes there).
    private var reading = false
    private var flushQueued = false
    /// This handler's place in its pipeline, for replies written after `channelRead` returned.
    private var context: ChannelHandlerContext?

    init(hub: SnapshotHub, gate: ForwardingGate, transfers: TransferService? = nil) {
        self.hub = hub
        self.gate = gate
        self.transfers = transfers
    }

    func handlerAdded(context: ChannelHandlerContext) {
        cell = hub.cell(for: context.eventLoop)
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reading = true
        defer { reading = false }
        let envelope = unwrapInboundIn(data)
        guard let cell else { return }
        // Fast path: a precomputed local answer, or a warm forwarded one, written straight into
        // the outgoing buffer.
        let templateForwarding: QueryResponder.Forwarding = gate.forwarder == nil ? .none : .allowed
        var forwardMiss: (key: ForwardTemplates.Key, query: AnswerTemplates.Query)?
        let fast: ByteBuffer? = envelope.data.withUnsafeReadableBytes { raw -> ByteBuffer? in
            guard let query = cell.templates.inspect(raw) else { return nil }
            let limit = query.edns ? query.payload : 512
            let snapshot = cell.snapshot
            if let direct = snapshot.directAnswer(lowercasedWire: query.key.name, type: query.key.type) {
                var buffer = context.channel.allocator.buffer(capacity: 128)
                if AnswerTemplates.write(direct, ttl: snapshot.config.hostTTL, recursionAvailable: gate.forwarder != nil,
                                         query: query, bytes: raw, limit: limit, into: &buffer) {
                    return buffer
                }
                return nil
            }
            switch cell.templates.lookup(query, snapshot: cell.snapshot, forwarding: templateForwarding) {
            case .local(let template):
                var buffer = context.channel.allocator.buffer(capacity: query.questionEnd + template.sections.count + 11)
                return AnswerTemplates.write(template, query: query, bytes: raw, limit: limit, into: &buffer) ? buffer : nil
            case .forward:
                guard gate.forwarding(for: envelope.remoteAddress) == .allowed else { return nil }
                let key = ForwardTemplates.Key(question: query.key, dnssecOK: query.dnssecOK,
                                               checkingDisabled: raw[3] & 0x10 != 0)
                let now = ForwardTemplates.now()
                guard let entry = cell.forwardTemplates.entry(for: key, at: now) else {
                    forwardMiss = (key, query)
                    return nil
                }
                var buffer = context.channel.allocator.buffer(capacity: query.questionEnd + entry.sections.count + 11)
                return ForwardTemplates.write(entry, query: query, bytes: raw, limit: limit, now: now, into: &buffer)
                    ? buffer : nil
            case .none:
                return nil
            }
        }
        if let fast {
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: fast)), promise: nil)
            pending = true
            return
        }
        let query = Array(envelope.data.readableBytesView)
        if let (key, shape) = forwardMiss, let name = try? DomainName(wire: key.question.name) {
            // Known to be forwarded and allowed: no need to run the responder; the answer is
            // written from the template it leaves behind.
            let question = Question(name: name, type: RecordType(key.question.type))
            forward(question, dnssecOK: key.dnssecOK, checkingDisabled: key.checkingDisabled, query: query,
                    shape: (key, shape), remote: envelope.remoteAddress, context: context)
            return
        }
        if let transfers, TransferService.claims(query) {
            let channel = context.channel
            let remote = envelope.remoteAddress
            transfers.handle(query, from: remote, transport: .udp) { replies in
                for reply in replies {
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: reply)), promise: nil)
                }
            }
            return
        }
        switch QueryResponder.decide(query, snapshot: cell.snapshot, transport: .udp,
                                     forwarding: gate.forwarding(for: envelope.remoteAddress)) {
        case .reply(let reply):
            send(reply, to: envelope.remoteAddress)
        case .drop:
            return
        case .forward(let message, _):
            guard let question = message.questions.first else { return }
            forward(question, dnssecOK: message.edns?.dnssecOK ?? false, checkingDisabled: message.header.checkingDisabled,
                    query: query, shape: nil, remote: envelope.remoteAddress, context: context)
        }
    }

    /// Asks the forwarder and answers when it has: from the per-loop template the answer leaves
    /// (one serialisation for both), or in full for answers that are not kept (errors, TTL 0).
    private func forward(_ question: Question, dnssecOK: Bool, checkingDisabled: Bool, query: [UInt8],
                         shape: (key: ForwardTemplates.Key, query: AnswerTemplates.Query)?, remote: SocketAddress,
                         context: ChannelHandlerContext) {
        guard let cell else { return }
        let allocator = context.channel.allocator
        gate.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: context.eventLoop) { resolution in
            if let shape, case .answer(let answer) = resolution {
                let now = ForwardTemplates.now()
                if let entry = cell.forwardTemplates.store(answer, for: shape.key, at: now) {
                    let limit = shape.query.edns ? shape.query.payload : 512
                    var buffer = allocator.buffer(capacity: shape.query.questionEnd + entry.sections.count + 11)
                    let written = query.withUnsafeBytes { raw in
                        ForwardTemplates.write(entry, query: shape.query, bytes: raw, limit: limit, now: now, into: &buffer)
                    }
                    if written {
                        self.send(buffer, to: remote)
                        return
                    }
                }
            }
            // The full path: parse the client's query (its case, its EDNS) and build the answer.
            guard let message = try? Message(bytes: query) else { return }
            let limit = QueryResponder.sizeLimit(for: message, transport: .udp)
            self.send(QueryResponder.forwardedResponse(to: message, resolution: resolution, limit: limit), to: remote)
        }
    }

    private func send(_ bytes: [UInt8], to remote: SocketAddress) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        send(buffer, to: remote)
    }

    /// Writes a reply through this handler's context (no generic channel write); flushed at the
    /// end of the read burst, or (for answers that come later) once per turn of the loop, so a
    /// burst of upstream answers leaves in one sendmmsg.
    private func send(_ buffer: ByteBuffer, to remote: SocketAddress) {
        guard let context else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: buffer)), promise: nil)
        if reading {
            pending = true
        } else if !flushQueued {
            flushQueued = true
            context.eventLoop.assumeIsolated().execute {
                self.flushQueued = false
                self.context?.flush()
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pending {
            pending = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable from a client that went away and similar per-datagram errors
        // must not close the socket.
    }
}
