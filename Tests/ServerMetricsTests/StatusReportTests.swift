import Testing

@testable import ServerMetrics

/// The Prometheus text read back (`MetricsSample`) and `lannamed status`'s summary of it.
@Suite struct StatusReportTests {
    @Test func samplesAreReadWithTheirLabels() {
        let text = """
            # HELP lannamed_lan_hosts Names in the LAN zone
            # TYPE lannamed_lan_hosts gauge
            lannamed_lan_hosts 12.0
            lannamed_zone_serial{zone="lan."} 1796707056.0
            lannamed_upstream_up{upstream="198.51.100.1:53"} 1
            odd{label="a \\"quoted\\" value",other="x"} 3
            broken{label="never closed} 1
            not a sample
            """
        let samples = MetricsSample.parse(text)
        #expect(samples == [
            MetricsSample(name: "lannamed_lan_hosts", value: 12),
            MetricsSample(name: "lannamed_zone_serial", labels: ["zone": "lan."], value: 1_796_707_056),
            MetricsSample(name: "lannamed_upstream_up", labels: ["upstream": "198.51.100.1:53"], value: 1),
            MetricsSample(name: "odd", labels: ["label": #"a "quoted" value"#, "other": "x"], value: 3),
        ])
    }

    @Test func theSummaryNamesZonesUpstreamsQueriesAndCaptures() {
        let report = StatusReport.render([
            MetricsSample(name: "lannamed_zone_serial", labels: ["zone": "lan."], value: 42),
            MetricsSample(name: "lannamed_lan_hosts", value: 1200),
            MetricsSample(name: "lannamed_upstream_up", labels: ["upstream": "198.51.100.1:53"], value: 0),
            MetricsSample(name: "lannamed_upstream_rtt_seconds", labels: ["upstream": "198.51.100.1:53"], value: 0.0125),
            MetricsSample(name: "lannamed_upstream_answers_total", labels: ["upstream": "198.51.100.1:53"], value: 900),
            MetricsSample(name: "lannamed_dns_queries_total", labels: ["lane": "direct"], value: 5000),
            MetricsSample(name: "lannamed_dns_queries_total", labels: ["lane": "forwarded"], value: 20),
            MetricsSample(name: "lannamed_dns_responses_total", labels: ["rcode": "NXDOMAIN"], value: 7),
            MetricsSample(name: "lannamed_dhcp_frames_total", labels: ["interface": "eth0"], value: 300),
            MetricsSample(name: "lannamed_dhcp_events_total", labels: ["interface": "eth0"], value: 120),
        ])
        #expect(report.contains("  lan.  serial 42"))
        #expect(report.contains("LAN zone: 1,200 names"))
        #expect(report.contains("  198.51.100.1:53  DOWN  rtt 12.5 ms  900 answers, 0 failures"))
        #expect(report.contains("5,020 in all: direct 5,000, forwarded 20"))
        #expect(report.contains("answers: NXDOMAIN 7"))
        #expect(report.contains("  eth0: 300 frames, 120 lease events"))
    }
}
