import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Bytes a resolver would never send, over UDP and TCP, and several queries on one connection.
    @Suite("EndToEnd: malformed packets and TCP framing")
    final class EndToEndWireTests {
        let daemon: LannamedDaemon

        init() throws {
            daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: [("printer", ["192.168.1.10"]), ("nas", ["192.168.1.20", "fd00::20"])])
        }

        deinit { daemon.cleanup() }

        func expectPrinterAnswers(sourceLocation: SourceLocation = #_sourceLocation) {
            let reply = daemon.dig(["printer.lan.", "A"])
            #expect(reply.status == "NOERROR", "\(reply)", sourceLocation: sourceLocation)
            #expect(reply.answer == [RR("printer.lan.", 60, "IN", "A", "192.168.1.10")], "\(reply)",
                    sourceLocation: sourceLocation)
        }

        @Test("Garbage, a bare header, pointer loops, responses and bad label types, then a normal query")
        func malformedDatagrams() {
            let port = daemon.port
            var generator = SystemRandomNumberGenerator()

            // Five random bytes: shorter than a header, dropped.
            let garbage = (0..<5).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(LoopbackSocket.udpExchange(port: port, garbage, timeoutMs: 300) == nil, "garbage was answered")

            // A header that promises a question and ends: FORMERR, same ID.
            let bareHeader: [UInt8] = [0xBE, 0xEF, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]
            let formErr = LoopbackSocket.udpExchange(port: port, bareHeader, timeoutMs: 1000)
            #expect(formErr != nil, "no FORMERR for a bare header")
            if let formErr {
                #expect(RawDNS.id(formErr) == 0xBEEF)
                #expect(RawDNS.isResponse(formErr))
                #expect(formErr[3] & 0x0F == 1, "rcode \(formErr[3] & 0x0F)")
            }

            // A name that points at itself, and one whose pointer loops back to its own start.
            let header: (UInt16) -> [UInt8] = { id in [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] }
            let selfPointer = header(0x1001) + [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]
            let loop = header(0x1002) + [0x01, 0x61, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]
            let forward = header(0x1003) + [0xC0, 0x0E, 0x01, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]
            for (id, packet) in [(UInt16(0x1001), selfPointer), (0x1002, loop), (0x1003, forward)] {
                let reply = LoopbackSocket.udpExchange(port: port, packet, timeoutMs: 1000)
                #expect(reply != nil, "no answer to compression loop \(String(id, radix: 16))")
                if let reply {
                    #expect(RawDNS.id(reply) == id)
                    #expect(reply[3] & 0x0F == 1, "FORMERR expected, rcode \(reply[3] & 0x0F)")
                }
            }

            // A response (QR=1): never answered, or two servers could loop.
            var response = RawDNS.query(id: 0x2002, name: "printer.lan", type: 1)
            response[2] |= 0x80
            #expect(LoopbackSocket.udpExchange(port: port, response, timeoutMs: 300) == nil, "a response was answered")

            // Label types 0x40 (extended, RFC 6891 deprecated) and 0x80 (reserved): FORMERR.
            for (id, byte) in [(UInt16(0x3003), UInt8(0x41)), (0x3004, 0x81)] {
                let packet = header(id) + [byte, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]
                let reply = LoopbackSocket.udpExchange(port: port, packet, timeoutMs: 1000)
                #expect(reply != nil, "no answer to label type \(String(byte & 0xC0, radix: 16))")
                if let reply {
                    #expect(RawDNS.id(reply) == id)
                    #expect(reply[3] & 0x0F == 1, "FORMERR expected, rcode \(reply[3] & 0x0F)")
                }
            }

            // Trailing bytes after the question: FORMERR, question echoed.
            let trailing = RawDNS.query(id: 0x4004, name: "printer.lan", type: 1) + [0xFF, 0xFF]
            let trailingReply = LoopbackSocket.udpExchange(port: port, trailing, timeoutMs: 1000)
            #expect(trailingReply.flatMap(RawDNS.rcode) == 1, "trailing bytes: \(String(describing: trailingReply))")

            // Two questions: FORMERR.
            var two = RawDNS.query(id: 0x5005, name: "printer.lan", type: 1)
            two[5] = 2
            two += Array(RawDNS.query(id: 0, name: "nas.lan", type: 1)[12...])
            let twoReply = LoopbackSocket.udpExchange(port: port, two, timeoutMs: 1000)
            #expect(twoReply.flatMap(RawDNS.rcode) == 1, "two questions: \(String(describing: twoReply))")

            // No question at all: FORMERR.
            let noQuestion: [UInt8] = [0x70, 0x07, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
            let noQuestionReply = LoopbackSocket.udpExchange(port: port, noQuestion, timeoutMs: 1000)
            #expect(noQuestionReply.flatMap(RawDNS.rcode) == 1, "no question: \(String(describing: noQuestionReply))")
            #expect(noQuestionReply.flatMap(RawDNS.id) == 0x7007)

            // An OPT record whose owner is not the root: FORMERR.
            var badOPT = RawDNS.query(id: 0x8008, name: "printer.lan", type: 1)
            badOPT[11] = 1  // ARCOUNT
            badOPT += [0x01, 0x78, 0x00, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]
            let badOPTReply = LoopbackSocket.udpExchange(port: port, badOPT, timeoutMs: 1000)
            #expect(badOPTReply.flatMap(RawDNS.rcode) == 1, "OPT owned by x.: \(String(describing: badOPTReply))")

            // Counts far beyond the bytes present: FORMERR, no allocation storm.
            var hugeCounts = RawDNS.query(id: 0x9009, name: "printer.lan", type: 1)
            hugeCounts[6] = 0xFF; hugeCounts[7] = 0xFF; hugeCounts[10] = 0xFF; hugeCounts[11] = 0xFF
            let hugeReply = LoopbackSocket.udpExchange(port: port, hugeCounts, timeoutMs: 1000)
            #expect(hugeReply.flatMap(RawDNS.rcode) == 1, "huge counts: \(String(describing: hugeReply))")

            // An empty datagram: dropped.
            #expect(LoopbackSocket.udpExchange(port: port, [], timeoutMs: 300) == nil)

            // The server is still there and right.
            #expect(daemon.isRunning, "daemon died: \(daemon.log)")
            expectPrinterAnswers()
            let raw = LoopbackSocket.udpExchange(port: port, RawDNS.query(id: 0x6006, name: "printer.lan", type: 1))
            #expect(raw.flatMap(RawDNS.rcode) == 0)
            #expect(raw.flatMap { RawDNS.count($0, section: 1) } == 1)
        }

        @Test("Large queries over UDP (EDNS padding, long options) are read whole", arguments: [200, 468, 512])
        func largeQueries(padding: Int) {
            // RFC 8467 pads queries to 128-byte blocks and more (dig pads to at most 512): every byte must reach the
            // responder (an earlier reader cut datagrams at 128 bytes).
            let reply = daemon.dig(["+padding=\(padding)", "printer.lan.", "A"])
            #expect(reply.status == "NOERROR", "\(reply)")
            #expect(reply.answer == [RR("printer.lan.", 60, "IN", "A", "192.168.1.10")], "\(reply)")
            // The same by hand: a query with a 1,000-byte EDNS option.
            var query = RawDNS.query(id: 0x4242, name: "nas.lan.", type: 28)
            query[11] = 1
            query += [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0x03, 0xEC, 0xFD, 0xE9, 0x03, 0xE8]
            query += [UInt8](repeating: 0x61, count: 1000)
            let answer = LoopbackSocket.udpExchange(port: daemon.port, query, timeoutMs: 1000)
            #expect(answer.flatMap(RawDNS.rcode) == 0, "a \(query.count)-byte query")
            #expect(answer.flatMap { RawDNS.count($0, section: 1) } == 1)
        }

        @Test("A garbage TCP frame closes (or answers) that connection; a new one works")
        func tcpGarbage() {
            let port = daemon.port
            var generator = SystemRandomNumberGenerator()
            for payload in [(0..<5).map { _ in UInt8.random(in: 0...255, using: &generator) }, [UInt8]()] {
                guard let fd = LoopbackSocket.tcpConnect(port: port) else {
                    Issue.record("cannot connect over TCP")
                    return
                }
                defer { close(fd) }
                #expect(LoopbackSocket.sendAll(fd, RawDNS.framed(payload)))
                let result = LoopbackSocket.readFrame(fd, timeoutMs: 2000)
                switch result {
                case .closed:
                    break  // dropped the connection: fine
                case .bytes(let reply):
                    #expect(reply.count >= 12, "an answer should at least be a header: \(reply)")
                case .timedOut:
                    Issue.record("garbage frame (\(payload.count) bytes) neither answered nor closed within 2 s")
                }
            }

            // The server is still there, and a fresh connection works.
            #expect(daemon.isRunning, "daemon died: \(daemon.log)")
            let reply = daemon.dig(["+tcp", "printer.lan.", "A"])
            #expect(reply.answer == [RR("printer.lan.", 60, "IN", "A", "192.168.1.10")], "\(reply)")
            #expect(reply.raw.contains("(TCP)"), "\(reply)")
        }

        @Test("Three pipelined queries in one write get three answers with their IDs")
        func tcpPipelining() {
            guard let fd = LoopbackSocket.tcpConnect(port: daemon.port) else {
                Issue.record("cannot connect over TCP")
                return
            }
            defer { close(fd) }
            let queries: [(UInt16, String, UInt16)] = [(0x1111, "printer.lan", 1), (0x2222, "nas.lan", 28), (0x3333, "lan", 6)]
            let bytes = queries.flatMap { RawDNS.framed(RawDNS.query(id: $0.0, name: $0.1, type: $0.2)) }
            #expect(LoopbackSocket.sendAll(fd, bytes))
            var ids: [UInt16] = []
            for (id, name, _) in queries {
                guard case .bytes(let reply) = LoopbackSocket.readFrame(fd, timeoutMs: 2000) else {
                    Issue.record("no answer for \(name) (\(String(id, radix: 16)))")
                    return
                }
                if let replyID = RawDNS.id(reply) { ids.append(replyID) }
                #expect(RawDNS.isResponse(reply))
                #expect(RawDNS.rcode(reply) == 0, "\(name)")
                #expect(RawDNS.count(reply, section: 1) == 1, "\(name): one answer")
                #expect(RawDNS.authoritative(reply), "\(name)")
            }
            #expect(Set(ids) == Set(queries.map(\.0)), "IDs \(ids.map { String($0, radix: 16) })")
            #expect(ids == queries.map(\.0), "answers in order (RFC 7766 allows any order, but this server keeps it)")

            // A query dribbled in one byte at a time is still one query.
            let slow = RawDNS.framed(RawDNS.query(id: 0x5555, name: "nas.lan", type: 28))
            for byte in slow {
                #expect(LoopbackSocket.sendAll(fd, [byte]))
                usleep(2_000)
            }
            if case .bytes(let reply) = LoopbackSocket.readFrame(fd, timeoutMs: 2000) {
                #expect(RawDNS.id(reply) == 0x5555)
                #expect(RawDNS.count(reply, section: 1) == 1)
            } else {
                Issue.record("no answer to a query sent byte by byte")
            }

            // The connection stays usable for a fourth query.
            #expect(LoopbackSocket.sendAll(fd, RawDNS.framed(RawDNS.query(id: 0x4444, name: "printer.lan", type: 1))))
            if case .bytes(let reply) = LoopbackSocket.readFrame(fd, timeoutMs: 2000) {
                #expect(RawDNS.id(reply) == 0x4444)
            } else {
                Issue.record("no answer to a fourth query on the same connection")
            }
        }
    }
}
