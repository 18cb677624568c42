import DNSClient
import DNSWire
import LANZone
import NIOCore
import NIOEmbedded
import Testing

@testable import DNSServer

/// Query counting (`QueryCounters`, `QueryMetrics`): by lane, question type and response code,
/// summed over threads; and through the TCP pipeline, which counts in the shared counters.
@Suite struct QueryCountersTests {
    func query(_ name: String, _ type: RecordType, id: UInt16 = 1) -> [UInt8] {
        Message(header: Header(id: id), questions: [Question(name: try! DomainName(name), type: type)]).serialize()
    }

    @Test func theQuestionTypeIsReadFromTheBytes() {
        for (name, type) in [("printer.lan.", RecordType.a), ("x.", .aaaa), (".", .soa), ("a.b.c.d.e.", RecordType(257)),
                             ("long-label-\(String(repeating: "x", count: 50)).lan.", .txt)] {
            let bytes = query(name, type)
            #expect(bytes.withUnsafeBytes { QueryCounters.questionType($0) } == type.rawValue, "\(name)")
        }
        // No question, a header alone, a name running past the end, a label too long to be one.
        var noQuestion = query("a.", .a)
        noQuestion[5] = 0
        let cut = Array(query("printer.lan.", .a).dropLast(3))
        var badLabel = query("a.", .a)
        badLabel[12] = 70
        for bytes in [noQuestion, Array(noQuestion.prefix(12)), cut, badLabel] {
            #expect(bytes.withUnsafeBytes { QueryCounters.questionType($0) } == nil)
        }
    }

    @Test func countsAreSummedOverThreadsAndUnknownTypesAreOther() {
        let metrics = QueryMetrics()
        let first = metrics.workerCounters(), second = metrics.workerCounters()
        let a = query("printer.lan.", .a), weird = query("printer.lan.", RecordType(99))
        a.withUnsafeBytes { bytes in
            for _ in 0..<3 { first.count(.direct, query: bytes, rcode: 0) }
            second.count(.responder, query: bytes, rcode: 3)
        }
        weird.withUnsafeBytes { second.count(.dropped, query: $0, rcode: nil) }
        a.withUnsafeBytes { metrics.shared.count(.forwarded, query: $0, rcode: nil) }
        metrics.shared.countReply(rcode: 0x82)  // flags in the high bits are not the code
        let totals = metrics.totals
        #expect(totals.queries == 6)
        #expect(totals.lanes[.direct] == 3 && totals.lanes[.responder] == 1 && totals.lanes[.dropped] == 1)
        #expect(totals.lanes[.forwarded] == 1 && totals.lanes[.template] == 0)
        #expect(totals.types["A"] == 5 && totals.types["other"] == 1 && totals.types["AAAA"] == 0)
        #expect(totals.rcodes == [0: 3, 3: 1, 2: 1])
    }

    @Test func theTCPPipelineCountsWhatItAnswers() throws {
        let channel = EmbeddedChannel()
        let hub = SnapshotHub(loops: [channel.embeddedEventLoop], initial: QueryResponderTests.snapshot)
        let counters = QueryCounters(singleWriter: false)
        let gate = ForwardingGate(forwarder: nil, access: AccessList([]))
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(
            TCPQueryHandler(hub: hub, gate: gate, connections: TCPConnectionLimit(maximum: 4), counters: counters))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5353)).wait()
        var buffer = ByteBuffer()
        for message in [query("printer.lan.", .a, id: 1), query("nope.lan.", .a, id: 2), query("printer.lan.", .mx, id: 3)] {
            buffer.writeInteger(UInt16(message.count))
            buffer.writeBytes(message)
        }
        try channel.writeInbound(buffer)
        let totals = counters.totals
        // TCP has no fast lanes: the responder answers all three.
        #expect(totals.lanes[.responder] == 3 && totals.queries == 3)
        #expect(totals.rcodes[0] == 2 && totals.rcodes[3] == 1)
        #expect(totals.types["A"] == 2 && totals.types["MX"] == 1)
        _ = try? channel.finish()
    }
}
