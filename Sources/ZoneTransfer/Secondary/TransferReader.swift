import DNSWire
import LANZone

/// Reads a zone transfer's response stream on the secondary side and tells which of the three
/// shapes it is (RFC 1995 sec. 4, RFC 5936 sec. 2.2):
/// - one SOA alone: the client is up to date (or must retry over TCP);
/// - SOA(new), SOA(old), deletions, SOA(next), additions, ..., SOA(new): incremental;
/// - SOA(new), records, SOA(new): the whole zone (an AXFR, or an IXFR answered with one).
struct TransferReader {
    enum Result: Equatable {
        case upToDate(UInt32)
        case full([ResourceRecord])
        case incremental([ZoneDiff])
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let apex: DomainName
    /// The serial the client holds (IXFR), nil for AXFR.
    let clientSerial: UInt32?
    let queryID: UInt16

    private enum State {
        case start
        /// The first SOA was seen; the second record decides the shape.
        case first(ResourceRecord, UInt32)
        case full([ResourceRecord], UInt32)
        case deleting([ZoneDiff], UInt32, current: ZoneDiff)
        case adding([ZoneDiff], UInt32, current: ZoneDiff)
        case done(Result)
    }

    private var state = State.start

    init(apex: DomainName, clientSerial: UInt32?, queryID: UInt16) {
        self.apex = apex
        self.clientSerial = clientSerial
        self.queryID = queryID
    }

    var result: Result? {
        switch state {
        case .done(let result): return result
        case .first(_, let serial):
            // A lone SOA means "up to date" only for an IXFR the client is current for; an AXFR
            // (or a newer serial) with one record per message (BIND's one-answer) goes on.
            guard let clientSerial, !SerialNumber.isNewer(serial, than: clientSerial) else { return nil }
            return .upToDate(serial)
        default: return nil
        }
    }

    /// Takes one response message; returns whether more messages are expected.
    mutating func read(_ bytes: [UInt8]) throws(Failure) -> Bool {
        let message: Message
        do { message = try Message(bytes: bytes) } catch {
            throw Failure(description: "unreadable transfer message: \(error)")
        }
        guard message.header.isResponse, message.header.id == queryID else {
            throw Failure(description: "a message that does not answer the transfer request")
        }
        guard message.rcode == .noError else {
            throw Failure(description: "the primary answered \(message.rcode)")
        }
        if case .start = state, message.answers.isEmpty {
            throw Failure(description: "the primary sent no records")
        }
        for record in message.answers {
            try take(record)
        }
        if case .done = state { return false }
        // A lone SOA in the first message, for an IXFR from a serial that is not older than it,
        // is "up to date" and ends the exchange; otherwise records may come one per message.
        if case .first(_, let serial) = state, message.answers.count == 1, let clientSerial,
           !SerialNumber.isNewer(serial, than: clientSerial) {
            state = .done(.upToDate(serial))
            return false
        }
        return true
    }

    private mutating func take(_ record: ResourceRecord) throws(Failure) {
        guard record.recordClass == .in || record.type == .soa else { return }
        let soaSerial: UInt32? = if case .soa(let soa) = record.data { soa.serial } else { nil }
        switch state {
        case .start:
            guard let serial = soaSerial, record.name == apex else {
                throw Failure(description: "the transfer does not start with the SOA of \(apex)")
            }
            state = .first(record, serial)
        case .first(let first, let serial):
            if let theirs = soaSerial, let clientSerial, theirs == clientSerial, serial != clientSerial {
                state = .deleting([], serial, current: ZoneDiff(from: theirs, to: theirs, removed: [], added: []))
            } else if soaSerial == serial && record.type == .soa {
                // SOA, SOA: a zone of nothing but its SOA.
                state = .done(.full([first]))
            } else {
                state = .full([first, record], serial)
            }
        case .full(var records, let serial):
            if record.type == .soa {
                guard soaSerial == serial else { throw Failure(description: "the closing SOA has another serial") }
                state = .done(.full(records))
            } else {
                records.append(record)
                state = .full(records, serial)
            }
        case .deleting(let diffs, let final, var current):
            if let next = soaSerial {
                current.to = next
                current.added = [record]
                state = .adding(diffs, final, current: current)
            } else {
                current.removed.append(record)
                state = .deleting(diffs, final, current: current)
            }
        case .adding(var diffs, let final, var current):
            if let serial = soaSerial {
                diffs.append(current)
                if serial == final && current.to == final {
                    state = .done(.incremental(diffs))
                } else {
                    guard serial == current.to else {
                        throw Failure(description: "the IXFR's versions do not chain (\(current.to) then \(serial))")
                    }
                    state = .deleting(diffs, final, current: ZoneDiff(from: serial, to: serial, removed: [], added: []))
                }
            } else {
                current.added.append(record)
                state = .adding(diffs, final, current: current)
            }
        case .done:
            throw Failure(description: "records after the closing SOA")
        }
    }
}
