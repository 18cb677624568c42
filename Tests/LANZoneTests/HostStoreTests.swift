import DNSWire
import Foundation
import Testing
@testable import LANZone

@Suite("HostStore")
struct HostStoreTests {
    let directory: TemporaryDirectory
    let store: HostStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try HostStore(path: directory.databasePath)
    }

    func printer(_ addresses: String..., name: String = "printer", source: HostSource = .static) -> HostRecord {
        HostRecord(name: name, addresses: addresses.map(ip), source: source)
    }

    @Test func aNewStoreIsEmptyWithASerialFromTheClock() throws {
        let before = UInt32(Date().timeIntervalSince1970) - 5
        let state = try store.state()
        #expect(state.generation == 1)
        #expect(state.serial >= before && state.serial <= before + 3600)
        #expect(try store.hosts().isEmpty)
        #expect(try store.host(named: "printer") == nil)
        #expect(FileManager.default.fileExists(atPath: directory.databasePath))
        #expect(store.path == directory.databasePath)
    }

    @Test func upsertCreatesAHost() throws {
        let initial = try store.state()
        #expect(try store.upsert(printer("198.51.100.20"), now: 1_700_000_000))
        let host = try #require(try store.host(named: "printer"))
        #expect(host.name == "printer")
        #expect(host.addresses == ips("198.51.100.20"))
        #expect(host.source == .static)
        #expect(host.publishesPTR)
        #expect(host.mac == nil && host.leaseEnd == nil && host.state == nil)
        #expect(host.firstSeen == 1_700_000_000)
        #expect(host.lastSeen == 1_700_000_000)
        let state = try store.state()
        #expect(state.generation == initial.generation + 1)
        #expect(SerialNumber.isNewer(state.serial, than: initial.serial))
        #expect(try store.hosts() == [host])
    }

    @Test func theSameUpsertAgainChangesNothing() throws {
        #expect(try store.upsert(printer("198.51.100.20", "2001:db8::20")))
        let state = try store.state()
        let host = try store.host(named: "printer")
        #expect(try store.upsert(printer("198.51.100.20", "2001:db8::20")) == false)
        // The same set in another order, with a duplicate, is the same host too.
        #expect(try store.upsert(printer("2001:db8::20", "198.51.100.20", "198.51.100.20")) == false)
        #expect(try store.state() == state)
        #expect(try store.host(named: "printer") == host)
    }

    @Test func changingAddressesBumpsSerialAndGeneration() throws {
        try store.upsert(printer("198.51.100.20"))
        let before = try store.state()
        #expect(try store.upsert(printer("198.51.100.21")))
        let after = try store.state()
        #expect(after.generation == before.generation + 1)
        #expect(SerialNumber.isNewer(after.serial, than: before.serial))
        #expect(try store.host(named: "printer")?.addresses == ips("198.51.100.21"))

        // Adding a second address is a change as well.
        #expect(try store.upsert(printer("198.51.100.21", "2001:db8::21")))
        let third = try store.state()
        #expect(third.generation == after.generation + 1)
        #expect(SerialNumber.isNewer(third.serial, than: after.serial))
        #expect(try store.host(named: "printer")?.addresses == ips("198.51.100.21", "2001:db8::21"))
    }

    @Test func serialFollowsTheClockWhenAheadElseCountsUp() throws {
        let initial = try store.state().serial
        // A clock in the past (or equal): +1.
        try store.upsert(printer("198.51.100.20"), now: 1000)
        #expect(try store.state().serial == initial &+ 1)
        try store.upsert(printer("198.51.100.21"), now: 1000)
        #expect(try store.state().serial == initial &+ 2)
        // A clock well ahead: the serial jumps to it.
        let ahead = Double(initial) + 100_000
        try store.upsert(printer("198.51.100.22"), now: ahead)
        #expect(try store.state().serial == UInt32(ahead))
        #expect(try store.state().generation == 4)
    }

    @Test func addressesAreStoredSortedAndUnique() throws {
        try store.upsert(printer("2001:db8::2", "198.51.100.9", "2001:db8::1", "198.51.100.10", "198.51.100.9"))
        #expect(try store.host(named: "printer")?.addresses
                == ips("198.51.100.9", "198.51.100.10", "2001:db8::1", "2001:db8::2"))
    }

    @Test func upsertWithoutAddressesIsRefused() throws {
        let state = try store.state()
        let error = zoneError { () throws(ZoneError) in try store.upsert(printer()) }
        #expect(error == .noAddresses("printer"))
        #expect(error?.description == "\"printer\" needs at least one address")
        #expect(try store.state() == state)
        #expect(try store.hosts().isEmpty)
    }

    @Test func updateKeepsFirstSeenAndMovesLastSeen() throws {
        try store.upsert(printer("198.51.100.20"), now: 1000)
        try store.upsert(printer("198.51.100.21"), now: 2000)
        let host = try #require(try store.host(named: "printer"))
        #expect(host.firstSeen == 1000)
        #expect(host.lastSeen == 2000)
    }

    @Test func learnedHostFieldsRoundTrip() throws {
        let record = HostRecord(name: "phone", addresses: ips("192.168.1.50"), source: .dhcp, mac: "aa:bb:cc:dd:ee:ff",
                                firstSeen: 100, lastSeen: 200, leaseEnd: 4000, state: "acknowledged", publishesPTR: false)
        #expect(try store.upsert(record, now: 150))
        let host = try #require(try store.host(named: "phone"))
        #expect(host == record)
        // A changed lease end alone is a change.
        var renewed = record
        renewed.leaseEnd = 8000
        #expect(try store.upsert(renewed, now: 300))
        #expect(try store.host(named: "phone")?.leaseEnd == 8000)
        #expect(try store.host(named: "phone")?.lastSeen == 300)
    }

    @Test func removeDeletesAndReportsUnknownNames() throws {
        try store.upsert(printer("198.51.100.20"))
        try store.upsert(printer("198.51.100.30", name: "scanner"))
        let before = try store.state()
        #expect(try store.remove(named: "printer"))
        let after = try store.state()
        #expect(after.generation == before.generation + 1)
        #expect(SerialNumber.isNewer(after.serial, than: before.serial))
        #expect(try store.host(named: "printer") == nil)
        #expect(try store.hosts().map(\.name) == ["scanner"])

        #expect(try store.remove(named: "printer") == false)
        #expect(try store.remove(named: "nobody") == false)
        #expect(try store.state() == after)
    }

    @Test func removeIgnoresCase() throws {
        try store.upsert(printer("198.51.100.20", name: "Printer"))
        #expect(try store.remove(named: "PRINTER"))
        #expect(try store.hosts().isEmpty)
    }

    @Test func namesAreCaseInsensitiveAndKeepTheLatestCase() throws {
        #expect(try store.upsert(printer("198.51.100.20", name: "Printer")))
        #expect(try store.host(named: "printer")?.name == "Printer")
        #expect(try store.host(named: "PRINTER")?.addresses == ips("198.51.100.20"))

        // Same addresses, new case: the same host, renamed (a change, since the name is served as written).
        #expect(try store.upsert(printer("198.51.100.20", name: "printer")))
        let hosts = try store.hosts()
        #expect(hosts.count == 1)
        #expect(hosts.first?.name == "printer")

        #expect(try store.upsert(printer("198.51.100.21", name: "PRINTER")))
        #expect(try store.hosts().map(\.name) == ["PRINTER"])
        #expect(try store.host(named: "printer")?.addresses == ips("198.51.100.21"))
    }

    @Test func hostsAreOrderedByNameIgnoringCase() throws {
        for name in ["cherry", "Banana", "apple", "_ipp._tcp", "Apricot"] {
            try store.upsert(printer("198.51.100.20", name: name))
        }
        #expect(try store.hosts().map(\.name) == ["_ipp._tcp", "apple", "Apricot", "Banana", "cherry"])
    }

    @Test func upsertAllIsOneChange() throws {
        try store.upsert(printer("198.51.100.20"))
        let before = try store.state()
        let changed = try store.upsert(all: [
            printer("198.51.100.20"),                     // unchanged
            printer("198.51.100.21", name: "laptop"),     // new
            printer("198.51.100.22", name: "scanner.lab"),  // new
        ])
        #expect(changed == 2)
        let after = try store.state()
        #expect(after.generation == before.generation + 1)
        #expect(SerialNumber.isNewer(after.serial, than: before.serial))
        #expect(try store.hosts().map(\.name) == ["laptop", "printer", "scanner.lab"])

        // Nothing new: nothing bumped.
        #expect(try store.upsert(all: [printer("198.51.100.21", name: "laptop")]) == 0)
        #expect(try store.upsert(all: []) == 0)
        #expect(try store.state() == after)
    }

    @Test func upsertAllIsAllOrNothing() throws {
        try store.upsert(printer("198.51.100.20"))
        let state = try store.state()
        let hosts = try store.hosts()
        let error = zoneError { () throws(ZoneError) in
            try store.upsert(all: [
                printer("198.51.100.99"),                  // would change the printer
                printer("198.51.100.21", name: "laptop"),  // would be new
                printer(name: "broken"),                   // no addresses: the whole batch fails
            ])
        }
        #expect(error == .noAddresses("broken"))
        #expect(try store.state() == state)
        #expect(try store.hosts() == hosts)
        #expect(try store.host(named: "laptop") == nil)
    }

    @Test func upsertAllMergesCaseVariantsOfOneName() throws {
        let changed = try store.upsert(all: [
            printer("198.51.100.20", name: "printer"),
            printer("198.51.100.20", name: "Printer"),
        ])
        #expect(changed == 2)
        #expect(try store.hosts().map(\.name) == ["Printer"])
    }

    @Test func replaceConfigHostsLeavesStaticOnesAlone() throws {
        try store.upsert(printer("198.51.100.20", name: "printer", source: .static))
        try store.upsert(printer("198.51.100.30", name: "old", source: .config))
        try store.upsert(printer("198.51.100.31", name: "Keep", source: .config))
        try store.upsert(printer("192.168.1.50", name: "phone", source: .dhcp))
        let before = try store.state()

        let changed = try store.replace(source: .config, with: [
            printer("198.51.100.31", name: "Keep", source: .config),  // unchanged
            printer("198.51.100.32", name: "new", source: .config),
        ])
        #expect(changed == 2)  // `old` removed, `new` added
        let after = try store.state()
        #expect(after.generation == before.generation + 1)
        #expect(SerialNumber.isNewer(after.serial, than: before.serial))

        let hosts = try store.hosts()
        #expect(hosts.map(\.name) == ["Keep", "new", "phone", "printer"])
        #expect(hosts.map(\.source) == [.config, .config, .dhcp, .static])
        #expect(try store.host(named: "printer")?.addresses == ips("198.51.100.20"))

        // The same list again changes nothing.
        #expect(try store.replace(source: .config, with: [
            printer("198.51.100.31", name: "Keep", source: .config),
            printer("198.51.100.32", name: "new", source: .config),
        ]) == 0)
        #expect(try store.state() == after)

        // An empty list removes every config host, and only those.
        #expect(try store.replace(source: .config, with: []) == 2)
        #expect(try store.hosts().map(\.name) == ["phone", "printer"])
        #expect(try store.state().generation == after.generation + 1)
    }

    @Test func replaceMatchesExistingConfigNamesIgnoringCase() throws {
        try store.upsert(printer("198.51.100.30", name: "NAS", source: .config))
        #expect(try store.replace(source: .config, with: [printer("198.51.100.30", name: "nas", source: .config)]) == 1)
        #expect(try store.hosts().map(\.name) == ["nas"])
    }

    /// "A name held by a host of another source is left to that host" (HostStore.replace).
    @Test func replaceLeavesANameHeldByAnotherSourceToThatHost() throws {
        try store.upsert(printer("198.51.100.20", name: "printer", source: .static))
        let before = try store.state()
        // Regression test (was a bug): replace(source:with:) upserts every record whatever source holds the name, so the
        // config entry takes the static host over (source becomes .config, addresses replaced).
        let changed = try store.replace(source: .config, with: [printer("198.51.100.99", name: "Printer", source: .config)])
        let host = try #require(try store.host(named: "printer"))
        #expect(host.source == .static)
        #expect(host.name == "printer")
        #expect(host.addresses == ips("198.51.100.20"))
        #expect(changed == 0)
        #expect(try store.state() == before)
    }

    @Test func snapshotReadsHostsAndStateTogether() throws {
        try store.upsert(printer("198.51.100.20"))
        try store.upsert(printer("198.51.100.21", "2001:db8::21", name: "Laptop-Anna"))
        let (hosts, state) = try store.snapshot()
        #expect(try hosts == store.hosts())
        #expect(try state == store.state())
        #expect(hosts.map(\.name) == ["Laptop-Anna", "printer"])

        let zone = ZoneSnapshot(config: ZoneConfig(), hosts: hosts, state: state)
        #expect(zone.serial == state.serial)
        #expect(zone.generation == state.generation)
        #expect(render(zone.answer(Question(name: "laptop-anna.lan.", type: .aaaa)))
                == "answer laptop-anna.lan. 60 AAAA 2001:db8::21")
        #expect(render(zone.answer(Question(name: "20.100.51.198.in-addr.arpa.", type: .ptr)))
                == "answer 20.100.51.198.in-addr.arpa. 60 PTR printer.lan.")
        guard case .answer(let records, _) = zone.answer(Question(name: "lan.", type: .soa)),
              case .soa(let soa)? = records.first?.data else {
            Issue.record("no SOA")
            return
        }
        #expect(soa.serial == state.serial)
    }
}

@Suite("HostStore: files and processes")
struct HostStoreFileTests {
    @Test func writesSurviveReopening() throws {
        let directory = try TemporaryDirectory()
        let state: ZoneState
        let hosts: [HostRecord]
        do {
            let store = try HostStore(path: directory.databasePath)
            try store.upsert(HostRecord(name: "printer", addresses: ips("198.51.100.20"), source: .static))
            try store.upsert(HostRecord(name: "laser", addresses: ips("198.51.100.20"), source: .static, publishesPTR: false))
            state = try store.state()
            hosts = try store.hosts()
        }
        let reopened = try HostStore(path: directory.databasePath)
        #expect(try reopened.state() == state)
        #expect(try reopened.hosts() == hosts)
        #expect(try reopened.host(named: "laser")?.publishesPTR == false)
        // Reopening runs no migration twice and does not reset the state.
        #expect(state.generation == 3)
    }

    @Test func aSecondStoreOnTheSameFileSeesTheFirstOnesWrites() throws {
        let directory = try TemporaryDirectory()
        let daemon = try HostStore(path: directory.databasePath)
        let cli = try HostStore(path: directory.databasePath)
        let seen = try daemon.state()
        #expect(try cli.state() == seen)

        #expect(try cli.upsert(HostRecord(name: "printer", addresses: ips("198.51.100.20"), source: .static)))
        let state = try daemon.state()
        #expect(state.generation == seen.generation + 1)
        #expect(SerialNumber.isNewer(state.serial, than: seen.serial))
        #expect(try daemon.host(named: "Printer")?.addresses == ips("198.51.100.20"))

        // And the other way round.
        #expect(try daemon.remove(named: "printer"))
        #expect(try cli.hosts().isEmpty)
        #expect(try cli.state().generation == seen.generation + 2)
    }

    @Test func concurrentWritersOnTwoStoresAllLand() async throws {
        let directory = try TemporaryDirectory()
        let first = try HostStore(path: directory.databasePath)
        let second = try HostStore(path: directory.databasePath)
        let start = try first.state()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<40 {
                let store = i.isMultiple(of: 2) ? first : second
                group.addTask {
                    try store.upsert(HostRecord(name: "host\(i)", addresses: [ip("198.51.100.\(i + 1)")], source: .static))
                }
            }
            for try await changed in group { #expect(changed) }
        }
        let end = try second.state()
        #expect(end.generation == start.generation + 40)
        #expect(SerialNumber.isNewer(end.serial, than: start.serial))
        #expect(try first.hosts().count == 40)
        #expect(try first.host(named: "HOST17")?.addresses == ips("198.51.100.18"))
    }

    @Test func theDirectoryIsCreated() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("var/lib/lannamed/hosts.sqlite")
        let store = try HostStore(path: path)
        #expect(try store.state().generation == 1)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aPathBelowARegularFileIsAReadableStoreError() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("not-a-directory")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let path = file + "/sub/lannamed.sqlite"
        let error = zoneError { () throws(ZoneError) in try HostStore(path: path) }
        guard case .store(let message)? = error else {
            Issue.record("expected ZoneError.store, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("cannot open \(path): "))
        #expect(message.count > "cannot open \(path): ".count, "the reason is not empty")
        #expect(error?.description == "database error: \(message)")
        #expect(!message.contains("Error Domain="), "no raw NSError dump: \(message)")
        #expect(message.contains(file), "names the path it could not create")
    }

    @Test func theStoreErrorSaysWhyTheDirectoryCannotBeMade() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("not-a-directory")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let path = file + "/sub/lannamed.sqlite"
        let error = zoneError { () throws(ZoneError) in try HostStore(path: path) }
        guard case .store(let message)? = error else {
            Issue.record("expected ZoneError.store, got \(String(describing: error))")
            return
        }
        // Regression test (was a bug): HostStore.describe(_:) prints CocoaError.localizedDescription, which on Linux is
        // "The operation could not be completed. (NSCocoaErrorDomain error 512.)", and drops the
        // underlying POSIX error ("Not a directory") that says what is wrong.
        #expect(message.lowercased().contains("not a directory"), "\(message)")
        #expect(!message.contains("NSCocoaErrorDomain"), "\(message)")
    }

    @Test func aFileThatIsNotADatabaseIsAStoreError() throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        let garbage = Data(repeating: 0x5A, count: 4096)
        #expect(FileManager.default.createFile(atPath: path, contents: garbage))
        let error = zoneError { () throws(ZoneError) in try HostStore(path: path) }
        guard case .store(let message)? = error else {
            Issue.record("expected ZoneError.store, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("cannot open \(path): "))
        #expect(message.contains("not a database"))
    }
}
