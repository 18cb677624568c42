import GRDB

/// How far a learned address's lease went, as the DHCP traffic showed it. Stored as its raw
/// value in the `state` columns.
public enum LeaseState: String, Sendable, Hashable, CaseIterable {
    /// Only the client's REQUEST was seen (the server's ACK was not visible).
    case requested
    /// Confirmed by the server's ACK (v4) or REPLY (v6).
    case acknowledged
}

extension LeaseState: DatabaseValueConvertible {}
