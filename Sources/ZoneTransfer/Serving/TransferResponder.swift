import DNSWire
import LANZone

/// Answers AXFR (RFC 5936) and IXFR (RFC 1995) questions from one snapshot, so a transfer is
/// consistent however fast the zone changes: the records come from the snapshot taken when the
/// request arrived, and an IXFR's journal chain ends exactly at that snapshot's serial.
enum TransferResponder {
    enum Reply: Equatable {
        /// The messages of the transfer, unsigned, in order.
        case stream([[UInt8]], Kind)
        case error(ResponseCode)
    }

    /// What was sent, for the log.
    enum Kind: Equatable, CustomStringConvertible {
        case axfr(records: Int)
        case ixfr(changes: Int, from: UInt32)
        /// IXFR fell back to the whole zone: the journal has no chain from the client's serial.
        case axfrForIXFR(records: Int, from: UInt32)
        case upToDate

        /// The label value in metrics.
        var metricName: String {
            switch self {
            case .axfr: "axfr"
            case .ixfr: "ixfr"
            case .axfrForIXFR: "axfr_for_ixfr"
            case .upToDate: "up_to_date"
            }
        }

        var description: String {
            switch self {
            case .axfr(let records): "AXFR, \(records) records"
            case .ixfr(let changes, let from): "IXFR from \(from), \(changes) changed records"
            case .axfrForIXFR(let records, let from): "IXFR from \(from) answered with the whole zone (\(records) records)"
            case .upToDate: "IXFR: up to date"
            }
        }
    }

    typealias Journal = (_ apex: DomainName, _ from: UInt32, _ to: UInt32) -> [JournalEntry]?

    static func respond(to query: Message, snapshot: ZoneSnapshot, journal: Journal, messageSize: Int = 16_384) -> Reply {
        guard query.questions.count == 1, let question = query.questions.first,
              question.recordClass == .in, question.type == .axfr || question.type == .ixfr else { return .error(.formErr) }
        let apex = question.name
        guard snapshot.isTransferable(apex), let soa = snapshot.soa(of: apex), let serial = snapshot.serial(of: apex) else {
            return .error(.notAuth)
        }
        var stream = TransferStream(answering: query.header, question: question, limit: messageSize)

        if question.type == .ixfr {
            // The client's version is the SOA in the authority section (RFC 1995 sec. 3).
            guard let theirs = query.authorities.first(where: { $0.type == .soa && $0.name == apex }),
                  case .soa(let their) = theirs.data else { return .error(.formErr) }
            if !SerialNumber.isNewer(serial, than: their.serial) {
                stream.append(soa)
                return .stream(stream.finish(), .upToDate)
            }
            if let chain = journal(apex, their.serial, serial) {
                stream.append(soa)
                var changed = 0
                for entry in chain {
                    stream.append(withSerial(soa, entry.from))
                    for record in entry.change.removed { stream.append(record) }
                    stream.append(withSerial(soa, entry.to))
                    for record in entry.change.added { stream.append(record) }
                    changed += entry.change.removed.count + entry.change.added.count
                }
                stream.append(soa)
                return .stream(stream.finish(), .ixfr(changes: changed, from: their.serial))
            }
            let count = appendZone(apex, snapshot: snapshot, soa: soa, into: &stream)
            return .stream(stream.finish(), .axfrForIXFR(records: count, from: their.serial))
        }
        let count = appendZone(apex, snapshot: snapshot, soa: soa, into: &stream)
        return .stream(stream.finish(), .axfr(records: count))
    }

    /// SOA, every record, SOA again.
    private static func appendZone(_ apex: DomainName, snapshot: ZoneSnapshot, soa: ResourceRecord,
                                   into stream: inout TransferStream) -> Int {
        var count = 0
        snapshot.forEachTransferRecord(of: apex) { record in
            stream.append(record)
            count += 1
        }
        stream.append(soa)
        return count + 1
    }

    static func withSerial(_ soa: ResourceRecord, _ serial: UInt32) -> ResourceRecord {
        guard case .soa(var data) = soa.data else { return soa }
        data.serial = serial
        var copy = soa
        copy.data = .soa(data)
        return copy
    }
}
