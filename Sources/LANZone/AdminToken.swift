/// A token for the admin REST API: its public id, a name for people, and whether it may only read.
/// The secret (`lnm_<id>_<random>`) is printed once at creation; only its SHA-256 is stored.
public struct AdminToken: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var readOnly: Bool
    public var created: Double

    public init(id: String, name: String, readOnly: Bool, created: Double) {
        self.id = id
        self.name = name
        self.readOnly = readOnly
        self.created = created
    }

    /// The id inside a secret, nil when it is not one of ours.
    static func id(inSecret secret: String) -> String? {
        let parts = secret.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "lnm", parts[1].count == 8, parts[1].allSatisfy(\.isHexDigit), parts[2].count >= 32
        else { return nil }
        return String(parts[1])
    }
}
