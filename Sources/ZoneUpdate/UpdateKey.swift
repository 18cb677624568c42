import DNSWire
import LANZone
import ZoneTransfer

/// A TSIG key allowed to send UPDATEs, with what it may change.
public struct UpdateKey: Sendable, Hashable {
    public var key: TSIGKey
    public var policy: UpdatePolicy

    public init(key: TSIGKey, policy: UpdatePolicy) {
        self.key = key
        self.policy = policy
    }
}

extension UpdateKey {
    /// The key as the store keeps it; nil when a stored field cannot be read (logged by the caller).
    public init?(stored: StoredUpdateKey) {
        guard let algorithm = try? TSIGAlgorithm(text: stored.algorithm) else { return nil }
        var names: [UpdatePolicy.Names] = []
        for grant in stored.grants {
            if grant == "zone" {
                names.append(.zone)
            } else if grant.hasPrefix("name:"), let name = try? DomainName(String(grant.dropFirst(5))) {
                names.append(.name(name))
            } else if grant.hasPrefix("subtree:"), let name = try? DomainName(String(grant.dropFirst(8))) {
                names.append(.subtree(name))
            } else {
                return nil
            }
        }
        var types: Set<RecordType> = []
        for text in stored.types {
            guard let type = RecordType(text: text) else { return nil }
            types.insert(type)
        }
        self.init(key: TSIGKey(name: stored.name, algorithm: algorithm, secret: stored.secret),
                  policy: UpdatePolicy(zone: stored.zone, names: names.isEmpty ? [.zone] : names, types: types))
    }
}
