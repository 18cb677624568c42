import DNSWire

/// The naming rules for a customer's host, pure: what a name must look like, which zone it is in
/// and which names stay with the operator.
///
/// A host is `LABEL.ZONE` with one RFC 1123 label (letters, digits and hyphens, 1-63 bytes, not
/// starting or ending with a hyphen), or several labels below one of the same account's hosts
/// (`www.shop.dyn.example.net.` once `shop.dyn.example.net.` is the account's). Never the zone
/// apex, never a name server's name (`ns`, `ns` followed by digits), never a label of
/// `reservedLabels`. Names are kept lower-cased. The zone must be hosted and offered by the plan.
public struct DynamicHostName: Sendable, Hashable {
    /// The host's name, lower-cased.
    public let fqdn: DomainName
    /// The hosted zone it lies in.
    public let zone: DomainName
    /// For a name of several labels below the zone: the account's host it lies under.
    public let parent: DomainName?

    /// Labels directly below a hosted zone that stay with the operator: its own services, role
    /// mailboxes (RFC 2142), names customers would mistake for the operator's, and ACME labels.
    public static let reservedLabels: Set<String> = [
        "www", "mail", "smtp", "imap", "pop", "pop3", "ftp", "admin", "root", "hostmaster", "postmaster",
        "webmaster", "abuse", "security", "noc", "support", "info", "api", "console", "dyn", "ddns", "update",
        "members", "localhost", "wpad", "autoconfig", "autodiscover", "_acme-challenge", "_dmarc", "_domainkey",
    ]

    /// Checks `text` (with or without the final dot) for an account.
    /// - Parameters:
    ///   - hostedZones: the zones this server hosts for dynamic names.
    ///   - planZones: the zones the account's plan offers (empty = every hosted zone).
    ///   - accountHosts: the account's hosts, for names of several labels.
    public init(_ text: String, hostedZones: [DomainName], planZones: [DomainName] = [], plan: String = "",
                account: String = "", accountHosts: [DomainName] = []) throws(DynamicDNSError) {
        let name: DomainName
        do {
            name = try DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root).lowercased
        } catch {
            throw .invalidName(text, (error as? DNSWireError)?.reason ?? "\(error)")
        }
        // The deepest hosted zone wins, should one be delegated below another.
        guard let zone = hostedZones.filter({ name.isSubdomain(of: $0) }).max(by: { $0.labelCount < $1.labelCount }) else {
            throw .notHostedZone(name.description, hostedZones.map(\.description))
        }
        guard name != zone else { throw .zoneApex(name.description) }
        if !planZones.isEmpty && !planZones.contains(zone) {
            throw .zoneNotInPlan(name.description, zone.description, plan)
        }
        let relative = name.labels(relativeTo: zone) ?? []
        for label in relative {
            if let why = Self.labelProblem(label) { throw .invalidName(name.description, why) }
        }
        var parent: DomainName?
        if relative.count > 1 {
            let owned = Set(accountHosts.map(\.lowercased))
            var ancestor = name.parent
            while ancestor != zone && parent == nil {
                if owned.contains(ancestor) { parent = ancestor }
                ancestor = ancestor.parent
            }
            guard parent != nil else { throw .noParentHost(name.description, account) }
        } else if let label = relative.first, let reserved = Self.reserved(label) {
            throw .reservedName(name.description, reserved)
        }
        self.fqdn = name
        self.zone = zone
        self.parent = parent
    }

    /// Why `label` is not an RFC 1123 host label, or nil when it is one.
    public static func labelProblem(_ label: [UInt8]) -> String? {
        let text = String(decoding: label, as: UTF8.self)
        guard (1...63).contains(label.count) else { return "a label must be 1 to 63 characters" }
        for byte in label {
            let isLetter = (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte)
            let isDigit = (0x30...0x39).contains(byte)
            if !(isLetter || isDigit || byte == UInt8(ascii: "-")) {
                return "\"\(DomainName.escape(label))\" may only hold letters, digits and hyphens"
            }
        }
        if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
            return "\"\(text)\" may not start or end with a hyphen"
        }
        return nil
    }

    /// The reserved label `label` matches, or nil.
    static func reserved(_ label: [UInt8]) -> String? {
        let text = String(decoding: label, as: UTF8.self).lowercased()
        if reservedLabels.contains(text) { return text }
        // ns, ns1, ns42: the zone's own name servers.
        if text.hasPrefix("ns") && text.dropFirst(2).allSatisfy(\.isASCIIDigitCharacter) { return text }
        return nil
    }

    /// A single label for account and plan names: they become part of TSIG key names.
    public static func accountLabel(_ text: String, kind: String) throws(DynamicDNSError) -> String {
        if let why = labelProblem(Array(text.utf8)) { throw .invalid("\(kind) name \"\(text)\": \(why)") }
        return text.lowercased()
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
