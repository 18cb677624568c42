import DNSWire

extension ZoneSnapshot {
    /// This snapshot with `changes` applied: the changed hosts' names and the PTRs of every
    /// address they had or have, the rest shared. Equal to a full build from the store at
    /// `changes.state` (the tests check it against one); nil when the change needs the full
    /// build: a name of more than one label below the zone (empty non-terminals), the server's
    /// own name, a name that cannot be read, a loopback address, or hosted zones being served
    /// (they are built with the hosts).
    public func patched(_ changes: LANChanges) -> ZoneSnapshot? {
        guard hosted == nil else { return nil }
        let origin = config.origin
        var nodes = self.nodes
        var hostCount = self.hostCount
        let current = Dictionary(changes.hosts.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { $1 })
        for name in changes.names {
            // Spelled as stored, as the full build spells it.
            let host = current[name.lowercased()]
            guard let owner = try? DomainName(parsing: host?.name ?? name, origin: origin),
                  owner.labelCount == origin.labelCount + 1, owner != config.serverName else { return nil }
            let had = nodes[owner] != nil
            if let host {
                var node = Node()
                node.add(host.addresses)
                // Under the new spelling of the name, as the full build has it.
                nodes.set(owner, to: node)
                if !had { hostCount += 1 }
            } else if had {
                nodes.set(owner, to: nil)
                hostCount -= 1
            }
        }
        nodes.foldIfLarge()

        // Each address's PTR goes to the host the full build would choose (`ptrOrder`).
        var owners: [(address: IPAddress, owner: DomainName?)] = []
        owners.reserveCapacity(changes.addresses.count)
        for address in changes.addresses {
            if address == .v4(IPv4Address(uint32: 0x7F00_0001)) || address == .v6(IPv6Address(high: 0, low: 1)) { return nil }
            var best: HostRecord?
            for host in changes.holders where host.publishesPTR && host.addresses.contains(address) {
                guard (try? host.ownerName(in: origin)) != nil else { continue }
                if let chosen = best, !Self.ptrOrder(host, chosen) { continue }
                best = host
            }
            owners.append((address, best.flatMap { try? $0.ownerName(in: origin) }))
        }
        let reverse = self.reverse.setting(owners)
        var zones = self.zones
        // A derived reverse zone (the /24 or /64 outside RFC 6303's) appears with its first PTR
        // and goes with its last, as in the full build.
        for (address, owner) in owners where !Self.reversePrefixes.contains(where: { $0.contains(address) }) {
            let apex = SpecialZones.derivedReverseZone(for: address)
            if owner != nil, zones[apex] == nil {
                zones[apex] = Self.localZone(apex, .reverse, config: config, serial: changes.state.serial)
            } else if owner == nil, zones[apex]?.kind == .reverse, !reverse.hasNeighbour(of: address) {
                zones[apex] = nil
            }
        }
        for (apex, zone) in zones {
            zones[apex] = Self.localZone(apex, zone.kind, config: config, serial: changes.state.serial)
        }
        return ZoneSnapshot(self, zones: zones, secondaries: secondaries, hosted: hosted, state: changes.state,
                            hosts: (nodes, reverse, hostCount))
    }

    /// The addresses the host `name` (relative to the LAN zone, as stored) has here: what a patch
    /// needs to know of a changed host's past.
    public func addresses(ofHost name: String) -> [IPAddress] {
        guard let owner = try? DomainName(parsing: name, origin: config.origin), let node = nodes[owner] else { return [] }
        return node.a.map(IPAddress.v4) + node.aaaa.map(IPAddress.v6)
    }
}
