import DNSWire
import LANZone
import Testing

@testable import ZoneTransfer

extension TransferTests {
    @Suite("Transfer: AXFR and IXFR answers")
    struct Responder {
        /// The LAN zone at serial 102 (its own serial), everything else at the store's 100.
        static let snapshot = XferZone.snapshot().withSerials([XferZone.lan: 102])

        /// Two journal entries, 100 -> 101 -> 102 (their content is whatever the journal says).
        static let chain = [
            JournalEntry(apex: XferZone.lan, from: 100, to: 101,
                         change: ZoneChange(removed: [XferZone.a("printer.lan.", "192.168.1.20")],
                                            added: [XferZone.a("printer.lan.", "192.168.1.25")])),
            JournalEntry(apex: XferZone.lan, from: 101, to: 102,
                         change: ZoneChange(removed: [], added: [XferZone.a("tv.lan.", "192.168.1.40"),
                                                                 XferZone.a("tv.lan.", "192.168.1.41")])),
        ]

        /// The answers of every message, in order, and the messages.
        func stream(_ reply: TransferResponder.Reply) throws -> (answers: [String], messages: [Message], kind: TransferResponder.Kind?) {
            guard case .stream(let bytes, let kind) = reply else {
                Issue.record("expected a stream, got \(reply)")
                return ([], [], nil)
            }
            let messages = try bytes.map { try Message(bytes: $0) }
            return (messages.flatMap(\.answers).map(XferZone.show), messages, kind)
        }

        @Test func axfrOfTheLANZoneIsSOARecordsSOA() throws {
            let reply = TransferResponder.respond(to: XferZone.request(), snapshot: Self.snapshot) { _, _, _ in
                Issue.record("AXFR reads no journal")
                return nil
            }
            let (answers, messages, kind) = try stream(reply)
            let zone = try #require(Self.snapshot.transferRecords(of: XferZone.lan)).map(XferZone.show)
            #expect(answers == zone + ["lan. 300 SOA 102"])
            #expect(answers.first == "lan. 300 SOA 102")
            #expect(answers.dropFirst().first == "lan. 300 NS ns.lan.")
            #expect(answers.dropFirst(2).dropLast().sorted() == [
                "laptop.lan. 300 A 192.168.1.21",
                "laptop.lan. 300 AAAA fd00::21",
                "ns.lan. 300 A 192.168.1.1",
                "printer.lan. 300 A 192.168.1.20",
                "scanner.lab.lan. 300 A 192.168.1.30",
            ])
            #expect(kind == .axfr(records: 8))
            #expect(messages.count == 1)
            #expect(messages[0].header.id == 0x4242)
            #expect(messages[0].header.isResponse && messages[0].header.authoritative)
            #expect(messages[0].questions == [Question(name: "lan.", type: .axfr)])
        }

        @Test func axfrOfAReverseZone() throws {
            let reply = TransferResponder.respond(to: XferZone.request("168.192.in-addr.arpa."), snapshot: Self.snapshot) { _, _, _ in nil }
            let (answers, _, kind) = try stream(reply)
            #expect(answers == [
                "168.192.in-addr.arpa. 300 SOA 100",
                "168.192.in-addr.arpa. 300 NS ns.lan.",
                "20.1.168.192.in-addr.arpa. 300 PTR printer.lan.",
                "21.1.168.192.in-addr.arpa. 300 PTR laptop.lan.",
                "30.1.168.192.in-addr.arpa. 300 PTR scanner.lab.lan.",
                "168.192.in-addr.arpa. 300 SOA 100",
            ])
            #expect(kind == .axfr(records: 6))
        }

        @Test func axfrSpreadsOverMessagesOfTheGivenSize() throws {
            let hosts = (0..<300).map { XferZone.host("host\($0)", "192.168.2.\($0 % 250)") }
            let snapshot = XferZone.snapshot(hosts)
            let reply = TransferResponder.respond(to: XferZone.request(), snapshot: snapshot, journal: { _, _, _ in nil },
                                                  messageSize: 1_024)
            let (answers, messages, kind) = try stream(reply)
            #expect(messages.count > 1)
            #expect(messages.map { $0.serialize().count }.allSatisfy { $0 <= 1_024 - TransferStream.tsigRoom })
            #expect(answers.count == 300 + 1 + 3)
            #expect(answers.first == "lan. 300 SOA 100" && answers.last == "lan. 300 SOA 100")
            #expect(kind == .axfr(records: 304))
        }

        @Test(arguments: [UInt32(102), 103, 102 &+ 0x7FFF_FFFF])
        func ixfrFromTheCurrentOrANewerSerialIsOneSOA(clientSerial: UInt32) throws {
            var asked = 0
            let reply = TransferResponder.respond(to: XferZone.request(type: .ixfr, clientSerial: clientSerial), snapshot: Self.snapshot) { _, _, _ in
                asked += 1
                return nil
            }
            let (answers, messages, kind) = try stream(reply)
            #expect(answers == ["lan. 300 SOA 102"])
            #expect(messages.count == 1)
            #expect(kind == .upToDate)
            #expect(asked == 0)
        }

        @Test func ixfrWithAJournalChainIsTheRFC1995Sequence() throws {
            var asked: [String] = []
            let reply = TransferResponder.respond(to: XferZone.request(type: .ixfr, clientSerial: 100), snapshot: Self.snapshot) { apex, from, to in
                asked.append("\(apex) \(from) \(to)")
                return Self.chain
            }
            let (answers, messages, kind) = try stream(reply)
            #expect(asked == ["lan. 100 102"])
            #expect(answers == [
                "lan. 300 SOA 102",
                // 100 -> 101: deletions after the old SOA, additions after the new one.
                "lan. 300 SOA 100",
                "printer.lan. 300 A 192.168.1.20",
                "lan. 300 SOA 101",
                "printer.lan. 300 A 192.168.1.25",
                // 101 -> 102: nothing deleted.
                "lan. 300 SOA 101",
                "lan. 300 SOA 102",
                "tv.lan. 300 A 192.168.1.40",
                "tv.lan. 300 A 192.168.1.41",
                "lan. 300 SOA 102",
            ])
            #expect(kind == .ixfr(changes: 4, from: 100))
            #expect(messages.first?.questions == [Question(name: "lan.", type: .ixfr)])
            // Every SOA is the zone's own, only the serial differs.
            let soas = messages.flatMap(\.answers).filter { $0.type == .soa }
            #expect(soas.allSatisfy { $0.name == "lan." && $0.ttl == 300 })
            #expect(Set(soas.map { record -> SOA in
                guard case .soa(var data) = record.data else { preconditionFailure() }
                data.serial = 0
                return data
            }).count == 1)
        }

        @Test func ixfrWithAnEmptyChainStillSendsTheSOAs() throws {
            // A journal entry may carry no records (a change undone within one rebuild).
            let reply = TransferResponder.respond(to: XferZone.request(type: .ixfr, clientSerial: 101), snapshot: Self.snapshot) { _, _, _ in
                [JournalEntry(apex: XferZone.lan, from: 101, to: 102, change: ZoneChange())]
            }
            let (answers, _, kind) = try stream(reply)
            #expect(answers == ["lan. 300 SOA 102", "lan. 300 SOA 101", "lan. 300 SOA 102", "lan. 300 SOA 102"])
            #expect(kind == .ixfr(changes: 0, from: 101))
        }

        @Test func ixfrWithoutAChainIsTheWholeZone() throws {
            let reply = TransferResponder.respond(to: XferZone.request(type: .ixfr, clientSerial: 90), snapshot: Self.snapshot) { _, _, _ in nil }
            let (answers, messages, kind) = try stream(reply)
            let zone = try #require(Self.snapshot.transferRecords(of: XferZone.lan)).map(XferZone.show)
            #expect(answers == zone + ["lan. 300 SOA 102"])
            #expect(kind == .axfrForIXFR(records: 8, from: 90))
            #expect(messages.first?.questions == [Question(name: "lan.", type: .ixfr)])
        }

        @Test(arguments: ["example.com.", "printer.lan.", "localhost.", "127.in-addr.arpa.", "test.", "1.168.192.in-addr.arpa."])
        func zonesNotOfferedAreNotAuth(_ apex: String) {
            for request in [XferZone.request(apex), XferZone.request(apex, type: .ixfr, clientSerial: 1)] {
                let reply = TransferResponder.respond(to: request, snapshot: Self.snapshot) { _, _, _ in nil }
                #expect(reply == .error(.notAuth), "\(apex) \(request.questions[0].type)")
            }
        }

        static let malformed: [(String, Message)] = {
            var noSOA = XferZone.request(type: .ixfr)
            noSOA.authorities = []
            var otherZone = XferZone.request(type: .ixfr)
            otherZone.authorities = [XferZone.soa("168.192.in-addr.arpa.", serial: 100)]
            var notSOA = XferZone.request(type: .ixfr)
            notSOA.authorities = [ResourceRecord(name: "lan.", ttl: 300, data: .ns("ns.lan."))]
            var inAnswer = XferZone.request(type: .ixfr)
            inAnswer.answers = [XferZone.soa(serial: 100)]
            var twoQuestions = XferZone.request()
            twoQuestions.questions.append(Question(name: "168.192.in-addr.arpa.", type: .axfr))
            var noQuestion = XferZone.request()
            noQuestion.questions = []
            var chaos = XferZone.request()
            chaos.questions = [Question(name: "lan.", type: .axfr, recordClass: .chaos)]
            return [
                ("IXFR without the client's SOA", noSOA),
                ("IXFR with another zone's SOA", otherZone),
                ("IXFR with an NS in authority", notSOA),
                ("IXFR with the SOA in the answer section", inAnswer),
                ("two questions", twoQuestions),
                ("no question", noQuestion),
                ("class CH", chaos),
                ("an A question", XferZone.request("lan.", type: .a)),
                ("an SOA question", XferZone.request("lan.", type: .soa)),
            ]
        }()

        @Test(arguments: malformed)
        func malformedRequestsAreFormErr(_ what: String, _ request: Message) {
            let reply = TransferResponder.respond(to: request, snapshot: Self.snapshot) { _, _, _ in
                Issue.record("no journal for a malformed request")
                return nil
            }
            #expect(reply == .error(.formErr), "\(what)")
        }

        @Test(arguments: [(UInt32(5), UInt32(0xFFFF_FFFE)), (UInt32(0), UInt32(0xFFFF_FFFF))])
        func ixfrAcrossTheSerialWrapUsesTheJournal(current: UInt32, clientSerial: UInt32) throws {
            // RFC 1982: the zone's serial is newer although it is the smaller number.
            let snapshot = XferZone.snapshot().withSerials([XferZone.lan: current])
            var asked: [UInt32] = []
            let reply = TransferResponder.respond(to: XferZone.request(type: .ixfr, clientSerial: clientSerial), snapshot: snapshot) { _, from, to in
                asked += [from, to]
                return nil
            }
            let (_, _, kind) = try stream(reply)
            #expect(asked == [clientSerial, current])
            #expect(kind == .axfrForIXFR(records: 8, from: clientSerial))
        }
    }
}
