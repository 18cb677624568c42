import DNSWire
import NIOCore

/// Answers datagrams on one UDP socket. Replies are written as they are made and flushed once per
/// read burst, so NIO sends them with one sendmmsg.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let hub: SnapshotHub
    private let gate: ForwardingGate
    private let transfers: TransferService?
    private var cell: SnapshotHub.Cell?
    private var pending = false

    init(hub: SnapshotHub, gate: ForwardingGate, transfers: TransferService? = nil) {
        self.hub = hub
        self.gate = gate
        self.transfers = transfers
    }

    func handlerAdded(context: ChannelHandlerContext) {
        cell = hub.cell(for: context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let cell else { return }
        // Fast path: a precomputed local answer, or a warm forwarded one, written straight into
        // the outgoing buffer.
        let templateForwarding: QueryResponder.Forwarding = gate.forwarder == nil ? .none : .allowed
        var forwardKey: ForwardTemplates.Key?
        let fast: ByteBuffer? = envelope.data.withUnsafeReadableBytes { raw in
            guard let query = cell.templates.inspect(raw) else { return nil }
            let limit = query.edns ? query.payload : 512
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
                    forwardKey = key
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
        let snapshot = cell.snapshot
        let reply: [UInt8]
        switch QueryResponder.decide(query, snapshot: snapshot, transport: .udp,
                                     forwarding: gate.forwarding(for: envelope.remoteAddress)) {
        case .reply(let bytes):
            reply = bytes
        case .drop:
            return
        case .forward(let message, let limit):
            let channel = context.channel
            let remote = envelope.remoteAddress
            let keep: (@Sendable (Message) -> Void)? = forwardKey.map { key in
                let loop = channel.eventLoop
                return { answer in
                    loop.execute { cell.forwardTemplates.store(answer, for: key, at: ForwardTemplates.now()) }
                }
            }
            guard let cached = gate.answer(message, limit: limit, keep: keep, send: { bytes in
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer), promise: nil)
            }) else { return }
            reply = cached
        }
        var buffer = context.channel.allocator.buffer(capacity: reply.count)
        buffer.writeBytes(reply)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        pending = true
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
