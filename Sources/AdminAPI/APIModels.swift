import DNSWire
import Foundation
import LANZone

/// A host as the API shows it.
public struct APIHost: Codable, Sendable, Equatable {
    public var name: String
    public var fqdn: String
    public var addresses: [String]
    /// static, config, dhcp, update, ...
    public var source: String
    public var mac: String?
    public var state: String?
    public var firstSeen: String
    public var lastSeen: String
    public var leaseEnd: String?
    /// Why the name is not the one the device asked for, when it is not.
    public var note: String?
}

/// The body of `POST /api/v1/hosts`.
struct APINewHost: Decodable {
    var name: String
    var addresses: [String]
}

/// What `POST /api/v1/hosts` did.
struct APIHostChange: Encodable {
    var change: String
    var host: APIHost
}

/// A served zone, and the secondaries that transferred it since the start.
public struct APIZone: Codable, Sendable, Equatable {
    public var name: String
    public var serial: UInt32
    public var secondaries: [APISecondary]
}

/// A secondary's last transfer of a zone.
public struct APISecondary: Codable, Sendable, Equatable {
    public var address: String
    /// The serial it took.
    public var serial: UInt32
    public var at: String

    public init(address: String, serial: UInt32, at: String) {
        self.address = address
        self.serial = serial
        self.at = at
    }
}

/// An upstream of the forwarder.
public struct APIUpstream: Codable, Sendable, Equatable {
    public var address: String
    public var up: Bool
    public var rttMilliseconds: Double?
    public var answers: Int
    public var failures: Int

    public init(address: String, up: Bool, rttMilliseconds: Double?, answers: Int, failures: Int) {
        self.address = address
        self.up = up
        self.rttMilliseconds = rttMilliseconds
        self.answers = answers
        self.failures = failures
    }
}

/// A record of a hosted zone.
struct APIRecord: Encodable {
    var zone: String
    var name: String
    var ttl: UInt32
    var type: String
    var data: String
    /// config (the config file) or stored (`records add`, UPDATE).
    var source: String
}

/// A dynamic DNS account.
struct APIAccount: Encodable {
    var name: String
    var plan: String
    var suspended: Bool
    var expires: String?
    var created: String
    var hosts: [APIDynamicHost]?
}

struct APIDynamicHost: Encodable {
    var fqdn: String
    var addresses: [String]
    var updated: String?
}

/// A dynamic DNS token (never its secret, but once, at creation).
struct APIToken: Encodable {
    var id: String
    var account: String
    var hosts: [String]
    var created: String
    var lastUsed: String?
    var revoked: String?
    var tsig: Bool
}

struct APINewToken: Decodable {
    var account: String
    var hosts: [String]?
}

struct APITokenCreated: Encodable {
    var token: APIToken
    /// Shown once: use it as the dyndns2 password.
    var secret: String
}

/// `GET /api/v1/status`.
struct APIStatus: Encodable {
    var version: String
    var zone: String
    var serial: UInt32
    var hosts: Int
    var devices: Int
    var uptimeSeconds: Int
    var upstreams: [APIUpstream]
}

struct APIError: Encodable {
    var error: String
}

enum APITime {
    static func text(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}

extension APIToken {
    init(_ token: DynamicToken) {
        id = token.id
        account = token.account
        hosts = token.hosts.map(\.description)
        created = APITime.text(token.created)
        lastUsed = token.lastUsed.map(APITime.text)
        revoked = token.revoked.map(APITime.text)
        tsig = token.tsigName != nil
    }
}

extension APIAccount {
    init(_ account: DynamicAccount, hosts: [DynamicHost]?) {
        name = account.name
        plan = account.plan
        suspended = account.suspended
        expires = account.expires.map(APITime.text)
        created = APITime.text(account.created)
        self.hosts = hosts?.map {
            APIDynamicHost(fqdn: $0.fqdn.description, addresses: $0.addresses.map(\.description), updated: $0.updated.map(APITime.text))
        }
    }
}

extension APIHost {
    init(_ host: HostRecord, origin: DomainName) {
        name = host.name
        fqdn = (try? host.ownerName(in: origin))?.description ?? host.name
        addresses = host.addresses.map(\.description)
        source = host.source.rawValue
        mac = host.mac
        state = host.state
        firstSeen = APITime.text(host.firstSeen)
        lastSeen = APITime.text(host.lastSeen)
        leaseEnd = host.leaseEnd.map(APITime.text)
        note = host.note
    }
}
