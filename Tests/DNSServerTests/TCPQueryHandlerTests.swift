import DNSClient
import DNSWire
import LANZone
import NIOCore
import NIOEmbedded
import Testing

@testable import DNSServer

/// The TCP pipeline (RFC 7766 framing, several queries per connection, the connection cap) on an
/// `EmbeddedChannel`: no sockets, the same handlers the listener installs.
@Suite struct TCPQueryHandlerTests {
    static let snapshot = QueryResponderTests.snapshot

    /// A channel with the listener's decoder and handler, and the gate without a forwarder.
    func channel(maximumConnections: Int = 8) throws -> (EmbeddedChannel, TCPConnectionLimit) {
        let channel = EmbeddedChannel()
        let hub = SnapshotHub(loops: [channel.embeddedEventLoop], initial: Self.snapshot)
        let limit = TCPConnectionLimit(maximum: maximumConnections)
        let gate = ForwardingGate(forwarder: nil, access: AccessList([]))
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(TCPQueryHandler(hub: hub, gate: gate, connections: limit))
        return (channel, limit)
    }

    func framed(_ messages: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for message in messages {
            buffer.writeInteger(UInt16(message.count))
            buffer.writeBytes(message)
        }
        return buffer
    }

    /// Every frame written so far, unframed.
    func replies(_ channel: EmbeddedChannel) throws -> [[UInt8]] {
        var all = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&part) }
        var out: [[UInt8]] = []
        while let length = all.readInteger(as: UInt16.self) {
            let bytes = all.readBytes(length: Int(length))
            out.append(try #require(bytes))
        }
        #expect(all.readableBytes == 0, "no partial frame")
        return out
    }

    func query(_ name: String, _ type: RecordType, id: UInt16) -> [UInt8] {
        Message(header: Header(id: id), questions: [Question(name: try! DomainName(name), type: type)]).serialize()
    }

    @Test func queriesInOneSegmentAreAnsweredInOrderAsTheResponderAnswers() throws {
        let (channel, _) = try channel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5353)).wait()
        let queries = [query("printer.lan.", .a, id: 1), query("laptop-anna.lan.", .aaaa, id: 2), query("nope.lan.", .a, id: 3)]
        try channel.writeInbound(framed(queries))
        let got = try replies(channel)
        let expected = queries.map { QueryResponder.respond(to: $0, snapshot: Self.snapshot, transport: .tcp) }
        #expect(got == expected.compactMap { $0 })
        #expect(got.count == 3)
        #expect(channel.isActive)
        _ = try? channel.finish()
    }

    @Test func aQuerySplitAcrossSegmentsIsAnsweredOnceWhole() throws {
        let (channel, _) = try channel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5353)).wait()
        var whole = framed([query("printer.lan.", .a, id: 7)])
        let first = whole.readSlice(length: 5)!
        try channel.writeInbound(first)
        #expect(try replies(channel).isEmpty)
        try channel.writeInbound(whole)
        let got = try replies(channel)
        #expect(got.count == 1)
        #expect(try Message(bytes: got[0]).header.id == 7)
        _ = try? channel.finish()
    }

    @Test func garbageClosesTheConnection() throws {
        let (channel, _) = try channel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5353)).wait()
        try channel.writeInbound(framed([[1, 2, 3]]))
        #expect(try replies(channel).isEmpty)
        #expect(!channel.isActive)
    }

    @Test func connectionsOverTheCapAreClosedAndCountedOnlyWhileOpen() throws {
        let (full, limit) = try channel(maximumConnections: 0)
        try full.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5353)).wait()
        #expect(!full.isActive)
        #expect(limit.count == 0)

        let (open, counted) = try channel(maximumConnections: 1)
        try open.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5353)).wait()
        #expect(counted.count == 1)
        try open.close().wait()
        #expect(counted.count == 0)
    }
}
