import DNSWire

/// Packs a zone transfer's records into DNS messages of bounded size (RFC 5936 sec. 2.2): the
/// question in the first message only, names compressed within each message, and records never
/// split across messages.
struct TransferStream {
    /// Room left in every message for a TSIG record (RFC 8945) added after packing.
    static let tsigRoom = 256

    private let id: UInt16
    private let flags: (UInt8, UInt8)
    private let question: Question
    private let limit: Int
    private(set) var messages: [[UInt8]] = []
    private var writer = DNSWriter(capacity: 0)
    private var answers: UInt16 = 0
    private var open = false

    /// `limit` is the size of one message before signing; 16 KB keeps each TCP write small.
    init(answering query: Header, question: Question, limit: Int = 16_384) {
        id = query.id
        var header = Header(id: query.id, isResponse: true, opcode: query.opcode, authoritative: true)
        header.rcode = 0
        flags = header.flagBytes
        self.question = question
        self.limit = limit - Self.tsigRoom
    }

    private mutating func begin() {
        writer = DNSWriter(capacity: limit + 512)
        writer.write(id)
        writer.write(flags.0)
        writer.write(flags.1)
        let first = messages.isEmpty
        writer.write(UInt16(first ? 1 : 0))
        writer.write(bytes: [UInt8](repeating: 0, count: 6))
        if first { question.serialize(into: &writer) }
        answers = 0
        open = true
    }

    private mutating func end() {
        guard open else { return }
        writer.patch(answers, at: 6)
        messages.append(writer.bytes)
        open = false
    }

    mutating func append(_ record: ResourceRecord) {
        if !open { begin() }
        let before = writer.count
        guard record.serialize(into: &writer) else { return }
        answers += 1
        if writer.count > limit && answers > 1 {
            // This record starts the next message.
            writer.truncate(to: before)
            answers -= 1
            end()
            begin()
            if record.serialize(into: &writer) { answers += 1 }
        }
        if answers == UInt16.max { end() }
    }

    mutating func finish() -> [[UInt8]] {
        if !open && messages.isEmpty { begin() }
        end()
        return messages
    }
}
