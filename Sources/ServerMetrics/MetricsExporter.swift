import CoreMetrics
import DNSServer
import DNSWire
import Forwarder
import LANZone
import NIOConcurrencyHelpers
import Prometheus

/// The Prometheus text for `/metrics`: counters that libraries record through swift-metrics
/// (registrations, updates, transfers, HTTP requests), and, read at each scrape, what the
/// components keep themselves (the query counters, the forwarder's cache and upstreams, the
/// served zones, the DHCP captures).
///
/// Reading at the scrape keeps the query path free of any metrics call: the UDP workers count in
/// their own counters, and only their growth since the last scrape is added here.
public final class MetricsExporter: Sendable {
    /// What one DHCP capture has seen.
    public struct CaptureCounts: Sendable {
        public var interface: String
        public var frames: Int
        public var events: Int
        public var malformed: Int

        public init(interface: String, frames: Int, events: Int, malformed: Int) {
            self.interface = interface
            self.frames = frames
            self.events = events
            self.malformed = malformed
        }
    }

    /// Where the scrape reads.
    public struct Sources: Sendable {
        public var queries: QueryMetrics
        public var forwarder: Forwarder?
        public var snapshot: @Sendable () -> ZoneSnapshot
        public var captures: @Sendable () -> [CaptureCounts]

        public init(queries: QueryMetrics, forwarder: Forwarder?, snapshot: @escaping @Sendable () -> ZoneSnapshot,
                    captures: @escaping @Sendable () -> [CaptureCounts] = { [] }) {
            self.queries = queries
            self.forwarder = forwarder
            self.snapshot = snapshot
            self.captures = captures
        }
    }

    public let registry: PrometheusCollectorRegistry
    let sources: Sources
    /// Each pulled counter's value at the last scrape; one scrape at a time.
    private let exported = NIOLockedValueBox<[String: Int64]>([:])
    private let scraping = NIOLock()

    public init(registry: PrometheusCollectorRegistry, sources: Sources) {
        self.registry = registry
        self.sources = sources
    }

    /// Makes swift-metrics record into `registry`; once per process, before any counter is made.
    public static func bootstrap(_ registry: PrometheusCollectorRegistry) {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The metrics now, in the Prometheus text format.
    public func render() -> String {
        scraping.withLock {
            let totals = sources.queries.totals
            for (lane, count) in totals.lanes {
                advance("lannamed_dns_queries_total", [("lane", lane.name)], to: count,
                        help: "DNS queries by the step that answered them")
            }
            for (type, count) in totals.types {
                advance("lannamed_dns_query_types_total", [("type", type)], to: count, help: "DNS queries by question type")
            }
            for (rcode, count) in totals.rcodes {
                advance("lannamed_dns_responses_total", [("rcode", ResponseCode(rawValue: UInt16(rcode)).description)],
                        to: count, help: "DNS responses by response code")
            }
            if let forwarder = sources.forwarder {
                let cache = forwarder.cacheStatistics
                registry.makeGauge(name: "lannamed_cache_entries", help: "Answers held in the forwarder's cache")
                    .set(Double(cache.entries))
                advance("lannamed_cache_hits_total", [], to: UInt64(cache.hits), help: "Forwarded questions answered from the cache")
                advance("lannamed_cache_misses_total", [], to: UInt64(cache.misses), help: "Forwarded questions sent upstream")
                for (upstream, health) in forwarder.status() {
                    let labels = [("upstream", upstream.description)]
                    registry.makeGauge(name: "lannamed_upstream_up", labels: labels, help: "1 while the upstream is up")
                        .set(health.isUp ? 1.0 : 0.0)
                    registry.makeGauge(name: "lannamed_upstream_rtt_seconds", labels: labels,
                                       help: "Smoothed round-trip time to the upstream").set(health.srtt ?? 0)
                    advance("lannamed_upstream_answers_total", labels, to: UInt64(health.answers),
                            help: "Answers received from the upstream")
                    advance("lannamed_upstream_failures_total", labels, to: UInt64(health.failures),
                            help: "Timeouts, refusals and failures from the upstream")
                }
            }
            let snapshot = sources.snapshot()
            registry.makeGauge(name: "lannamed_lan_hosts", help: "Names in the LAN zone").set(Double(snapshot.hostCount))
            for apex in snapshot.transferApexes where snapshot.hasData(apex) {
                guard let serial = snapshot.serial(of: apex) else { continue }
                registry.makeGauge(name: "lannamed_zone_serial", labels: [("zone", apex.description)],
                                   help: "The SOA serial each served zone has").set(Double(serial))
            }
            for capture in sources.captures() {
                let labels = [("interface", capture.interface)]
                advance("lannamed_dhcp_frames_total", labels, to: UInt64(capture.frames), help: "DHCP frames captured")
                advance("lannamed_dhcp_events_total", labels, to: UInt64(capture.events),
                        help: "Lease events read from captured DHCP frames")
                advance("lannamed_dhcp_malformed_total", labels, to: UInt64(capture.malformed),
                        help: "Captured frames that were not readable DHCP")
            }
            return registry.emitToString()
        }
    }

    /// Adds to the counter `name` what `value` grew by since the last scrape.
    private func advance(_ name: String, _ labels: [(String, String)], to value: UInt64, help: String) {
        let key = ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{0}")
        let now = Int64(truncatingIfNeeded: value)
        let last = exported.withLockedValue { table in
            defer { table[key] = now }
            return table[key] ?? 0
        }
        let counter = labels.isEmpty ? registry.makeCounter(name: name, help: help)
            : registry.makeCounter(name: name, labels: labels, help: help)
        if now > last { counter.increment(by: now - last) }
    }
}
