import DNSServer
import DNSWire
import LANZone
import Prometheus
import Testing

@testable import ServerMetrics

/// The `/metrics` text: pulled counters grow by what the components counted since the last
/// scrape, gauges show the served zones, and captures are labelled by interface.
@Suite struct MetricsExporterTests {
    /// The value of the sample `series` (name and labels as printed), nil when absent.
    func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == series { return Double(parts[1]) }
        }
        return nil
    }

    func query(_ name: String, _ type: RecordType) -> [UInt8] {
        Message(header: Header(id: 1), questions: [Question(name: try! DomainName(name), type: type)]).serialize()
    }

    @Test func pulledCountersFollowTheComponentsAcrossScrapes() throws {
        let queries = QueryMetrics()
        let snapshot = ZoneSnapshot(config: ZoneConfig(origin: "lan."),
                                    hosts: [HostRecord(name: "printer", addresses: [IPAddress("198.51.100.7")!], source: .static)],
                                    state: ZoneState(serial: 42, generation: 1))
        let captures = CaptureBox()
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry(), sources: .init(
            queries: queries, forwarder: nil, snapshot: { snapshot }, captures: { captures.counts }))
        let a = query("printer.lan.", .a)
        a.withUnsafeBytes { bytes in
            for _ in 0..<3 { queries.shared.count(.responder, query: bytes, rcode: 0) }
            queries.shared.count(.responder, query: bytes, rcode: 3)
        }
        captures.counts = [.init(interface: "lnb1", frames: 10, events: 4, malformed: 1)]
        let first = exporter.render()
        #expect(value(first, #"lannamed_dns_queries_total{lane="responder"}"#) == 4)
        #expect(value(first, #"lannamed_dns_query_types_total{type="A"}"#) == 4)
        #expect(value(first, #"lannamed_dns_responses_total{rcode="NOERROR"}"#) == 3)
        #expect(value(first, #"lannamed_dns_responses_total{rcode="NXDOMAIN"}"#) == 1)
        #expect(value(first, #"lannamed_dhcp_frames_total{interface="lnb1"}"#) == 10)
        #expect(value(first, #"lannamed_dhcp_malformed_total{interface="lnb1"}"#) == 1)
        #expect(value(first, "lannamed_lan_hosts") == 1)
        #expect(value(first, #"lannamed_zone_serial{zone="lan."}"#) == 42)
        #expect(first.contains("# TYPE lannamed_dns_queries_total counter"))

        // Only the growth is added: a second scrape shows the new totals, not their sum.
        a.withUnsafeBytes { queries.shared.count(.dropped, query: $0, rcode: nil) }
        captures.counts = [.init(interface: "lnb1", frames: 25, events: 9, malformed: 1)]
        let second = exporter.render()
        #expect(value(second, #"lannamed_dns_queries_total{lane="responder"}"#) == 4)
        #expect(value(second, #"lannamed_dns_queries_total{lane="dropped"}"#) == 1)
        #expect(value(second, #"lannamed_dns_query_types_total{type="A"}"#) == 5)
        #expect(value(second, #"lannamed_dhcp_frames_total{interface="lnb1"}"#) == 25)
        #expect(value(second, #"lannamed_dhcp_events_total{interface="lnb1"}"#) == 9)
    }
}

/// Capture counts the test changes between scrapes.
final class CaptureBox: @unchecked Sendable {
    var counts: [MetricsExporter.CaptureCounts] = []
}
