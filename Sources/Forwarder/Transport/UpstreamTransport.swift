import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends one query to one upstream and waits for the matching answer. Every query uses a fresh
/// connected socket (a random source port from the kernel; the kernel drops datagrams from other
/// sources and reports ICMP unreachable at once) and the caller's random ID; an answer counts
/// only if it comes from the address queried and matches the ID and the question. A truncated
/// UDP answer is asked again over TCP.
public struct UpstreamTransport: Sendable {
    public enum Failure: Error, Sendable, Equatable {
        case timeout
        case network(String)
        case malformed
    }

    let group: any EventLoopGroup

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    public func exchange(_ query: Message, with upstream: Upstream, timeout: Double) async throws(Failure) -> Message {
        let answer = try await udp(query, upstream, timeout: timeout)
        if answer.header.truncated {
            return try await tcp(query, upstream, timeout: timeout)
        }
        return answer
    }

    static func socketAddress(_ upstream: Upstream) throws(Failure) -> SocketAddress {
        do {
            return try SocketAddress(ipAddress: upstream.address.description, port: upstream.port)
        } catch {
            throw .network("\(error)")
        }
    }

    static func matches(_ answer: Message, _ query: Message) -> Bool {
        answer.header.isResponse && answer.header.id == query.header.id
            && answer.questions.count == 1 && answer.questions.first?.name == query.questions.first?.name
            && answer.questions.first?.type == query.questions.first?.type
            && answer.questions.first?.recordClass == query.questions.first?.recordClass
    }

    static func wait(_ promise: EventLoopPromise<Message>) async throws(Failure) -> Message {
        do {
            return try await promise.futureResult.get()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .network("\(error)")
        }
    }

    func udp(_ query: Message, _ upstream: Upstream, timeout: Double) async throws(Failure) -> Message {
        let remote = try Self.socketAddress(upstream)
        let loop = group.next()
        let promise = loop.makePromise(of: Message.self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AnswerHandler(query: query, from: remote, promise: promise))
                    }
                }
                .connect(to: remote).get()
        } catch {
            promise.fail(Failure.network("\(error)"))
            throw .network("\(error)")
        }
        let timer = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { promise.fail(Failure.timeout) }
        var buffer = channel.allocator.buffer(capacity: 512)
        buffer.writeBytes(query.serialize())
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer)).whenFailure { error in
            promise.fail(Failure.network("\(error)"))
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await Self.wait(promise)
    }

    func tcp(_ query: Message, _ upstream: Upstream, timeout: Double) async throws(Failure) -> Message {
        let remote = try Self.socketAddress(upstream)
        let loop = group.next()
        let promise = loop.makePromise(of: Message.self)
        let timer = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { promise.fail(Failure.timeout) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(StreamAnswerHandler(query: query, promise: promise))
                    }
                }
                .connect(to: remote).get()
        } catch {
            timer.cancel()
            promise.fail(Failure.network("\(error)"))
            throw .network("\(error)")
        }
        let bytes = query.serialize()
        var buffer = channel.allocator.buffer(capacity: bytes.count + 2)
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer).whenFailure { error in promise.fail(Failure.network("\(error)")) }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await Self.wait(promise)
    }
}

/// Waits on a UDP socket for the one datagram that answers the query; anything else (another
/// source, another ID or question, garbage) is ignored.
final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let query: Message
    let from: SocketAddress
    let promise: EventLoopPromise<Message>

    init(query: Message, from: SocketAddress, promise: EventLoopPromise<Message>) {
        self.query = query
        self.from = from
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == from,
              let answer = try? Message(bytes: Array(envelope.data.readableBytesView)),
              UpstreamTransport.matches(answer, query) else { return }
        promise.succeed(answer)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable: the upstream is not listening.
        promise.fail(UpstreamTransport.Failure.network("\(error)"))
    }
}

/// The TCP counterpart: the first framed answer that matches.
final class StreamAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let query: Message
    let promise: EventLoopPromise<Message>

    init(query: Message, promise: EventLoopPromise<Message>) {
        self.query = query
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let answer = try? Message(bytes: Array(frame.readableBytesView)) else {
            promise.fail(UpstreamTransport.Failure.malformed)
            return
        }
        if UpstreamTransport.matches(answer, query) { promise.succeed(answer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(UpstreamTransport.Failure.network("connection closed"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(UpstreamTransport.Failure.network("\(error)"))
    }
}
