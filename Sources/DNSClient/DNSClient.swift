import DNSWire
import Forwarder
import NIOCore
import NIOPosix

/// The few outgoing exchanges zone transfers need (SOA checks, NOTIFY, AXFR/IXFR streams), each
/// on its own short-lived socket with a hard deadline: the channel is closed when the deadline
/// passes, which ends every wait on it.
enum DNSClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One query over UDP; the first datagram from `server` with the query's ID is the answer.
    /// The socket is connected, so a server that is not running fails at once (ICMP port
    /// unreachable) rather than at the deadline.
    static func udp(_ query: [UInt8], to server: Endpoint, timeout: TimeAmount,
                    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> [UInt8] {
        let remote = try SocketAddress(server)
        let channel = try await DatagramBootstrap(group: group)
            .connect(to: remote) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        let id = query.count >= 2 ? UInt16(query[0]) << 8 | UInt16(query[1]) : 0
        let answer: [UInt8]? = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: query)))
            for try await envelope in inbound {
                let bytes = Array(envelope.data.readableBytesView)
                guard envelope.remoteAddress == remote, bytes.count >= 12,
                      UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id else { continue }
                return bytes
            }
            return nil
        }
        guard let answer else { throw Failure(description: "no answer from \(server) within \(timeout.nanoseconds / 1_000_000) ms") }
        return answer
    }

    /// One query over TCP; `onMessage` sees each response message in order and returns whether
    /// more are expected (a zone transfer's stream). The deadline covers the whole exchange.
    static func tcp(_ query: [UInt8], to server: Endpoint, timeout: TimeAmount,
                    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                    onMessage: ([UInt8]) throws -> Bool) async throws {
        let remote = try SocketAddress(server)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(min(timeout, .seconds(5)))
            .connect(to: remote) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        let finished: Bool = try await channel.executeThenClose { inbound, outbound in
            var frame = ByteBuffer()
            frame.writeInteger(UInt16(query.count))
            frame.writeBytes(query)
            try await outbound.write(frame)
            for try await message in inbound {
                if try !onMessage(Array(message.readableBytesView)) { return true }
            }
            return false
        }
        guard finished else {
            throw Failure(description: "\(server) closed the connection or did not finish within \(timeout.nanoseconds / 1_000_000_000) s")
        }
    }
}

extension SocketAddress {
    init(_ endpoint: Endpoint) throws {
        switch endpoint.address {
        case .v4(let v4):
            self = try SocketAddress(ipAddress: v4.description, port: endpoint.port)
        case .v6(let v6):
            self = try SocketAddress(ipAddress: v6.description, port: endpoint.port)
        }
    }
}
