/// The one error type of DNSWire: what went wrong, where in the bytes, and why.
public struct DNSWireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The bytes end before the structure being read does.
        case truncated
        /// A label is longer than 63 octets.
        case labelTooLong
        /// A name is longer than 255 octets in wire form.
        case nameTooLong
        /// A compression pointer that does not point strictly backwards (loops, forward pointers).
        case badPointer
        /// A label type other than a plain label or a compression pointer (RFC 6891 sec. 5).
        case badLabelType
        /// Record data whose length disagrees with its content.
        case badRecordData
        /// Bytes left over after the last section.
        case trailingBytes
        /// Presentation-format text that is not a valid name or value.
        case badText
        /// A message with more than one OPT record, or an OPT record that is not at the root.
        case badOPT
        /// A message too large to serialise (over 65535 octets).
        case messageTooLarge
    }

    public let code: Code
    /// Byte offset in the message (or character offset in text) where the problem was found.
    public let offset: Int
    public let reason: String

    public init(_ code: Code, at offset: Int, _ reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(code.rawValue) at offset \(offset): \(reason)" }
}
