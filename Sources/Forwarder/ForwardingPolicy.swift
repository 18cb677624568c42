import DNSWire

/// Which upstreams serve which names: conditional forwarding first (the longest matching
/// domain), then the default list, each in priority order.
public struct ForwardingPolicy: Sendable, Hashable {
    public var defaults: [Upstream]
    public var domains: [DomainName: [Upstream]]

    public init(defaults: [Upstream], domains: [DomainName: [Upstream]] = [:]) {
        self.defaults = defaults
        self.domains = domains
    }

    public var isEmpty: Bool { defaults.isEmpty && domains.isEmpty }

    public var allUpstreams: [Upstream] {
        var seen: [Upstream] = []
        for upstream in defaults + domains.keys.sorted().flatMap({ domains[$0]! }) where !seen.contains(upstream) {
            seen.append(upstream)
        }
        return seen
    }

    public func upstreams(for name: DomainName) -> [Upstream] {
        if !domains.isEmpty {
            var current = name
            while true {
                if let list = domains[current] { return list }
                if current.isRoot { break }
                current = current.parent
            }
        }
        return defaults
    }
}
