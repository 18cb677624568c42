/// Why a dynamic DNS account, host or token change was refused, or an update could not be stored.
/// Each case reads as one sentence an operator or a customer can act on.
public enum DynamicDNSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A name that is not a DNS name at all, or a label that breaks RFC 1123 (name, why).
    case invalidName(String, String)
    /// A host name on the reserved list (name, the reserved label).
    case reservedName(String, String)
    /// The zone's own name cannot be a customer's host.
    case zoneApex(String)
    /// The name lies in none of the hosted zones (name, the hosted zones).
    case notHostedZone(String, [String])
    /// The account's plan does not offer the zone (name, zone, plan).
    case zoneNotInPlan(String, String, String)
    /// A name of several labels below the zone that lies under none of the account's hosts
    /// (name, account).
    case noParentHost(String, String)
    /// The plan's host limit is reached (account, hosts it has, maximum, plan).
    case hostLimit(account: String, hosts: Int, maximum: Int, plan: String)
    /// A plan, account, host or token that already exists (kind, name).
    case exists(String, String)
    /// A plan, account, host or token that does not exist (kind, name).
    case notFound(String, String)
    /// An update names a host that the account does not own (host, account).
    case unknownHost(String, String)
    /// A value out of range or malformed (what was wrong).
    case invalid(String)
    /// The database failed.
    case store(String)

    public var description: String {
        switch self {
        case .invalidName(let name, let why): "\"\(name)\" is not a valid host name: \(why)"
        case .reservedName(let name, let label): "\"\(name)\" is reserved (\"\(label)\" is kept for the operator)"
        case .zoneApex(let name): "\"\(name)\" is the zone itself; a host needs a name below it"
        case .notHostedZone(let name, let zones):
            zones.isEmpty ? "\"\(name)\": no hosted zones are known (name them with --hosted-zone)"
                : "\"\(name)\" is in none of the hosted zones (\(zones.joined(separator: ", ")))"
        case .zoneNotInPlan(let name, let zone, let plan): "\"\(name)\": plan \(plan) does not include the zone \(zone)"
        case .noParentHost(let name, let account):
            "\"\(name)\" has several labels below the zone but lies under none of account \(account)'s hosts"
        case .hostLimit(let account, let hosts, let maximum, let plan):
            "account \(account) has \(hosts) of \(maximum) hosts (plan \(plan))"
        case .exists(let kind, let name): "\(kind) \(name) already exists"
        case .notFound(let kind, let name): "no \(kind) named \(name)"
        case .unknownHost(let host, let account): "account \(account) has no host \(host)"
        case .invalid(let why): why
        case .store(let why): "database error: \(why)"
        }
    }
}
