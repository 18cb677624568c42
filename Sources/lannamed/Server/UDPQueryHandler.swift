import NIOCore

/// Answers datagrams on one UDP socket. Replies are written as they are made and flushed once per
/// read burst, so NIO sends them with one sendmmsg.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let hub: SnapshotHub
    private var cell: SnapshotHub.Cell?
    private var pending = false

    init(hub: SnapshotHub) { self.hub = hub }

    func handlerAdded(context: ChannelHandlerContext) {
        cell = hub.cell(for: context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let query = Array(envelope.data.readableBytesView)
        guard let snapshot = cell?.snapshot,
              let reply = QueryResponder.respond(to: query, snapshot: snapshot, transport: .udp) else { return }
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
