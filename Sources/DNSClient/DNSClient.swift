import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Outgoing DNS exchanges that are not the forwarder's pooled UDP: SOA checks, NOTIFY, zone
/// transfer streams, and the TCP retry of a truncated forwarded answer. Each uses its own
/// short-lived socket with a hard deadline: the channel is closed when the deadline passes,
/// which ends every wait on it.
public enum DNSClient {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        /// True when the deadline passed (rather than a refused or broken connection).
        public var timedOut: Bool

        public init(description: String, timedOut: Bool = false) {
            self.description = description
            self.timedOut = timedOut
        }
    }

    /// One query over UDP; the first datagram from `server` with the query's ID is the answer.
    /// The socket is connected, so a server that is not running fails at once (ICMP port
    /// unreachable) rather than at the deadline.
    public static func udp(_ query: [UInt8], to server: Endpoint, timeout: TimeAmount,
                           group: any EventLoopGroup) async throws -> [UInt8] {
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
        guard let answer else {
            throw Failure(description: "no answer from \(server) within \(timeout.nanoseconds / 1_000_000) ms", timedOut: true)
        }
        return answer
    }

    /// One query over TCP; `onMessage` sees each response message in order and returns whether
    /// more are expected (a zone transfer's stream). The deadline covers the whole exchange.
    public static func tcp(_ query: [UInt8], to server: Endpoint, timeout: TimeAmount, group: any EventLoopGroup,
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
        let expired = NIOLockedValueBox(false)
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) {
            expired.withLockedValue { $0 = true }
            channel.channel.close(promise: nil)
        }
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
            throw Failure(description: "\(server) closed the connection or did not finish within \(timeout.nanoseconds / 1_000_000_000) s",
                          timedOut: expired.withLockedValue { $0 })
        }
    }

    /// One answer over TCP: the first message `accept` takes (the forwarder checks ID and
    /// question there); an error thrown by `accept` ends the exchange.
    public static func tcpAnswer(_ query: [UInt8], to server: Endpoint, timeout: TimeAmount, group: any EventLoopGroup,
                                 accept: ([UInt8]) throws -> Bool) async throws -> [UInt8] {
        var answer: [UInt8]?
        try await tcp(query, to: server, timeout: timeout, group: group) { bytes in
            guard try accept(bytes) else { return true }
            answer = bytes
            return false
        }
        guard let answer else { throw Failure(description: "no answer from \(server)") }
        return answer
    }
}

extension SocketAddress {
    /// The socket address of `endpoint`, made from its bytes' text.
    public init(_ endpoint: Endpoint) throws {
        switch endpoint.address {
        case .v4(let v4):
            self = try SocketAddress(ipAddress: v4.description, port: endpoint.port)
        case .v6(let v6):
            self = try SocketAddress(ipAddress: v6.description, port: endpoint.port)
        }
    }
}
