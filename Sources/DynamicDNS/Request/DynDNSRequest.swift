import DNSWire
import Foundation

/// A dyndns2 update request, read from the URL query, the headers and the peer address.
///
/// - Credentials: an `Authorization` header (`Basic` user:password, or `Token T`) wins; without
///   one, the `username` and `password` query parameters. No secret at all: `credentials` is nil.
/// - Hostnames: the `hostname` comma list, lower-cased, a trailing dot allowed; `hostname=YES` or
///   an empty value counts as absent (nil: the decision takes the Basic user, else the token's only host).
/// - Addresses: see `addresses` and `instructions(for:)`.
public struct DynDNSRequest: Sendable {
    public var credentials: DynDNSCredentials?
    /// nil when the request names no hostname.
    public var hostnames: [DomainName]?
    /// The instructions for every host without per-host parameters.
    public var addresses: AddressInstructions
    /// Per-host instructions (`myipv4:host.zone=...`, `myipv6:host.zone=...`), the other family
    /// taken from `addresses`.
    public var hostAddresses: [DomainName: AddressInstructions]
    /// Where the request comes from (after trusted proxies).
    public var clientAddress: IPAddress
    /// True when no address parameter was given, so `addresses` holds the client's own address.
    public var usesClientAddress: Bool

    /// Most hostnames one request may name (`numhost` beyond).
    public static let defaultMaximumHostnames = 20

    public init(
        credentials: DynDNSCredentials?, hostnames: [DomainName]?, addresses: AddressInstructions,
        hostAddresses: [DomainName: AddressInstructions] = [:], clientAddress: IPAddress, usesClientAddress: Bool = false
    ) {
        self.credentials = credentials
        self.hostnames = hostnames
        self.addresses = addresses
        self.hostAddresses = hostAddresses
        self.clientAddress = clientAddress
        self.usesClientAddress = usesClientAddress
    }

    public func instructions(for name: DomainName) -> AddressInstructions {
        hostAddresses[name] ?? addresses
    }

    /// Reads a request. The path is not checked: `/nic/update`, `/update`, `/` and whatever path a
    /// router's custom URL uses all mean the same update. Throws for what cannot be read.
    ///
    /// Addresses, per family, from the first parameter that speaks for it:
    /// IPv4 from `myipv4`, `myip`, `ip`; IPv6 from `myipv6`, `ipv6`, `myip`, `ip`. `myip` and `ip`
    /// take comma lists mixing both families; `myipv4` only IPv4, `myipv6` and `ipv6` only IPv6.
    /// `preserve` keeps the family, an empty value deletes it (an empty `myip` or `ip` says
    /// nothing), an IPv6 prefix (`2001:db8:1:2::/64`) keeps each host's interface identifier.
    /// A family no parameter mentions is kept. With no address parameter at all, the client's
    /// own address is used for its family.
    public init(
        path: String, rawQuery: String?, headers: [(name: String, value: String)], peer: IPAddress,
        trustedProxies: [AddressPrefix], maximumHostnames: Int = DynDNSRequest.defaultMaximumHostnames
    ) throws(DynDNSProtocolError) {
        let query = try QueryParameters(rawQuery)
        clientAddress = ClientAddress.resolve(peer: peer, headers: headers, trustedProxies: trustedProxies)
        credentials = try Self.credentials(headers: headers, query: query)
        hostnames = try Self.hostnames(query.value("hostname"), maximum: maximumHostnames)

        let global = try Self.globalInstructions(query)
        var hostAddresses: [DomainName: AddressInstructions] = [:]
        let base = global ?? AddressInstructions()
        for (suffix, value) in try query.values(withPrefix: "myipv4:") {
            let name = try Self.hostname(suffix)
            var entry = hostAddresses[name] ?? base
            entry.ipv4 = try Self.familyInstruction(value, v4: true, parameter: "myipv4:")
            hostAddresses[name] = entry
        }
        for (suffix, value) in try query.values(withPrefix: "myipv6:") {
            let name = try Self.hostname(suffix)
            var entry = hostAddresses[name] ?? base
            entry.ipv6 = try Self.familyInstruction(value, v4: false, parameter: "myipv6:")
            hostAddresses[name] = entry
        }
        self.hostAddresses = hostAddresses
        if let global {
            addresses = global
            usesClientAddress = false
        } else if !hostAddresses.isEmpty {
            addresses = AddressInstructions()
            usesClientAddress = false
        } else {
            addresses = .clientAddress(clientAddress)
            usesClientAddress = true
        }
    }

    // MARK: Credentials

    static func credentials(headers: [(name: String, value: String)], query: QueryParameters) throws(DynDNSProtocolError) -> DynDNSCredentials? {
        let authorizations = Set(headers.filter { $0.name.lowercased() == "authorization" }.map(\.value))
        guard authorizations.count <= 1 else {
            throw DynDNSProtocolError(.malformed, "two different Authorization headers")
        }
        if let header = authorizations.first {
            return try authorization(header)
        }
        guard let password = try query.value("password"), !password.isEmpty else { return nil }
        let user = try query.value("username").flatMap { $0.isEmpty ? nil : $0 }
        return DynDNSCredentials(user: user, secret: password, source: .query)
    }

    static func authorization(_ header: String) throws(DynDNSProtocolError) -> DynDNSCredentials? {
        let trimmed = Substring(header).trimmingSpaces
        let parts = trimmed.split(separator: " ", maxSplits: 1)
        if parts.count == 1, ["basic", "token"].contains(parts[0].lowercased()) { return nil }
        guard parts.count == 2 else {
            throw DynDNSProtocolError(.badauth, "Authorization header without scheme and value")
        }
        let value = parts[1].trimmingSpaces
        switch parts[0].lowercased() {
        case "basic":
            guard let data = Data(base64Encoded: String(value)),
                  let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":")
            else { throw DynDNSProtocolError(.badauth, "Basic credentials that are not base64 user:password") }
            let user = String(text[..<colon])
            let password = String(text[text.index(after: colon)...])
            guard !password.isEmpty else { return nil }
            guard !password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw DynDNSProtocolError(.badauth, "control byte in Basic credentials")
            }
            return DynDNSCredentials(user: user.isEmpty ? nil : user, secret: password, source: .basic)
        case "token":
            guard !value.isEmpty else { return nil }
            return DynDNSCredentials(user: nil, secret: String(value), source: .token)
        default:
            throw DynDNSProtocolError(.badauth, "Authorization scheme \(LogText.clean(String(parts[0].prefix(20))))")
        }
    }

    // MARK: Hostnames

    static func hostnames(_ value: String?, maximum: Int) throws(DynDNSProtocolError) -> [DomainName]? {
        guard let value, !value.isEmpty, value.uppercased() != "YES" else { return nil }
        let parts = value.split(separator: ",").map(\.trimmingSpaces).filter { !$0.isEmpty }
        guard parts.count <= maximum else {
            throw DynDNSProtocolError(.numhost, "\(parts.count) hostnames (at most \(maximum))")
        }
        var names: [DomainName] = []
        for part in parts {
            let name = try hostname(part)
            if !names.contains(name) { names.append(name) }
        }
        return names.isEmpty ? nil : names
    }

    /// A plain ASCII host name of at least two labels (letters, digits, `-` inside, `_`),
    /// lower-cased, one trailing dot allowed. Anything else (UTF-8, IDN in Unicode form, `*`,
    /// spaces, empty labels) is `notfqdn`: the client must send the `xn--` form.
    public static func hostname(_ text: some StringProtocol) throws(DynDNSProtocolError) -> DomainName {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count <= 253 else {
            throw DynDNSProtocolError(.notfqdn, "hostname of \(bytes.count) bytes")
        }
        var labels: [[UInt8]] = []
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            let valid = !label.isEmpty && label.count <= 63
                && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { byte in
                    (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
            guard valid else { throw DynDNSProtocolError(.notfqdn, "hostname \(LogText.clean(String(text.prefix(80))))") }
            labels.append(label.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 })
        }
        guard labels.count >= 2, let name = try? DomainName(labels: labels) else {
            throw DynDNSProtocolError(.notfqdn, "hostname \(LogText.clean(String(text.prefix(80)))) is not fully qualified")
        }
        return name
    }
}
