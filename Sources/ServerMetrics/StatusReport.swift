import Foundation

/// `lannamed status`: the running daemon's state in a few lines, read from its `/metrics`.
public enum StatusReport {
    public static func render(_ samples: [MetricsSample]) -> String {
        func values(_ name: String) -> [MetricsSample] { samples.filter { $0.name == name } }
        func total(_ name: String) -> Int { Int(values(name).reduce(0) { $0 + $1.value }) }
        func count(_ value: Double) -> String { Int(value).formatted() }
        var lines: [String] = []

        lines.append("zones")
        let serials = values("lannamed_zone_serial").sorted { ($0.labels["zone"] ?? "") < ($1.labels["zone"] ?? "") }
        for zone in serials { lines.append("  \(zone.labels["zone"] ?? "?")  serial \(UInt32(zone.value))") }
        if serials.isEmpty { lines.append("  none") }
        lines.append("  LAN zone: \(count(values("lannamed_lan_hosts").first?.value ?? 0)) names")

        lines.append("upstreams")
        let upstreams = values("lannamed_upstream_up").sorted { ($0.labels["upstream"] ?? "") < ($1.labels["upstream"] ?? "") }
        for upstream in upstreams {
            let name = upstream.labels["upstream"] ?? "?"
            let rtt = values("lannamed_upstream_rtt_seconds").first { $0.labels["upstream"] == name }?.value ?? 0
            let answers = values("lannamed_upstream_answers_total").first { $0.labels["upstream"] == name }?.value ?? 0
            let failures = values("lannamed_upstream_failures_total").first { $0.labels["upstream"] == name }?.value ?? 0
            lines.append("  \(name)  \(upstream.value == 1 ? "up" : "DOWN")  rtt \(String(format: "%.1f", rtt * 1000)) ms  "
                         + "\(count(answers)) answers, \(count(failures)) failures")
        }
        if upstreams.isEmpty { lines.append("  not forwarding") }
        if let entries = values("lannamed_cache_entries").first?.value {
            lines.append("  cache: \(count(entries)) answers, \(count(Double(total("lannamed_cache_hits_total")))) hits, "
                         + "\(count(Double(total("lannamed_cache_misses_total")))) misses")
        }

        lines.append("queries")
        let lanes = values("lannamed_dns_queries_total").filter { $0.value > 0 }.sorted { $0.value > $1.value }
        lines.append("  \(total("lannamed_dns_queries_total").formatted()) in all"
                     + (lanes.isEmpty ? "" : ": " + lanes.map { "\($0.labels["lane"] ?? "?") \(count($0.value))" }.joined(separator: ", ")))
        let rcodes = values("lannamed_dns_responses_total").filter { $0.value > 0 }.sorted { $0.value > $1.value }
        if !rcodes.isEmpty {
            lines.append("  answers: " + rcodes.map { "\($0.labels["rcode"] ?? "?") \(count($0.value))" }.joined(separator: ", "))
        }

        lines.append("DHCP")
        let frames = values("lannamed_dhcp_frames_total")
        for capture in frames.sorted(by: { ($0.labels["interface"] ?? "") < ($1.labels["interface"] ?? "") }) {
            let interface = capture.labels["interface"] ?? "?"
            let events = values("lannamed_dhcp_events_total").first { $0.labels["interface"] == interface }?.value ?? 0
            lines.append("  \(interface): \(count(capture.value)) frames, \(count(events)) lease events")
        }
        if frames.isEmpty { lines.append("  no live capture") }
        let outcomes = values("lannamed_dhcp_registrations_total").filter { $0.value > 0 }.sorted { $0.value > $1.value }
        if !outcomes.isEmpty {
            lines.append("  registrations: " + outcomes.map { "\($0.labels["outcome"] ?? "?") \(count($0.value))" }.joined(separator: ", "))
        }
        let transfers = total("lannamed_zone_transfers_total"), notifies = total("lannamed_notifies_total")
        if transfers + notifies > 0 { lines.append("transfers: \(transfers) served, \(notifies) NOTIFYs sent") }
        let updates = total("lannamed_dns_updates_total"), dyndns = total("lannamed_dyndns2_answers_total")
        if updates + dyndns > 0 { lines.append("updates: \(updates) RFC 2136, \(dyndns) dyndns2") }
        return lines.joined(separator: "\n")
    }
}
