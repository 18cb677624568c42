/// The labels of one wire-format name, read where the name lies: inside a message (compression
/// pointers followed, RFC 1035 sec. 4.1.4) or in a buffer of its own (a lower-cased key). Nothing
/// is copied: each label is an offset and a length in `bytes`.
///
/// The rules are `DNSReader.readName`'s: labels of 1...63 bytes, at most 255 bytes in
/// uncompressed wire form, and every pointer pointing strictly before the place where the labels
/// it continues started, so each jump goes further back and the walk always ends. A walk that
/// breaks a rule stops with `error` set (and `errorOffset` where it was found).
///
///     var labels = NameLabels(bytes, at: 12)
///     while let label = labels.next() { ... bytes[label.start..<label.end] ... }
///     if labels.error == nil { labels.end ... }
public struct NameLabels: IteratorProtocol, Sequence {
    public struct Label: Equatable, Sendable {
        /// Offset of the label's first byte (after its length byte).
        public let start: Int
        public let count: Int
        /// Offset just past the label.
        @inlinable public var end: Int { start + count }

        @inlinable init(start: Int, count: Int) {
            self.start = start
            self.count = count
        }
    }

    public let bytes: UnsafeRawBufferPointer
    @usableFromInline var position: Int
    @usableFromInline var segmentStart: Int
    @usableFromInline var _end: Int?
    @usableFromInline var _wireLength = 0
    @usableFromInline var _isCompressed = false
    @usableFromInline var _isComplete = false
    @usableFromInline var _error: DNSWireError.Code?
    @usableFromInline var _errorOffset = 0

    /// Offset just past the name where it started (after its final zero byte, or after its first
    /// pointer); known once the walk has left the first run of labels.
    @inlinable public var end: Int? { _end }
    /// Length of the name in uncompressed wire form so far (with the final zero once reached).
    @inlinable public var wireLength: Int { _wireLength }
    /// Whether a compression pointer was followed.
    @inlinable public var isCompressed: Bool { _isCompressed }
    /// Whether the walk reached the root's zero byte.
    @inlinable public var isComplete: Bool { _isComplete }
    /// Why the walk stopped early, if it did: `.truncated`, `.nameTooLong`, `.badPointer`,
    /// `.badLabelType`.
    @inlinable public var error: DNSWireError.Code? { _error }
    /// Where the walk found the problem.
    @inlinable public var errorOffset: Int { _errorOffset }

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.bytes = bytes
        position = offset
        segmentStart = offset
    }

    @inlinable @inline(__always)
    public mutating func next() -> Label? {
        while !_isComplete && _error == nil {
            guard position >= 0 && position < bytes.count else { return fail(.truncated) }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    _wireLength += 1
                    if _end == nil { _end = position + 1 }
                    _isComplete = true
                    return nil
                }
                let count = Int(length)
                guard position + 1 + count <= bytes.count else { return fail(.truncated) }
                guard _wireLength + 1 + count + 1 <= 255 else { return fail(.nameTooLong) }
                _wireLength += 1 + count
                let label = Label(start: position + 1, count: count)
                position += 1 + count
                return label
            case 0xC0:
                guard position + 1 < bytes.count else { return fail(.truncated) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < segmentStart else { return fail(.badPointer) }
                if _end == nil { _end = position + 2 }
                _isCompressed = true
                position = target
                segmentStart = target
            default:
                return fail(.badLabelType)
            }
        }
        return nil
    }

    @inlinable
    mutating func fail(_ code: DNSWireError.Code) -> Label? {
        _error = code
        _errorOffset = position
        return nil
    }

    /// Walks to the end: whether the name is whole and keeps every rule.
    @inlinable
    public mutating func finish() -> Bool {
        while next() != nil {}
        return _isComplete
    }

    /// The offset just past the name at `offset` as it sits in `bytes`, without following
    /// compression pointers (a pointer ends the name there): labels of up to 63 bytes, each
    /// inside `bytes`. Nil if it runs off the end or uses a reserved label type. Where the
    /// pointers lead, and the 255-byte limit, are checked by whoever reads the name itself.
    @inlinable
    public static func skip(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        var at = offset
        while at >= 0 && at < bytes.count {
            let length = Int(bytes[at])
            if length == 0 { return at + 1 }
            if length & 0xC0 == 0xC0 { return at + 2 <= bytes.count ? at + 2 : nil }
            guard length <= 63 else { return nil }
            at += 1 + length
        }
        return nil
    }
}
