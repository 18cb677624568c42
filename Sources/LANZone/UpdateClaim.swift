/// What an RFC 2136 UPDATE from a DHCP server may do with one name of the LAN zone, given who
/// holds it: the precedence static/config > UPDATE > DHCP sniffing, apart from SQL.
///
/// An administrator's host is refused rather than skipped: the DHCP server then logs a failed
/// DNS update for that client (Kea: `DHCP_DDNS_FORWARD_ADD_REJECTED`), so the conflict is seen
/// where the lease is handed out, instead of the server believing the name points at its client.
public enum UpdateClaim: Sendable, Hashable {
    /// Nobody holds the name: a new host (source `update`).
    case insert
    /// An earlier UPDATE's host: its addresses become the UPDATE's.
    case replace(host: Int64)
    /// A sniffed host: it becomes the UPDATE's host, so one device is one host. It keeps its MAC
    /// when it held one of the UPDATE's addresses (the same device); otherwise the DHCP server's
    /// word on its own leases beats what the sniffer read, and the MAC goes with the old lease.
    case adopt(host: Int64, keepsMAC: Bool)
    /// An administrator's host, a protected name or the apex: the UPDATE gets REFUSED.
    case refuse(String)

    /// `holder` holds `name` (nil: nobody); `sharesAddress`: it holds one of the UPDATE's
    /// addresses; `protected`: lower-cased names no learned host gets.
    static func decide(name: String, holder: RegistrationRules.Holder?, sharesAddress: Bool,
                       protected: Set<String>) -> UpdateClaim {
        if name == "@" { return .refuse("the zone's apex is not a host") }
        if protected.contains(name.lowercased()) { return .refuse("\(name) is a protected name") }
        guard let holder else { return .insert }
        switch holder.source {
        case .static, .config: return .refuse("\(name) belongs to a \(holder.source.rawValue) host")
        case .update: return .replace(host: holder.id)
        case .dhcp: return .adopt(host: holder.id, keepsMAC: sharesAddress)
        }
    }
}
