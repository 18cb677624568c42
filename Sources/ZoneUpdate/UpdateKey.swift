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

extension UpdateKey {
    /// A dynamic DNS token made with `--tsig`: it may set the addresses of its hosts and their
    /// `_acme-challenge` TXT records (so certbot or lego can get a certificate for them), in the
    /// zone of its first host.
    public init?(dynamic credential: DynamicCredential) {
        guard let tsig = credential.tsig, let algorithm = try? TSIGAlgorithm(text: tsig.algorithm) else { return nil }
        let hosts = credential.hosts.filter { credential.host($0.fqdn) != nil }
        guard let zone = hosts.first?.zone else { return nil }
        var names: [UpdatePolicy.Names] = []
        for host in hosts where host.zone == zone {
            names.append(.name(host.fqdn))
            if let acme = try? host.fqdn.prepending(Array("_acme-challenge".utf8)) { names.append(.name(acme)) }
        }
        self.init(key: TSIGKey(name: tsig.name, algorithm: algorithm, secret: tsig.secret),
                  policy: UpdatePolicy(zone: zone, names: names, types: [.a, .aaaa, .txt]))
    }
}
