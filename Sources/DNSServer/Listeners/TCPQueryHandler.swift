import ZoneTransfer
import Forwarder
import NIOCore

/// Answers framed queries on one TCP connection, several per connection, in order (RFC 7766).
/// The connection closes after an idle timeout (IdleStateHandler before this handler).
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let hub: SnapshotHub
    private let gate: ForwardingGate
    private let connections: TCPConnectionLimit
    private let transfers: TransferService?
    private var cell: SnapshotHub.Cell?
    private var counted = false

    init(hub: SnapshotHub, gate: ForwardingGate, transfers: TransferService? = nil, connections: TCPConnectionLimit) {
        self.hub = hub
        self.gate = gate
        self.transfers = transfers
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        cell = hub.cell(for: context.eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        if connections.acquire() {
            counted = true
            context.fireChannelActive()
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            counted = false
            connections.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let snapshot = cell?.snapshot else { return }
        let bytes = Array(frame.readableBytesView)
        if let transfers, TransferService.claims(bytes) {
            let channel = context.channel
            transfers.handle(bytes, from: channel.remoteAddress, transport: .tcp) { replies in
                guard !replies.isEmpty else {
                    channel.close(promise: nil)
                    return
                }
                for reply in replies { channel.write(Self.frame(reply, allocator: channel.allocator), promise: nil) }
                channel.flush()
            }
            return
        }
        let reply: [UInt8]
        switch QueryResponder.decide(bytes, snapshot: snapshot, transport: .tcp,
                                     forwarding: gate.forwarding(for: context.channel.remoteAddress)) {
        case .reply(let bytes):
            reply = bytes
        case .drop:
            // Nothing we can answer on a stream: a client sending garbage loses the connection.
            context.close(promise: nil)
            return
        case .forward(let message, let limit):
            let channel = context.channel
            gate.resolve(message, on: context.eventLoop) { resolution in
                let bytes = QueryResponder.forwardedResponse(to: message, resolution: resolution, limit: limit)
                channel.writeAndFlush(Self.frame(bytes, allocator: channel.allocator), promise: nil)
            }
            return
        }
        context.write(wrapOutboundOut(Self.frame(reply, allocator: context.channel.allocator)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    static func frame(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: bytes.count + 2)
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
