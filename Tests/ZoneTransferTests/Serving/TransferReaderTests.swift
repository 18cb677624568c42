import DNSWire
import LANZone
import Testing

@testable import ZoneTransfer

/// A response stream and what the reader should make of it.
struct ReaderCase: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable {
        case result(TransferReader.Result)
        /// Some message is refused.
        case failure
    }

    let name: String
    let clientSerial: UInt32?
    let messages: [[UInt8]]
    let outcome: Outcome

    init(_ name: String, client: UInt32? = nil, _ messages: [[UInt8]], _ outcome: Outcome) {
        self.name = name
        clientSerial = client
        self.messages = messages
        self.outcome = outcome
    }

    var testDescription: String { name }
}

extension TransferTests {
    @Suite("Transfer: reading AXFR and IXFR responses")
    struct Reader {
        /// Feeds every message; returns what `read` said after each, the failure if one came,
        /// and the result.
        static func read(_ messages: [[UInt8]], apex: DomainName = "lan.", clientSerial: UInt32?, id: UInt16 = 0x4242)
            -> (more: [Bool], failure: TransferReader.Failure?, result: TransferReader.Result?) {
            var reader = TransferReader(apex: apex, clientSerial: clientSerial, queryID: id)
            var more: [Bool] = []
            do {
                for message in messages { more.append(try reader.read(message)) }
            } catch {
                return (more, error, reader.result)
            }
            return (more, nil, reader.result)
        }

        // MARK: - Streams from TransferResponder

        /// Three rebuilds after the first snapshot, each stored as ZoneVersions makes it.
        static let history: (snapshots: [ZoneSnapshot], entries: [JournalEntry]) = {
            let steps: [[HostRecord]] = [
                XferZone.hosts + [XferZone.host("tv", "192.168.1.40")],
                [XferZone.host("printer2", "192.168.1.20"), XferZone.host("laptop", "192.168.1.21", "fd00::21"),
                 XferZone.host("scanner.lab", "192.168.1.30"), XferZone.host("tv", "192.168.1.40")],
                [XferZone.host("printer2", "192.168.1.20"), XferZone.host("laptop", "192.168.1.22"),
                 XferZone.host("scanner.lab", "192.168.1.30"), XferZone.host("tv", "192.168.1.40", "192.168.1.41")],
            ]
            var versions = ZoneVersions()
            var published = versions.start(XferZone.snapshot(), stored: []).snapshot
            var snapshots = [published]
            var entries: [JournalEntry] = []
            for (index, hosts) in steps.enumerated() {
                let step = versions.advance(from: published, to: XferZone.snapshot(hosts, serial: UInt32(200 + 10 * index)))
                entries += step.entries
                published = step.snapshot
                snapshots.append(published)
            }
            return (snapshots, entries)
        }()

        /// The stored journal as `TransferJournal.journal` reads it.
        static func journal(_ apex: DomainName, _ from: UInt32, _ to: UInt32) -> [JournalEntry]? {
            var chain: [JournalEntry] = []
            var at = from
            for entry in history.entries where entry.apex == apex && entry.from == at {
                chain.append(entry)
                at = entry.to
            }
            return at == to ? chain : nil
        }

        /// Message sizes: the server's default, a few records each, and one record each (what BIND
        /// sends with `transfer-format one-answer`; RFC 5936 sec. 2.2 allows any split).
        static let sizes = [16_384, 512, TransferStream.tsigRoom + 1]

        static func messages(_ request: Message, _ snapshot: ZoneSnapshot, size: Int) throws -> [[UInt8]] {
            let reply = TransferResponder.respond(to: request, snapshot: snapshot, journal: journal, messageSize: size)
            guard case .stream(let messages, _) = reply else { throw TransferReader.Failure(description: "no stream: \(reply)") }
            return messages
        }

        @Test(arguments: ["lan.", "168.192.in-addr.arpa.", "d.f.ip6.arpa."], sizes)
        func axfrRoundTrip(_ apex: String, size: Int) throws {
            let snapshot = try #require(Self.history.snapshots.last)
            let name = try DomainName(apex)
            let messages = try Self.messages(XferZone.request(apex), snapshot, size: size)
            let (more, failure, result) = Self.read(messages, apex: name, clientSerial: nil)
            #expect(failure == nil)
            #expect(more == Array(repeating: true, count: messages.count - 1) + [false])
            let records = try #require(snapshot.transferRecords(of: name))
            #expect(result == .full(records))
            if case .full(let received)? = result {
                #expect(try TransferredZone(records: received).records == TransferredZone(records: records).records)
            }
        }

        /// From every earlier version to the last: the reader's differences, applied to the old
        /// zone, give the new zone exactly.
        @Test(arguments: ["lan.", "168.192.in-addr.arpa."], sizes)
        func ixfrRoundTrip(_ apex: String, size: Int) throws {
            let name = try DomainName(apex)
            let snapshots = Self.history.snapshots
            let last = try #require(snapshots.last)
            let newZone = try TransferredZone(records: try #require(last.transferRecords(of: name)))
            for start in snapshots.dropLast() {
                let oldSerial = try #require(start.serial(of: name))
                let oldZone = try TransferredZone(records: try #require(start.transferRecords(of: name)))
                let messages = try Self.messages(XferZone.request(apex, type: .ixfr, clientSerial: oldSerial), last, size: size)
                let (more, failure, result) = Self.read(messages, apex: name, clientSerial: oldSerial)
                #expect(failure == nil, "from \(oldSerial)")
                #expect(more == Array(repeating: true, count: messages.count - 1) + [false], "from \(oldSerial)")
                guard case .incremental(let diffs)? = result else {
                    Issue.record("from \(oldSerial): expected differences, got \(String(describing: result))")
                    continue
                }
                #expect(diffs.first?.from == oldSerial)
                #expect(diffs.last?.to == newZone.serial)
                let applied = try oldZone.applying(diffs)
                #expect(applied.records == newZone.records, "from \(oldSerial)")
                #expect(applied.serial == newZone.serial)
            }
        }

        @Test(arguments: sizes)
        func ixfrWithoutAChainIsReadAsTheWholeZone(size: Int) throws {
            let last = try #require(Self.history.snapshots.last)
            let messages = try Self.messages(XferZone.request(type: .ixfr, clientSerial: 50), last, size: size)
            let (_, failure, result) = Self.read(messages, clientSerial: 50)
            #expect(failure == nil)
            #expect(result == .full(try #require(last.transferRecords(of: XferZone.lan))))
        }

        @Test func ixfrUpToDateIsReadAsUpToDate() throws {
            let last = try #require(Self.history.snapshots.last)
            let serial = try #require(last.serial(of: XferZone.lan))
            let messages = try Self.messages(XferZone.request(type: .ixfr, clientSerial: serial), last, size: 16_384)
            let (more, failure, result) = Self.read(messages, clientSerial: serial)
            #expect(failure == nil)
            #expect(more == [false])
            #expect(result == .upToDate(serial))
        }

        // MARK: - Hand-made streams

        static let soa7 = XferZone.soa(serial: 7)
        static let a1 = XferZone.a("a1.lan.", "192.0.2.1"), a2 = XferZone.a("a2.lan.", "192.0.2.2"), a3 = XferZone.a("a3.lan.", "192.0.2.3")
        static func soa(_ serial: UInt32) -> ResourceRecord { XferZone.soa(serial: serial) }
        static func first(_ answers: ResourceRecord...) -> [UInt8] { XferZone.response(answers) }
        static func next(_ answers: ResourceRecord...) -> [UInt8] { XferZone.response(question: nil, answers) }

        static let twoDiffs = TransferReader.Result.incremental([
            ZoneDiff(from: 100, to: 101, removed: [a1], added: [soa(101), a2]),
            ZoneDiff(from: 101, to: 102, removed: [], added: [soa(102), a3]),
        ])

        static let cases: [ReaderCase] = [
            ReaderCase("a lone SOA at the client's serial: up to date", client: 7, [first(soa7)], .result(.upToDate(7))),
            ReaderCase("a lone SOA older than the client's: up to date", client: 9, [first(soa7)], .result(.upToDate(7))),
            ReaderCase("SOA SOA: a zone of nothing but its SOA", [first(soa7, soa7)], .result(.full([soa7]))),
            ReaderCase("AXFR in one message", [first(soa7, a1, a2, soa7)], .result(.full([soa7, a1, a2]))),
            ReaderCase("AXFR over three messages", [first(soa7, a1), next(a2), next(soa7)], .result(.full([soa7, a1, a2]))),
            ReaderCase("AXFR one record per message", [first(soa7), next(a1), next(a2), next(soa7)],
                       .result(.full([soa7, a1, a2]))),
            ReaderCase("IXFR answered with the whole zone", client: 5, [first(soa7, a1, soa7)], .result(.full([soa7, a1]))),
            ReaderCase("IXFR of two differences", client: 100,
                       [first(soa(102), soa(100), a1, soa(101), a2, soa(101), soa(102), a3, soa(102))], .result(twoDiffs)),
            ReaderCase("IXFR split across messages", client: 100,
                       [first(soa(102), soa(100)), next(a1, soa(101)), next(a2, soa(101), soa(102), a3), next(soa(102))],
                       .result(twoDiffs)),
            ReaderCase("IXFR one record per message", client: 100,
                       [soa(102), soa(100), a1, soa(101), a2, soa(101), soa(102), a3, soa(102)].enumerated().map {
                           $0.offset == 0 ? first($0.element) : next($0.element)
                       },
                       .result(twoDiffs)),
            ReaderCase("IXFR of one difference that deletes only", client: 100,
                       [first(soa(101), soa(100), a1, a2, soa(101), soa(101))],
                       .result(.incremental([ZoneDiff(from: 100, to: 101, removed: [a1, a2], added: [soa(101)])]))),

            ReaderCase("IXFR whose versions do not chain", client: 100,
                       [first(soa(102), soa(100), a1, soa(101), a2, soa(105), soa(102), a3, soa(102))], .failure),
            ReaderCase("another query ID", [XferZone.response(id: 0x4243, [soa7, a1, soa7])], .failure),
            ReaderCase("not a response",
                       [Message(header: Header(id: 0x4242), questions: [Question(name: "lan.", type: .axfr)],
                                answers: [soa7, soa7]).serialize()], .failure),
            ReaderCase("NOTAUTH", [XferZone.response(rcode: .notAuth, [])], .failure),
            ReaderCase("REFUSED", [XferZone.response(rcode: .refused, [])], .failure),
            ReaderCase("SERVFAIL with records", [XferZone.response(rcode: .servFail, [soa7, soa7])], .failure),
            ReaderCase("FORMERR", client: 7, [XferZone.response(rcode: .formErr, type: .ixfr, [])], .failure),
            ReaderCase("an error in a later message", [first(soa7, a1), XferZone.response(rcode: .servFail, question: nil, [a2])],
                       .failure),
            ReaderCase("records after the closing SOA", [first(soa7, a1, soa7, a2)], .failure),
            ReaderCase("a message after the closing SOA", [first(soa7, a1, soa7), next(a2)], .failure),
            ReaderCase("no records", [first()], .failure),
            ReaderCase("a first record that is not the SOA", [first(a1, soa7)], .failure),
            ReaderCase("another zone's SOA first", [first(XferZone.soa("168.192.in-addr.arpa.", serial: 7), a1, soa7)], .failure),
            ReaderCase("a closing SOA of another serial", [first(soa7, a1, soa(8))], .failure),
            ReaderCase("unreadable bytes", [[0x42, 0x42, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01]], .failure),
        ]

        @Test(arguments: cases)
        func handMadeStreams(_ c: ReaderCase) {
            let (more, failure, result) = Self.read(c.messages, clientSerial: c.clientSerial)
            switch c.outcome {
            case .result(let expected):
                #expect(failure == nil)
                #expect(more == Array(repeating: true, count: c.messages.count - 1) + [false])
                #expect(result == expected)
            case .failure:
                #expect(failure != nil)
            }
        }

        @Test func aStreamThatStopsEarlyHasNoResult() {
            let (more, failure, result) = Self.read([Self.first(Self.soa7, Self.a1), Self.next(Self.a2)], clientSerial: nil)
            #expect(failure == nil)
            #expect(more == [true, true])
            #expect(result == nil)
        }
    }
}
