import DNSWire
import Foundation
import LANZone

/// One row of the devices page: what a host learned from DHCP (or registered by UPDATE) shows.
struct DeviceRow {
    enum Column: String, CaseIterable {
        case name, addresses, mac, vendor, source, state, firstSeen = "first", lastSeen = "seen", leaseEnd = "lease"

        var label: String {
            switch self {
            case .name: "Name"
            case .addresses: "Addresses"
            case .mac: "MAC"
            case .vendor: "Vendor"
            case .source: "Source"
            case .state: "State"
            case .firstSeen: "First seen"
            case .lastSeen: "Last seen"
            case .leaseEnd: "Lease end"
            }
        }
    }

    var name: String
    var addresses: [IPAddress]
    var mac: String
    var vendor: String
    var source: String
    var state: String
    var firstSeen: Double
    var lastSeen: Double
    var leaseEnd: Double?
    var note: String?

    init(_ host: HostRecord, origin: DomainName, vendors: OUIVendors) {
        name = (try? host.ownerName(in: origin))?.description ?? host.name
        addresses = host.addresses
        mac = host.mac ?? ""
        vendor = vendors.vendor(of: mac) ?? ""
        source = host.source.rawValue
        state = host.state ?? ""
        firstSeen = host.firstSeen
        lastSeen = host.lastSeen
        leaseEnd = host.leaseEnd
        note = host.note
    }

    func matches(_ query: String) -> Bool {
        let needle = query.lowercased()
        return [name, mac, vendor, source, state].contains { $0.lowercased().contains(needle) }
            || addresses.contains { $0.description.contains(needle) }
    }

    /// What the column sorts by.
    func key(_ column: Column) -> String {
        switch column {
        case .name: name.lowercased()
        case .addresses: addresses.first.map(Self.sortable) ?? ""
        case .mac: mac.lowercased()
        case .vendor: vendor.lowercased()
        case .source: source
        case .state: state
        // Newest first for times.
        case .firstSeen: String(format: "%020.3f", 1e12 - firstSeen)
        case .lastSeen: String(format: "%020.3f", 1e12 - lastSeen)
        case .leaseEnd: String(format: "%020.3f", leaseEnd ?? 0)
        }
    }

    /// Addresses in numeric order: their bytes as hex.
    static func sortable(_ address: IPAddress) -> String {
        address.bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func time(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    var context: [String: Any] {
        var row: [String: Any] = [
            "name": name, "addresses": addresses.map(\.description).joined(separator: " "), "mac": mac, "vendor": vendor,
            "source": source, "state": state, "firstSeen": Self.time(firstSeen), "lastSeen": Self.time(lastSeen),
            "leaseEnd": leaseEnd.map(Self.time) ?? "",
        ]
        if let note { row["note"] = note }
        return row
    }
}
