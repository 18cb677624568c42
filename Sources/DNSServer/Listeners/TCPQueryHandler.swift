import ZoneTransfer
import Forwarder
import DNSClient
import DNSWire
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
    /// The answer order without the fast lanes (those are the UDP workers').
    private var order: AnswerOrder
    private var counted = false
    /// Shared by every connection (atomic adds).
    private let counters: QueryCounters

    init(hub: SnapshotHub, gate: ForwardingGate, transfers: TransferService? = nil, connections: TCPConnectionLimit,
         counters: QueryCounters = QueryCounters(singleWriter: false)) {
        self.counters = counters
        self.hub = hub
        self.gate = gate
        self.transfers = transfers
        self.connections = connections
        order = AnswerOrder(fastLanes: false, gate: gate, transfers: transfers)
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
        let client = IPAddress(context.channel.remoteAddress)
        var reply = context.channel.allocator.buffer(capacity: 2 + 512)
        reply.writeInteger(UInt16(0))
        let outcome = bytes.withUnsafeBytes { raw -> AnswerOrder.Outcome in
            let outcome = MessageView(raw).map { order.answer($0, client: client, snapshot: snapshot, transport: .tcp, into: &reply) }
                ?? .drop
            counters.count(outcome.lane, query: raw, rcode: outcome.lane.answeredNow ? reply.getInteger(at: reply.readerIndex + 5) : nil)
            return outcome
        }
        switch outcome {
        case .replied:
            reply.setInteger(UInt16(reply.readableBytes - 2), at: reply.readerIndex)
            context.write(wrapOutboundOut(reply), promise: nil)
        case .drop:
            // Nothing we can answer on a stream: a client sending garbage loses the connection.
            context.close(promise: nil)
        case .transfer:
            guard let transfers else { return }
            let channel = context.channel
            transfers.handle(bytes, from: channel.remoteAddress, transport: .tcp) { replies in
                guard !replies.isEmpty else {
                    channel.close(promise: nil)
                    return
                }
                for reply in replies { channel.write(Self.frame(reply, allocator: channel.allocator), promise: nil) }
                channel.flush()
            }
        case .forward(let question, let dnssecOK, let checkingDisabled, _, _, let message):
            let channel = context.channel, counters = counters
            gate.resolve(question, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled, on: context.eventLoop) { resolution in
                guard let message = message ?? (try? Message(bytes: bytes)) else { return }
                let limit = QueryResponder.sizeLimit(for: message, transport: .tcp)
                let answer = QueryResponder.forwardedResponse(to: message, resolution: resolution, limit: limit)
                if answer.count > 3 { counters.countReply(rcode: answer[3]) }
                channel.writeAndFlush(Self.frame(answer, allocator: channel.allocator), promise: nil)
            }
        }
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
