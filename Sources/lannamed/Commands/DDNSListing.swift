import DNSWire
import Foundation
import LANZone

/// How `ddns list` and `ddns usage` show the accounts: tables for people, JSON and CSV for tools.
/// Secrets are never part of a listing: the store does not have them.
enum DDNSListing {
    static func text(_ listing: DynamicListing, now: Double) -> String {
        var sections = [plans(listing.plans)]
        sections.append(table([["ACCOUNT", "PLAN", "STATE", "EXPIRES", "HOSTS"]] + listing.accounts.map { account in
            [account.name, account.plan, state(account, now: now), DDNSDate.iso(account.expires) ?? "never",
             "\(listing.hosts.filter { $0.account == account.name }.count)"]
        }))
        sections.append(table([["HOST", "ACCOUNT", "ADDRESSES", "UPDATED"]] + listing.hosts.map { host in
            [host.fqdn.description + (host.wildcard ? " (+*)" : ""), host.account,
             host.addresses.isEmpty ? "-" : host.addresses.map(\.description).joined(separator: ","), DDNSDate.iso(host.updated) ?? "never"]
        }))
        sections.append(table([["TOKEN", "ACCOUNT", "KIND", "HOSTS", "SUBNETS", "STATE", "LAST-USED"]] + listing.tokens.map { token in
            [token.id, token.account, token.tsigName.map { "tsig \($0)" } ?? "dyndns2",
             token.hosts.isEmpty ? "all" : token.hosts.map(\.description).joined(separator: ","),
             token.subnets.isEmpty ? "any" : token.subnets.map(\.description).joined(separator: ","),
             token.revoked != nil ? "revoked" : token.isUsable(at: now) ? "active" : "expired",
             DDNSDate.iso(token.lastUsed) ?? "never"]
        }))
        return sections.joined(separator: "\n\n")
    }

    static func plans(_ plans: [DynamicPlan]) -> String {
        table([["PLAN", "MAX-HOSTS", "MIN-INTERVAL", "ZONES"]] + plans.map { plan in
            [plan.name, "\(plan.maxHosts)", "\(Int(plan.minInterval))s", plan.zones.isEmpty ? "all" : plan.zones.map(\.description).joined(separator: ",")]
        })
    }

    static func state(_ account: DynamicAccount, now: Double) -> String {
        account.suspended ? "suspended" : account.isExpired(at: now) ? "expired" : "active"
    }

    static func json(_ listing: DynamicListing, now: Double) -> String {
        let object: [String: Any] = [
            "plans": listing.plans.map { plan -> [String: Any] in
                ["name": plan.name, "max_hosts": plan.maxHosts, "min_interval": plan.minInterval,
                 "zones": plan.zones.map(\.description)]
            },
            "accounts": listing.accounts.map { account -> [String: Any] in
                ["name": account.name, "plan": account.plan, "state": state(account, now: now),
                 "expires": DDNSDate.iso(account.expires) as Any? ?? NSNull(), "created": DDNSDate.iso(account.created) as Any? ?? NSNull()]
            },
            "hosts": listing.hosts.map { host -> [String: Any] in
                ["fqdn": host.fqdn.description, "zone": host.zone.description, "account": host.account,
                 "wildcard": host.wildcard, "addresses": host.addresses.map(\.description),
                 "updated": DDNSDate.iso(host.updated) as Any? ?? NSNull()]
            },
            "tokens": listing.tokens.map { token -> [String: Any] in
                ["id": token.id, "account": token.account, "hosts": token.hosts.map(\.description),
                 "subnets": token.subnets.map(\.description), "expires": DDNSDate.iso(token.expires) as Any? ?? NSNull(),
                 "revoked": DDNSDate.iso(token.revoked) as Any? ?? NSNull(), "last_used": DDNSDate.iso(token.lastUsed) as Any? ?? NSNull(),
                 "tsig_name": token.tsigName?.description as Any? ?? NSNull(), "tsig_algorithm": token.tsigAlgorithm as Any? ?? NSNull()]
            },
        ]
        return serialize(object)
    }

    static func usage(_ usage: [DynamicUsage], format: UsageFormat) -> String {
        switch format {
        case .table:
            return table([["ACCOUNT", "PLAN", "HOSTS", "GOOD", "NOCHG", "REFUSED"]] + usage.map { entry in
                [entry.account, entry.plan ?? "(removed)", "\(entry.hosts)", "\(entry.good)", "\(entry.nochg)", "\(entry.refused)"]
            })
        case .csv:
            // Account and plan names are DNS labels: nothing in them needs quoting.
            return (["account,plan,hosts,good,nochg,refused"] + usage.map { entry in
                "\(entry.account),\(entry.plan ?? ""),\(entry.hosts),\(entry.good),\(entry.nochg),\(entry.refused)"
            }).joined(separator: "\n")
        case .json:
            return serialize(usage.map { entry -> [String: Any] in
                ["account": entry.account, "plan": entry.plan as Any? ?? NSNull(), "hosts": entry.hosts,
                 "good": entry.good, "nochg": entry.nochg, "refused": entry.refused]
            })
        }
    }

    enum UsageFormat { case table, csv, json }

    static func serialize(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Columns padded to their widest cell; a header alone says "none".
    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        if rows.count == 1 { return "\(header[0]): none" }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
