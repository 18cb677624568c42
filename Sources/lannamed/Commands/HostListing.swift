import DNSWire
import Foundation
import LANZone

/// How `hosts list` shows hosts.
enum HostListing {
    static func fqdn(_ host: HostRecord, _ origin: DomainName) -> String {
        (try? host.ownerName(in: origin))?.description ?? host.name
    }

    static func iso(_ time: Double?) -> String? {
        guard let time else { return nil }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: time))
    }

    static func json(_ hosts: [HostRecord], origin: DomainName) -> String {
        let objects: [[String: Any]] = hosts.map { host in
            [
                "name": host.name,
                "fqdn": fqdn(host, origin),
                "addresses": host.addresses.map(\.description),
                "source": host.source.rawValue,
                "mac": host.mac as Any? ?? NSNull(),
                "expires": iso(host.leaseEnd) as Any? ?? NSNull(),
                "first_seen": iso(host.firstSeen) as Any? ?? NSNull(),
                "last_seen": iso(host.lastSeen) as Any? ?? NSNull(),
                "state": host.state as Any? ?? NSNull(),
                "ptr": host.publishesPTR,
                "note": host.note as Any? ?? NSNull(),
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func table(_ hosts: [HostRecord], origin: DomainName) -> String {
        if hosts.isEmpty { return "no hosts in \(origin)" }
        var rows = [["NAME", "ADDRESSES", "SOURCE", "MAC", "EXPIRES", "NOTE"]]
        for host in hosts {
            rows.append([fqdn(host, origin), host.addresses.map(\.description).joined(separator: ","),
                         host.source.rawValue + (host.state.map { "/\($0)" } ?? ""), host.mac ?? "-",
                         iso(host.leaseEnd) ?? "-", host.note ?? ""])
        }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
