import DNSWire

extension ZoneSnapshot {
    /// A plain positive answer read straight from the snapshot: the addresses of a LAN host, or
    /// the host an address's PTR names. The query path writes these without building records or
    /// keeping per-question copies (a zone of 100,000 hosts needs no 200,000 cached answers).
    public enum DirectAnswer: Sendable, Equatable {
        case a([IPv4Address])
        case aaaa([IPv6Address])
        case ptr(DomainName)
    }

    /// The direct answer to (name, type) for a lower-cased, uncompressed wire name, or nil when
    /// the question needs the full answer logic (no such data, other types, the apex, single
    /// labels, secondary zones, a LAN zone placed where reverse or other zones could overlap it).
    /// Whenever it is not nil, `answer(_:)` gives exactly these records.
    public func directAnswer(lowercasedWire name: [UInt8], type: UInt16) -> DirectAnswer? {
        guard directLookups, secondaries == nil else { return nil }
        switch type {
        case 1, 28:
            // Only names under the LAN apex are hosts; the byte comparison spares forwarded names
            // the hash probe (a node found is under the apex whatever the comparison let through).
            let origin = originWire
            guard name.count > origin.count,
                  name.withUnsafeBufferPointer({ $0.suffix(origin.count).elementsEqual(origin) }),
                  let owner = try? DomainName(wire: name), let node = nodes[owner] else { return nil }
            if type == 1 { return node.a.isEmpty ? nil : .a(node.a) }
            return node.aaaa.isEmpty ? nil : .aaaa(node.aaaa)
        case 12:
            guard let address = ReverseIndex.address(lowercasedWire: name), let target = reverse.target(of: address) else {
                return nil
            }
            return .ptr(target)
        default:
            return nil
        }
    }

    /// Whether a question for this lower-cased, uncompressed wire name is certainly not about any
    /// zone answered here: a name of two labels or more with no local or secondary apex among
    /// its suffixes (it goes to the forwarder). False when unsure (the full logic decides).
    public func isOutsideLocalZones(lowercasedWire name: [UInt8]) -> Bool {
        name.withUnsafeBufferPointer { wire -> Bool in
            var labels = NameLabels(UnsafeRawBufferPointer(wire), at: 0)
            guard let first = labels.next(), let second = labels.next() else { return false }  // the root or a single label
            func isApex(_ suffix: Int) -> Bool { apexHashes.contains(Self.apexHash(wire[suffix...])) }
            // Every suffix, the name itself first and the root last.
            if isApex(0) || isApex(first.end) || isApex(second.end) { return false }
            while let label = labels.next() {
                if isApex(label.end) { return false }
            }
            return true
        }
    }

    /// The apex hashes of local, secondary and hosted zones together.
    static func apexHashes(zones: some Collection<DomainName>, secondaries: SecondaryZones?, hosted: HostedZones?) -> Set<UInt64> {
        Set((Array(zones) + (secondaries?.apexes ?? []) + (hosted?.apexes ?? [])).map { apexHash($0.lowercasedWire) })
    }

    /// FNV-1a over lower-cased wire bytes.
    static func apexHash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
