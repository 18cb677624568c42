import DNSWire

/// The names of a zone (a `TransferredZone`, the LAN zone of a `ZoneSnapshot`): a large table
/// shared by every version of the zone, and a small overlay of the names added or changed since
/// it was built.
///
/// A dynamic update or a DHCP lease changes a few names of a zone of 100,000. Copying one
/// dictionary of all of them per change (and releasing the old copy) cost milliseconds; here a
/// patch copies only the overlay, and the overlay is folded into a new base once it holds about
/// √n names, so a change costs O(√n) amortised and a lookup one extra probe of a small table
/// (none when it is empty).
struct NodeTable<Node: Sendable>: Sendable, Sequence {
    private(set) var base: [DomainName: Node]
    /// Names added or changed since `base`; nil for a name removed.
    private(set) var overlay: [DomainName: Node?] = [:]
    private(set) var count: Int

    init(_ base: [DomainName: Node]) {
        self.base = base
        count = base.count
    }

    /// The node at `name`, as last changed.
    subscript(name: DomainName) -> Node? {
        if !overlay.isEmpty, let changed = overlay[name] { return changed }
        return base[name]
    }

    /// The table's own copy of `name` (records share it, so each name is stored once).
    func storedName(_ name: DomainName) -> DomainName? {
        if let index = base.index(forKey: name) { return base.keys[index] }
        return overlay.index(forKey: name).map { overlay.keys[$0] }
    }

    /// Sets (or, with nil, removes) the node of a name; the name keeps the spelling given here.
    mutating func set(_ name: DomainName, to node: Node?) {
        let had = self[name] != nil
        count += (node != nil ? 1 : 0) - (had ? 1 : 0)
        overlay.removeValue(forKey: name)
        overlay[name] = .some(node)
    }

    /// Folds the overlay into a new base once it has grown to about the square root of the table
    /// (at least 64): the fold copies every name, so doing it that seldom keeps both the overlay
    /// copied by each patch and the fold's share of each change small.
    mutating func foldIfLarge() {
        let limit = Swift.max(64, Int(Double(base.count).squareRoot()))
        guard overlay.count > limit else { return }
        var merged = base
        for (name, node) in overlay {
            merged.removeValue(forKey: name)
            if let node { merged[name] = node }
        }
        base = merged
        overlay = [:]
    }

    func makeIterator() -> Iterator {
        Iterator(base: base.makeIterator(), added: overlay.makeIterator(), table: self)
    }

    /// The base's names as changed (removed ones skipped), then the names only the overlay has.
    struct Iterator: IteratorProtocol {
        var base: Dictionary<DomainName, Node>.Iterator
        var added: Dictionary<DomainName, Node?>.Iterator
        let table: NodeTable

        mutating func next() -> (key: DomainName, value: Node)? {
            while let entry = base.next() {
                guard !table.overlay.isEmpty, let index = table.overlay.index(forKey: entry.key) else { return entry }
                // Changed: the overlay's node, under its spelling.
                if let changed = table.overlay.values[index] { return (table.overlay.keys[index], changed) }
            }
            while let entry = added.next() {
                if let node = entry.value, table.base[entry.key] == nil { return (entry.key, node) }
            }
            return nil
        }
    }
}
