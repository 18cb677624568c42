import DNSWire

/// The names of a `TransferredZone`: a large table shared by every version of the zone, and a
/// small overlay of the nodes changed since it was built.
///
/// A dynamic update changes a few names of a zone of 100,000. Copying one dictionary of all of
/// them per update (and releasing the old copy) cost milliseconds; here a patch copies only the
/// overlay, and the overlay is folded into a new base once it holds about √n names, so an update
/// costs O(√n) amortised and a lookup one extra probe of a small table (none when it is empty).
/// Names are only ever changed, never added or removed, through the overlay (a new or vanished
/// name rebuilds the zone).
struct NodeTable: Sendable, Sequence {
    typealias Node = TransferredZone.Node

    private(set) var base: [DomainName: Node]
    private(set) var overlay: [DomainName: Node] = [:]

    init(_ base: [DomainName: Node]) {
        self.base = base
    }

    /// The node at `name`, as last changed.
    subscript(name: DomainName) -> Node? {
        if !overlay.isEmpty, let changed = overlay[name] { return changed }
        return base[name]
    }

    /// Number of names (owners and empty non-terminals).
    var count: Int { base.count }

    /// The table's own copy of `name` (records share it, so each name is stored once).
    func storedName(_ name: DomainName) -> DomainName? {
        base.index(forKey: name).map { base.keys[$0] }
    }

    /// Replaces the node of a name the table holds; a name it does not hold is ignored.
    mutating func update(_ name: DomainName, to node: Node) {
        guard base[name] != nil else { return }
        overlay[name] = node
    }

    /// Folds the overlay into a new base once it has grown to about the square root of the table
    /// (at least 64): the fold copies every name, so doing it that seldom keeps both the overlay
    /// copied by each patch and the fold's share of each change small.
    mutating func foldIfLarge() {
        let limit = Swift.max(64, Int(Double(base.count).squareRoot()))
        guard overlay.count > limit else { return }
        var merged = base
        for (name, node) in overlay { merged[name] = node }
        base = merged
        overlay = [:]
    }

    func makeIterator() -> Iterator {
        Iterator(base: base.makeIterator(), overlay: overlay)
    }

    struct Iterator: IteratorProtocol {
        var base: Dictionary<DomainName, Node>.Iterator
        let overlay: [DomainName: Node]

        mutating func next() -> (key: DomainName, value: Node)? {
            guard let entry = base.next() else { return nil }
            if !overlay.isEmpty, let changed = overlay[entry.key] { return (entry.key, changed) }
            return entry
        }
    }
}
