import DNSWire
import Testing
@testable import LANZone

/// A snapshot patched from the store's change log must equal the snapshot built from every host:
/// random registrations, static hosts, removals and releases, checked after each batch.
@Suite("LAN snapshot patched from the change log")
struct ZoneSnapshotPatchTests {
    /// A fixed pseudo-random sequence (the same run every time).
    struct Sequence {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let names = ["printer", "nas", "cam", "laptop", "phone", "tv", "Printer", "desk-1"]
    /// Addresses in RFC 6303 zones, and some (198.18.0.0/15) whose /24 becomes a zone of its own.
    static let addresses = (1...6).map { "198.51.100.\($0)" }
        + ["10.0.0.7", "10.0.0.8", "2001:db8::1", "2001:db8::2", "203.0.113.9", "198.18.0.1", "198.18.0.2", "198.18.1.1"]

    func check(_ patched: ZoneSnapshot, against full: ZoneSnapshot) {
        #expect(patched.zoneApexes == full.zoneApexes)
        #expect(patched.hostCount == full.hostCount)
        #expect(patched.serial == full.serial && patched.generation == full.generation)
        for apex in full.zoneApexes {
            // The same records; their order follows the name table's, which may differ.
            let mine = patched.transferRecords(of: apex) ?? [], theirs = full.transferRecords(of: apex) ?? []
            #expect(mine.count == theirs.count && Set(mine) == Set(theirs), "\(apex)")
        }
        for text in Self.addresses {
            let question = Question(name: IPAddress(text)!.reverseName, type: .ptr)
            #expect(render(patched.answer(question)) == render(full.answer(question)), "\(text)")
        }
    }

    @Test(arguments: [1 as UInt64, 2])
    func patchesEqualTheFullBuild(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        try store.startChangeLog()
        let config = ZoneConfig(origin: "lan.")
        var random = Sequence(state: seed)
        var (hosts, state, position) = try store.snapshotWithPosition()
        var served = ZoneSnapshot(config: config, hosts: hosts, state: state)
        var patchedCount = 0, zonesChanged = 0
        for step in 0..<70 {
            for _ in 0..<(1 + random.next(4)) {
                let name = Self.names[random.next(Self.names.count)]
                let address = IPAddress(Self.addresses[random.next(Self.addresses.count)])!
                let mac = MACAddress(bytes: [2, 0, 0, 0, 0, UInt8(random.next(6))])!
                let time = Double(1_000 + step)
                switch random.next(10) {
                case 0...4:
                    _ = try store.register(DeviceRegistration(name: random.next(5) == 0 ? nil : name, mac: mac, address: address,
                                                              leaseEnd: time + 600, state: .acknowledged, seenAt: time),
                                           protected: [])
                case 5, 6:
                    try store.upsert(HostRecord(name: name, addresses: [address], source: .static, firstSeen: time,
                                                publishesPTR: random.next(4) != 0), now: time)
                case 7:
                    try store.remove(named: name, now: time)
                default:
                    _ = try store.release(mac: mac, address: address, at: time)
                }
            }
            let snapshot = served
            guard let changes = try store.lanChanges(after: position, generation: snapshot.generation, limit: 1_000,
                                                     before: { snapshot.addresses(ofHost: $0) }) else {
                Issue.record("a small change read as too large")
                return
            }
            (hosts, state, position) = try store.snapshotWithPosition()
            let full = ZoneSnapshot(config: config, hosts: hosts, state: state)
            #expect(changes.position == position)
            if let patched = served.patched(changes) {
                check(patched, against: full)
                patchedCount += 1
                if patched.zoneApexes != served.zoneApexes { zonesChanged += 1 }
                served = patched
            } else {
                served = full
            }
        }
        // Every batch takes the patch, also those that add or drop a derived reverse zone.
        #expect(patchedCount == 70, "\(patchedCount) of 70 patched")
        #expect(zonesChanged > 2, "\(zonesChanged) patches added or dropped a zone")
        print("LAN snapshot patches, seed \(seed): \(patchedCount) of 70 batches patched, \(zonesChanged) changed the zones")
    }

    @Test func aLargeChangeAsksForTheFullBuild() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        #expect(try store.lanChanges(after: 0, generation: 1, limit: 10, before: { _ in [] }) == nil, "no log yet")
        try store.startChangeLog()
        let (_, start, position) = try store.snapshotWithPosition()
        try store.upsert(all: (0..<50).map { HostRecord(name: "h\($0)", addresses: [ip("198.51.100.\($0 + 1)")], source: .static) })
        #expect(try store.lanChanges(after: position, generation: start.generation, limit: 20, before: { _ in [] }) == nil)
        let changes = try #require(try store.lanChanges(after: position, generation: start.generation, limit: 100, before: { _ in [] }))
        #expect(changes.names.count == 50 && changes.hosts.count == 50 && changes.holders.count == 50)
        // Nothing since: an empty change at the same position.
        let none = try #require(try store.lanChanges(after: changes.position, generation: changes.state.generation, limit: 10,
                                                     before: { _ in [] }))
        #expect(none.names.isEmpty && none.position == changes.position)
        try store.pruneChangeLog(through: changes.position)
        #expect(try store.lanChanges(after: changes.position, generation: changes.state.generation, limit: 10,
                                     before: { _ in [] })?.names.isEmpty == true)
        // Later changes still come after the position pruned to.
        try store.remove(named: "h7")
        #expect(try store.lanChanges(after: changes.position, generation: changes.state.generation, limit: 10,
                                     before: { _ in [] })?.names == ["h7"])
        // A generation given by another connection (the CLI) is not in the log: build instead.
        let other = try HostStore(path: directory.databasePath)
        try other.remove(named: "h8")
        #expect(try store.lanChanges(after: changes.position, generation: changes.state.generation, limit: 10,
                                     before: { _ in [] }) == nil)
    }
}

extension HostStore {
    /// The changes `readLANChanges` found, nil when it found none to patch with.
    func lanChanges(after position: Int64, generation: Int64, limit: Int,
                    before: (String) -> [IPAddress]) throws(ZoneError) -> LANChanges? {
        guard case .changes(let changes) = try readLANChanges(after: position, generation: generation, limit: limit, before: before)
        else { return nil }
        return changes
    }
}
