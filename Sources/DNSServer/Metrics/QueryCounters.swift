import Atomics
import DNSWire

/// What one thread answered: queries by lane, by question type and by response code.
///
/// A UDP worker counts every query, so the counting must cost next to nothing: the worker is the
/// only writer of its own counters and adds with a relaxed load and store (no locked
/// instruction); a scrape on another thread reads them. Counters shared by several threads (TCP
/// connections and forwarded replies, on the event loops) add atomically instead.
public final class QueryCounters: Sendable {
    /// Which step of `AnswerOrder` answered.
    public enum Lane: Int, CaseIterable, Sendable {
        case direct, template, forwardedTemplate, responder, forwarded, transfer, dropped

        /// Whether the reply was written as the query was read (its response code is known then).
        public var answeredNow: Bool {
            switch self {
            case .direct, .template, .forwardedTemplate, .responder: true
            case .forwarded, .transfer, .dropped: false
            }
        }

        /// The label value in metrics.
        public var name: String {
            switch self {
            case .direct: "direct"
            case .template: "template"
            case .forwardedTemplate: "forwarded_template"
            case .responder: "responder"
            case .forwarded: "forwarded"
            case .transfer: "transfer"
            case .dropped: "dropped"
            }
        }
    }

    /// The question types counted by name; the rest are "other".
    public static let types: [(code: UInt16, name: String)] = [
        (1, "A"), (28, "AAAA"), (12, "PTR"), (15, "MX"), (16, "TXT"), (33, "SRV"), (6, "SOA"), (2, "NS"), (5, "CNAME"),
        (65, "HTTPS"), (64, "SVCB"), (255, "ANY"), (252, "AXFR"), (251, "IXFR"), (257, "CAA"), (35, "NAPTR"),
    ]
    /// Type code to its index in `types` (`types.count` for "other").
    static let typeTable: [UInt8] = {
        var table = [UInt8](repeating: UInt8(types.count), count: 258)
        for (index, type) in types.enumerated() { table[Int(type.code)] = UInt8(index) }
        return table
    }()
    static let laneBase = 0
    static let rcodeBase = Lane.allCases.count
    static let typeBase = rcodeBase + 16
    static let slots = typeBase + types.count + 1

    /// Only ever read and written through `UnsafeAtomic`.
    nonisolated(unsafe) private let storage: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    private let singleWriter: Bool

    /// `singleWriter`: only one thread ever counts here (a UDP worker's own counters).
    public init(singleWriter: Bool) {
        self.singleWriter = singleWriter
        storage = .allocate(capacity: Self.slots)
        storage.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: Self.slots)
    }

    deinit {
        storage.deallocate()
    }

    @inline(__always) private func add(_ slot: Int) {
        let counter = UnsafeAtomic<UInt64>(at: storage + slot)
        if singleWriter {
            counter.store(counter.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        } else {
            counter.wrappingIncrement(ordering: .relaxed)
        }
    }

    /// One query answered by `lane`; `query` is its bytes (its question type is read there),
    /// `rcode` the reply's (nil when nothing was sent, or not yet).
    @inline(__always) public func count(_ lane: Lane, query: UnsafeRawBufferPointer, rcode: UInt8?) {
        add(Self.laneBase + lane.rawValue)
        add(Self.typeBase + Self.typeIndex(Self.questionType(query)))
        if let rcode { add(Self.rcodeBase + Int(rcode & 0x0F)) }
    }

    /// A reply's response code, counted when the reply is made later than its query (a
    /// forwarded one).
    public func countReply(rcode: UInt8) {
        add(Self.rcodeBase + Int(rcode & 0x0F))
    }

    func value(_ slot: Int) -> UInt64 {
        UnsafeAtomic<UInt64>(at: storage + slot).load(ordering: .relaxed)
    }

    /// The counts so far.
    public var totals: QueryTotals {
        var totals = QueryTotals()
        totals.add(self)
        return totals
    }

    /// The type of the first question: its name's labels skipped (a question's name is never
    /// compressed); nil when the bytes end first.
    static func questionType(_ bytes: UnsafeRawBufferPointer) -> UInt16? {
        guard bytes.count > 12, bytes[4] != 0 || bytes[5] != 0 else { return nil }
        var offset = 12
        while offset < bytes.count {
            let length = Int(bytes[offset])
            if length == 0 {
                guard offset + 2 < bytes.count else { return nil }
                return UInt16(bytes[offset + 1]) << 8 | UInt16(bytes[offset + 2])
            }
            guard length < 64 else { return nil }
            offset += length + 1
        }
        return nil
    }

    @inline(__always) static func typeIndex(_ type: UInt16?) -> Int {
        guard let type, Int(type) < typeTable.count else { return types.count }
        return Int(typeTable[Int(type)])
    }
}

/// Counts summed over threads.
public struct QueryTotals: Sendable, Equatable {
    public var lanes: [QueryCounters.Lane: UInt64] = [:]
    /// By response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...).
    public var rcodes: [UInt8: UInt64] = [:]
    /// By question type name ("A", "AAAA", ..., "other").
    public var types: [String: UInt64] = [:]

    public init() {}

    mutating func add(_ counters: QueryCounters) {
        for lane in QueryCounters.Lane.allCases {
            lanes[lane, default: 0] &+= counters.value(QueryCounters.laneBase + lane.rawValue)
        }
        for rcode in 0..<16 {
            let value = counters.value(QueryCounters.rcodeBase + rcode)
            if value > 0 { rcodes[UInt8(rcode), default: 0] &+= value }
        }
        for (index, type) in QueryCounters.types.enumerated() {
            types[type.name, default: 0] &+= counters.value(QueryCounters.typeBase + index)
        }
        types["other", default: 0] &+= counters.value(QueryCounters.typeBase + QueryCounters.types.count)
    }

    /// All queries counted.
    public var queries: UInt64 { lanes.values.reduce(0, &+) }
}
