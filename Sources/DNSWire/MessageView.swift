/// A DNS message read where its bytes lie (RFC 1035 sec. 4.1): the header's fields, the first
/// question (its name lower-cased into a caller's buffer for lookups), the OPT record, and a
/// walk over the records giving each one's place. Nothing is copied or allocated; every read is
/// bounds-checked, and names are read by `NameLabels`, so compression loops end.
///
///     +---------------------+
///     |        Header       |  ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (12 bytes)
///     +---------------------+
///     |       Question      |  QNAME, QTYPE, QCLASS
///     +---------------------+
///     |        Answer       |  records: NAME, TYPE, CLASS, TTL, RDLENGTH, RDATA
///     +---------------------+
///     |      Authority      |
///     +---------------------+
///     |      Additional     |  OPT (RFC 6891) and TSIG (RFC 8945, always last) among them
///     +---------------------+
///
/// The query path reads a query once through a view; `Message(bytes:)` stays the parser for
/// everything that needs records as values. Where both read a field, they agree (the random
/// mutation test holds them to it).
public struct MessageView {
    public let bytes: UnsafeRawBufferPointer

    /// Nil when the bytes are shorter than a header.
    @inlinable
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Header.size else { return nil }
        self.bytes = bytes
    }

    /// Runs `body` with a view of `bytes` (nil when shorter than a header).
    @inlinable
    public static func with<R>(_ bytes: [UInt8], _ body: (MessageView?) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body(MessageView($0)) }
    }

    /// A big-endian 16-bit field; the caller has checked that it lies inside the bytes.
    @inlinable
    func u16(_ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    @inlinable
    func u32(_ offset: Int) -> UInt32 {
        UInt32(u16(offset)) << 16 | UInt32(u16(offset + 2))
    }

    /// The 16-bit field at `offset`, or nil past the end.
    @inlinable
    public func uint16(at offset: Int) -> UInt16? {
        offset >= 0 && offset + 2 <= bytes.count ? u16(offset) : nil
    }

    // MARK: - Header

    @inlinable public var id: UInt16 { u16(0) }
    @inlinable public var isResponse: Bool { bytes[2] & 0x80 != 0 }
    @inlinable public var opcode: OpCode { OpCode(rawValue: bytes[2] >> 3) }
    @inlinable public var authoritative: Bool { bytes[2] & 0x04 != 0 }
    @inlinable public var truncated: Bool { bytes[2] & 0x02 != 0 }
    @inlinable public var recursionDesired: Bool { bytes[2] & 0x01 != 0 }
    @inlinable public var recursionAvailable: Bool { bytes[3] & 0x80 != 0 }
    @inlinable public var z: Bool { bytes[3] & 0x40 != 0 }
    @inlinable public var authenticData: Bool { bytes[3] & 0x20 != 0 }
    @inlinable public var checkingDisabled: Bool { bytes[3] & 0x10 != 0 }
    /// The header's four RCODE bits (OPT carries the rest).
    @inlinable public var rcode: UInt8 { bytes[3] & 0x0F }

    @inlinable public var questionCount: Int { Int(u16(4)) }
    @inlinable public var answerCount: Int { Int(u16(6)) }
    @inlinable public var authorityCount: Int { Int(u16(8)) }
    @inlinable public var additionalCount: Int { Int(u16(10)) }
    @inlinable public var recordCount: Int { answerCount + authorityCount + additionalCount }

    /// The header as a value (what `Header(flagsFrom:)` reads).
    public var header: Header {
        Header(id: id, isResponse: isResponse, opcode: opcode, authoritative: authoritative, truncated: truncated,
               recursionDesired: recursionDesired, recursionAvailable: recursionAvailable, z: z,
               authenticData: authenticData, checkingDisabled: checkingDisabled, rcode: rcode)
    }

    // MARK: - Names

    /// The labels of the name at `offset`, pointers followed.
    @inlinable
    public func labels(ofNameAt offset: Int) -> NameLabels {
        NameLabels(bytes, at: offset)
    }

    /// The offset just past the name at `offset` as it sits here (`NameLabels.skip`: a pointer
    /// ends it, and is not followed).
    @inlinable
    public func nameEnd(at offset: Int) -> Int? {
        NameLabels.skip(bytes, at: offset)
    }

    /// The name at `offset`, read as `DNSReader.readName` reads it; nil where that throws.
    public func name(at offset: Int) -> DomainName? {
        var labels = NameLabels(bytes, at: offset)
        var wire: [UInt8] = []
        wire.reserveCapacity(32)
        while let label = labels.next() {
            wire.append(UInt8(label.count))
            wire.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[label.start..<label.end]))
        }
        guard labels.isComplete else { return nil }
        wire.append(0)
        return DomainName(uncheckedWire: wire)
    }

    // MARK: - Question

    /// Where a question lies and what it asks.
    public struct QuestionSpan: Equatable, Sendable {
        public let nameStart: Int
        /// Offset just past the name as it sits in the message: QTYPE starts here.
        public let nameEnd: Int
        public let type: UInt16
        public let recordClass: UInt16
        /// Whether the name used a compression pointer.
        public let isCompressed: Bool
        /// Offset just past QCLASS.
        @inlinable public var end: Int { nameEnd + 4 }

        @inlinable
        init(nameStart: Int, nameEnd: Int, type: UInt16, recordClass: UInt16, isCompressed: Bool) {
            self.nameStart = nameStart
            self.nameEnd = nameEnd
            self.type = type
            self.recordClass = recordClass
            self.isCompressed = isCompressed
        }
    }

    /// The first question, its name checked as `Question(parsing:)` checks it; nil when there is
    /// none or it cannot be read.
    public func firstQuestion() -> QuestionSpan? {
        guard questionCount >= 1 else { return nil }
        var labels = NameLabels(bytes, at: Header.size)
        guard labels.finish() else { return nil }
        return question(ending: labels)
    }

    /// The first question as `firstQuestion()` reads it, its name written into `name` at the same
    /// time: uncompressed wire form with ASCII letters lower-cased, the key the fast paths, the
    /// snapshot and the caches look names up by. `name` is emptied first and keeps its capacity,
    /// so a caller that passes the same buffer every time allocates nothing.
    @inlinable
    public func firstQuestion(lowercasingNameInto name: inout [UInt8]) -> QuestionSpan? {
        name.removeAll(keepingCapacity: true)
        guard questionCount >= 1 else { return nil }
        // The usual question, labels without a pointer: checked label by label as `NameLabels`
        // checks them, then copied and lower-cased in one go.
        let count = bytes.count
        var at = Header.size
        while true {
            guard at < count else { return nil }
            let length = Int(bytes[at])
            if length == 0 { break }
            guard length <= 63 else { return compressedQuestion(lowercasingNameInto: &name) }
            guard at + 1 + length < count, at - Header.size + length + 2 <= 255 else { return nil }
            at += 1 + length
        }
        let nameEnd = at + 1
        guard nameEnd + 4 <= count else { return nil }
        name.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[Header.size..<nameEnd]))
        Self.lowercase(&name)
        return QuestionSpan(nameStart: Header.size, nameEnd: nameEnd, type: u16(nameEnd), recordClass: u16(nameEnd + 2),
                            isCompressed: false)
    }

    /// `firstQuestion(lowercasingNameInto:)` for a name with a pointer (or a reserved label type,
    /// which `NameLabels` refuses).
    @usableFromInline
    func compressedQuestion(lowercasingNameInto name: inout [UInt8]) -> QuestionSpan? {
        var labels = NameLabels(bytes, at: Header.size)
        while let label = labels.next() {
            name.append(UInt8(truncatingIfNeeded: label.count))
            name.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[label.start..<label.end]))
        }
        guard labels.isComplete else { return nil }
        name.append(0)
        Self.lowercase(&name)
        return question(ending: labels)
    }

    @inlinable
    func question(ending labels: NameLabels) -> QuestionSpan? {
        guard let nameEnd = labels.end, nameEnd + 4 <= bytes.count else { return nil }
        return QuestionSpan(nameStart: Header.size, nameEnd: nameEnd, type: u16(nameEnd), recordClass: u16(nameEnd + 2),
                            isCompressed: labels.isCompressed)
    }

    /// ASCII letters to lower case, in place (length bytes are below 0x40 and stay as they are).
    /// A plain loop: the compiler vectorises it.
    @inlinable
    static func lowercase(_ wire: inout [UInt8]) {
        wire.withUnsafeMutableBufferPointer { bytes in
            for index in bytes.indices {
                let byte = bytes[index]
                bytes[index] = byte &- 0x41 < 26 ? byte | 0x20 : byte
            }
        }
    }

    /// The offset just past every question (names skipped, not followed), or nil if they run
    /// past the end.
    @inlinable
    public var questionsEnd: Int? {
        var at = Header.size
        for _ in 0..<questionCount {
            guard let nameEnd = NameLabels.skip(bytes, at: at), nameEnd + 4 <= bytes.count else { return nil }
            at = nameEnd + 4
        }
        return at
    }

    // MARK: - Records

    /// Where a record lies, with its fixed fields.
    public struct RecordSpan: Equatable, Sendable {
        public enum Section: Sendable { case answer, authority, additional }

        public let section: Section
        public let ownerStart: Int
        /// Offset just past the owner name as it sits in the message: TYPE starts here.
        public let ownerEnd: Int
        public let type: UInt16
        public let recordClass: UInt16
        public let ttl: UInt32
        /// Offset just past the RDATA: the next record starts here.
        public let end: Int

        /// Where the 32-bit TTL lies.
        @inlinable public var ttlOffset: Int { ownerEnd + 4 }
        @inlinable public var rdataStart: Int { ownerEnd + 10 }
        @inlinable public var rdata: Range<Int> { rdataStart..<end }

        @inlinable
        init(section: Section, ownerStart: Int, ownerEnd: Int, type: UInt16, recordClass: UInt16, ttl: UInt32, end: Int) {
            self.section = section
            self.ownerStart = ownerStart
            self.ownerEnd = ownerEnd
            self.type = type
            self.recordClass = recordClass
            self.ttl = ttl
            self.end = end
        }
    }

    /// The record at `offset`: its owner skipped (`nameEnd(at:)`), its fixed fields and RDATA
    /// inside the bytes; nil otherwise.
    @inlinable
    public func record(at offset: Int, in section: RecordSpan.Section = .answer) -> RecordSpan? {
        guard let ownerEnd = NameLabels.skip(bytes, at: offset), ownerEnd + 10 <= bytes.count else { return nil }
        let end = ownerEnd + 10 + Int(u16(ownerEnd + 8))
        guard end <= bytes.count else { return nil }
        return RecordSpan(section: section, ownerStart: offset, ownerEnd: ownerEnd, type: u16(ownerEnd),
                          recordClass: u16(ownerEnd + 2), ttl: u32(ownerEnd + 4), end: end)
    }

    /// The records of every section in order, from just past the questions.
    @inlinable
    public func records() -> Records {
        Records(self, from: questionsEnd)
    }

    /// The records of every section in order, the first one starting at `offset`.
    @inlinable
    public func records(from offset: Int) -> Records {
        Records(self, from: offset)
    }

    /// A walk over the ANCOUNT + NSCOUNT + ARCOUNT records. It stops at the first record that
    /// cannot be read (`failed`); counts larger than the bytes can hold end it there too.
    public struct Records: IteratorProtocol, Sequence {
        public let view: MessageView
        @usableFromInline var offset: Int
        @usableFromInline var index = 0
        @usableFromInline let answers: Int
        @usableFromInline let authorities: Int
        @usableFromInline let total: Int
        @usableFromInline var _failed: Bool

        /// Whether a record could not be read.
        @inlinable public var failed: Bool { _failed }
        /// Offset just past the last record read.
        @inlinable public var end: Int { offset }
        /// Whether every record was read.
        @inlinable public var isComplete: Bool { !_failed && index == total }

        @inlinable
        init(_ view: MessageView, from offset: Int?) {
            self.view = view
            self.offset = offset ?? view.bytes.count
            _failed = offset == nil
            answers = view.answerCount
            authorities = view.authorityCount
            total = answers + authorities + view.additionalCount
        }

        @inlinable
        public mutating func next() -> RecordSpan? {
            guard !_failed, index < total else { return nil }
            let section: RecordSpan.Section = index < answers ? .answer
                : index < answers + authorities ? .authority : .additional
            guard let record = view.record(at: offset, in: section) else {
                _failed = true
                return nil
            }
            index += 1
            offset = record.end
            return record
        }

        /// Walks to the end: whether every record could be read.
        @inlinable
        public mutating func finish() -> Bool {
            while next() != nil {}
            return isComplete
        }
    }

    /// Whether the message ends in a TSIG record, as a signed message must (RFC 8945 sec. 5.1):
    /// every record readable, the additional section not empty, the last record of type TSIG.
    public var lastRecordIsTSIG: Bool {
        guard additionalCount > 0 else { return false }
        var walk = records()
        var last: UInt16 = 0
        while let record = walk.next() { last = record.type }
        return walk.isComplete && last == 250  // TSIG
    }

    // MARK: - OPT

    /// The EDNS fields of an OPT record (RFC 6891 sec. 6.1.3) and where it lies.
    public struct OPTSpan: Equatable, Sendable {
        public let record: RecordSpan

        /// Nil unless `record` is of type OPT.
        @inlinable
        public init?(_ record: RecordSpan) {
            guard record.type == RecordType.opt.rawValue else { return nil }
            self.record = record
        }

        @inlinable public var payloadSize: UInt16 { record.recordClass }
        @inlinable public var extendedRCode: UInt8 { UInt8(record.ttl >> 24) }
        @inlinable public var version: UInt8 { UInt8(truncatingIfNeeded: record.ttl >> 16) }
        @inlinable public var dnssecOK: Bool { record.ttl & 0x8000 != 0 }
        /// The other 15 flag bits.
        @inlinable public var z: UInt16 { UInt16(truncatingIfNeeded: record.ttl) & 0x7FFF }
        /// Bytes of options (code, length, data)*.
        @inlinable public var options: Range<Int> { record.rdata }
    }

    /// The first OPT record of the additional section, if every record before it can be read.
    public func opt() -> OPTSpan? {
        var walk = records()
        while let record = walk.next() {
            if record.section == .additional, let opt = OPTSpan(record) { return opt }
        }
        return nil
    }

    /// Whether the owner of `record` is the root written as one zero byte (as an OPT's must be).
    @inlinable
    public func ownerIsRoot(_ record: RecordSpan) -> Bool {
        record.ownerEnd == record.ownerStart + 1 && bytes[record.ownerStart] == 0
    }
}
