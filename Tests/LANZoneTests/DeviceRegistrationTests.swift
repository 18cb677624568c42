import DNSWire
import Foundation
import GRDB
import Testing
@testable import LANZone

/// The store's rules for devices learned from DHCP (HostStore+Devices.swift): one name, one
/// device; administrators' and protected names are never taken; renames, moves, re-leases,
/// releases, cancels, renewals, expiry.
@Suite("Device registration")
struct DeviceRegistrationTests {
    let directory: TemporaryDirectory
    let store: HostStore
    static let protected: Set<String> = ["wpad", "isatap", "localhost", "ns"]

    static let macA = MACAddress("02:4c:48:00:0a:01")!
    static let macB = MACAddress("02:4c:48:00:0b:02")!
    static let macC = MACAddress("02:4c:48:00:0c:03")!

    init() throws {
        directory = try TemporaryDirectory()
        store = try HostStore(path: directory.databasePath)
    }

    static func registration(_ name: String?, _ mac: MACAddress, _ address: String, end: Double = 2000,
                             state: LeaseState = .acknowledged, at: Double = 1000, relayed: Bool = false,
                             interface: String? = "br0") -> DeviceRegistration {
        DeviceRegistration(name: name, mac: mac, address: ip(address), leaseEnd: end, state: state, relayed: relayed,
                           interface: interface, seenAt: at)
    }

    @discardableResult
    func register(_ name: String?, _ mac: MACAddress, _ address: String, end: Double = 2000, state: LeaseState = .acknowledged,
                  at: Double = 1000, relayed: Bool = false, interface: String? = "br0") throws -> RegistrationOutcome {
        try store.register(Self.registration(name, mac, address, end: end, state: state, at: at, relayed: relayed,
                                             interface: interface),
                           protected: Self.protected)
    }

    func host(_ name: String) throws -> HostRecord? { try store.host(named: name) }

    func names() throws -> [String] { try store.hosts().map(\.name) }

    func zone() throws -> ZoneSnapshot {
        let (hosts, state) = try store.snapshot()
        return ZoneSnapshot(config: ZoneConfig(origin: "lan."), hosts: hosts, state: state)
    }

    func a(_ zone: ZoneSnapshot, _ name: String) throws -> [String]? {
        // A name that is not a valid DNS name cannot resolve: nil rather than a thrown error.
        guard let owner = try? DomainName("\(name).lan.") else { return nil }
        let answer = zone.answer(Question(name: owner, type: .a))
        guard case .answer(let records, _) = answer else { return nil }
        return records.map { record in
            if case .a(let address) = record.data { return address.description }
            return "?"
        }
    }

    func ptr(_ zone: ZoneSnapshot, _ address: String) -> String? {
        let answer = zone.answer(Question(name: ip(address).reverseName, type: .ptr))
        guard case .answer(let records, _) = answer, let first = records.first, case .ptr(let target) = first.data else {
            return nil
        }
        return target.description
    }

    // MARK: One name, one device

    @Test func newestLeaseWinsAndThePreviousHolderKeepsASuffixName() throws {
        #expect(try register("printer", Self.macA, "198.51.100.105", at: 1000) == .registered(name: "printer"))
        let outcome = try register("printer", Self.macB, "198.51.100.106", at: 1001)
        #expect(outcome == .displaced(name: "printer", previousMAC: Self.macA, previousNowAs: "printer-0a01"))
        #expect(try names() == ["printer", "printer-0a01"])
        let winner = try #require(try host("printer"))
        #expect(winner.mac == Self.macB.description)
        #expect(winner.addresses == [ip("198.51.100.106")])
        let previous = try #require(try host("printer-0a01"))
        #expect(previous.mac == Self.macA.description)
        #expect(previous.addresses == [ip("198.51.100.105")])
        #expect(previous.source == .dhcp)
        #expect(previous.note == "printer was taken by \(Self.macB)")
        // Both resolve, each with its own PTR.
        let zone = try zone()
        #expect(try a(zone, "printer") == ["198.51.100.106"])
        #expect(try a(zone, "printer-0a01") == ["198.51.100.105"])
        #expect(ptr(zone, "198.51.100.106") == "printer.lan.")
        #expect(ptr(zone, "198.51.100.105") == "printer-0a01.lan.")
    }

    /// The newcomer lets the name go: the device it displaced keeps its address and gets its
    /// name back.
    @Test func whenTheNewcomerReleasesTheOtherGetsItsNameBack() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1000)
        try register("printer", Self.macB, "198.51.100.106", at: 1001)
        let before = try store.state()
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.106"), at: 1002))
        #expect(SerialNumber.isNewer(try store.state().serial, than: before.serial))
        #expect(try names() == ["printer"])
        let previous = try #require(try host("printer"))
        #expect(previous.addresses == [ip("198.51.100.105")])
        #expect(previous.mac == Self.macA.description)
        #expect(previous.note == nil)
        let zone = try zone()
        #expect(try a(zone, "printer") == ["198.51.100.105"])
        #expect(try a(zone, "printer-0a01") == nil)
        #expect(ptr(zone, "198.51.100.105") == "printer.lan.")
    }

    /// The displaced device renews with its old name: it keeps the suffix name while the other
    /// holds the name (no swapping at every renewal).
    @Test func aDisplacedDeviceKeepsItsSuffixNameThroughRenewals() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1000)
        try register("printer", Self.macB, "198.51.100.106", at: 1001)
        try register("printer", Self.macA, "198.51.100.105", at: 1060)
        #expect(try names() == ["printer", "printer-0a01"])
        #expect(try host("printer")?.mac == Self.macB.description)
    }

    /// What the displaced device lost, and to whom, is kept apart from the note (which only
    /// shows it): the name comes back even when the note says something else.
    @Test func theNameComesBackByWhoTookItNotByTheNote() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1000)
        try register("printer", Self.macB, "198.51.100.106", at: 1001)
        #expect(try displacement("printer-0a01") == Displacement(from: "printer", by: Self.macB.description))
        try store.write { db in try db.execute(sql: "UPDATE host SET note = 'edited by hand' WHERE name = 'printer-0a01'") }
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.106"), at: 1002))
        let previous = try #require(try host("printer"))
        #expect(previous.mac == Self.macA.description)
        #expect(previous.note == nil)
        #expect(try displacement("printer") == Displacement(from: nil, by: nil))
    }

    /// A device that displaced another, lost its last address to a third (so its row went) and
    /// came back under another name gives that name to nobody when it leaves: what the first
    /// one lost was another name.
    @Test func aDisplacementIsForTheNameTakenOnly() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1000)
        try register("printer", Self.macB, "198.51.100.106", at: 1001)
        try register("other", Self.macC, "198.51.100.106", at: 1002)
        #expect(try names() == ["other", "printer-0a01"])
        try register("scanner", Self.macB, "198.51.100.107", at: 1003)
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.107"), at: 1004))
        #expect(try names() == ["other", "printer-0a01"])
        #expect(try displacement("printer-0a01") == Displacement(from: "printer", by: Self.macB.description))
        #expect(try host("printer-0a01")?.note == "printer was taken by \(Self.macB)")
    }

    /// A device renamed by hand-over (refused, renamed) forgets what it had lost.
    @Test func aRenamedDeviceForgetsWhatItLost() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1000)
        try register("printer", Self.macB, "198.51.100.106", at: 1001)
        try register("laser", Self.macA, "198.51.100.105", at: 1002)
        #expect(try displacement("laser") == Displacement(from: nil, by: nil))
        #expect(try host("laser")?.note == nil)
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.106"), at: 1003))
        #expect(try names() == ["laser"])
    }

    struct Displacement: Equatable {
        var from: String?
        var by: String?
    }

    func displacement(_ name: String) throws -> Displacement? {
        try store.read { db in
            try Row.fetchOne(db, sql: "SELECT displaced_from, displaced_by FROM host WHERE name = ?", arguments: [name])
                .map { Displacement(from: $0["displaced_from"], by: $0["displaced_by"]) }
        }
    }

    @Test func threeDevicesWantingOneName() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1)
        try register("printer", Self.macB, "198.51.100.106", at: 2)
        let third = try register("printer", Self.macC, "198.51.100.107", at: 3)
        #expect(third == .displaced(name: "printer", previousMAC: Self.macB, previousNowAs: "printer-0b02"))
        #expect(try names() == ["printer", "printer-0a01", "printer-0b02"])
        #expect(try host("printer")?.mac == Self.macC.description)
    }

    @Test func theSameDeviceAgainIsNoConflict() throws {
        try register("printer", Self.macA, "198.51.100.105", at: 1)
        #expect(try register("printer", Self.macA, "198.51.100.105", end: 3000, at: 2) == .renewed(name: "printer"))
        #expect(try names() == ["printer"])
    }

    // MARK: Names that are never taken

    @Test func aStaticHostsNameIsNeverTaken() throws {
        try store.upsert(HostRecord(name: "nas", addresses: [ip("198.51.100.4")], source: .static), now: 500)
        let outcome = try register("nas", Self.macA, "198.51.100.104")
        #expect(outcome == .refused(name: "nas", reason: "nas belongs to a static host", registeredAs: "nas-0a01"))
        let admin = try #require(try host("nas"))
        #expect(admin.source == .static)
        #expect(admin.addresses == [ip("198.51.100.4")])
        #expect(admin.mac == nil)
        let device = try #require(try host("nas-0a01"))
        #expect(device.source == .dhcp)
        #expect(device.mac == Self.macA.description)
        #expect(device.addresses == [ip("198.51.100.104")])
        #expect(device.note == "nas belongs to a static host")
        // Its renewals stay where they are and change nothing visible.
        let state = try store.state()
        let again = try register("nas", Self.macA, "198.51.100.104", end: 2500, at: 1100)
        #expect(again == .refused(name: "nas", reason: "nas belongs to a static host", registeredAs: "nas-0a01"))
        #expect(try store.state() == state)
        #expect(try names() == ["nas", "nas-0a01"])
        let zone = try zone()
        #expect(try a(zone, "nas") == ["198.51.100.4"])
        #expect(try a(zone, "nas-0a01") == ["198.51.100.104"])
    }

    @Test func aConfigHostsNameIsNeverTakenEitherWhateverTheCase() throws {
        try store.replace(source: .config, with: [HostRecord(name: "Router", addresses: [ip("198.51.100.1")], source: .config)],
                          now: 500)
        let outcome = try register("router", Self.macB, "198.51.100.120")
        #expect(outcome == .refused(name: "router", reason: "router belongs to a config host", registeredAs: "router-0b02"))
        #expect(try host("Router")?.source == .config)
        #expect(try host("router-0b02")?.addresses == [ip("198.51.100.120")])
    }

    @Test func protectedNamesAreNeverTaken() throws {
        let outcome = try register("wpad", Self.macA, "198.51.100.66")
        #expect(outcome == .refused(name: "wpad", reason: "wpad is a protected name", registeredAs: "wpad-0a01"))
        #expect(try names() == ["wpad-0a01"])
        #expect(try host("wpad-0a01")?.note == "wpad is a protected name")
        #expect(try host("wpad") == nil)
        let zone = try zone()
        #expect(try a(zone, "wpad") == nil)
        #expect(try a(zone, "wpad-0a01") == ["198.51.100.66"])
        for name in ["isatap", "localhost", "ns"] {
            guard case .refused(name, _, let registeredAs) = try register(name, Self.macB, "198.51.100.67") else {
                Issue.record("\(name) was not refused")
                continue
            }
            #expect(registeredAs == "\(name)-0b02")
        }
    }

    @Test func aSuffixNameAlreadyHeldGetsANumber() throws {
        try store.upsert(HostRecord(name: "nas", addresses: [ip("198.51.100.4")], source: .static), now: 500)
        try store.upsert(HostRecord(name: "nas-0a01", addresses: [ip("198.51.100.5")], source: .static), now: 500)
        let outcome = try register("nas", Self.macA, "198.51.100.104")
        #expect(outcome == .refused(name: "nas", reason: "nas belongs to a static host", registeredAs: "nas-0a01-2"))
    }

    @Test func aDisplacedLongNameStaysResolvable() throws {
        // Regression (found by this test, fixed in 9138a33 "NAME-XXXX stays within 63 characters"):
        // the previous holder of a 60-byte name used to become a 65-byte label that ZoneSnapshot
        // could not publish (it landed in `skipped`), so it was not reachable at all.
        let long = String(repeating: "a", count: 60)
        try register(long, Self.macA, "198.51.100.105", at: 1)
        guard case .displaced(_, _, let previousNowAs) = try register(long, Self.macB, "198.51.100.106", at: 2) else {
            Issue.record("not displaced")
            return
        }
        // The name is shortened, never the suffix.
        #expect(previousNowAs == String(repeating: "a", count: 58) + "-0a01")
        #expect(previousNowAs.utf8.count == 63)
        let zone = try zone()
        #expect(zone.skipped.isEmpty, "\(zone.skipped)")
        #expect(try a(zone, previousNowAs) == ["198.51.100.105"])
        #expect(try a(zone, long) == ["198.51.100.106"])
        #expect(ptr(zone, "198.51.100.105") == "\(previousNowAs).lan.")
    }

    @Test func aRefusedLongNameStaysResolvable() throws {
        // Regression (fixed in 9138a33): the same for a refused name; a static host holds a
        // 61-byte name, the device used to be registered as an unpublishable 66-byte label.
        let long = String(repeating: "b", count: 61)
        try store.upsert(HostRecord(name: long, addresses: [ip("198.51.100.4")], source: .static), now: 1)
        guard case .refused(_, _, let registeredAs) = try register(long, Self.macA, "198.51.100.104", at: 2) else {
            Issue.record("not refused")
            return
        }
        #expect(registeredAs == String(repeating: "b", count: 58) + "-0a01")
        let zone = try zone()
        #expect(zone.skipped.isEmpty, "\(zone.skipped)")
        #expect(try a(zone, registeredAs) == ["198.51.100.104"])
        // A numbered fallback stays within 63 too, and ends in the number.
        let other = String(repeating: "c", count: 63)
        try store.upsert(HostRecord(name: other, addresses: [ip("198.51.100.5")], source: .static), now: 1)
        try store.upsert(HostRecord(name: String(repeating: "c", count: 58) + "-0b02", addresses: [ip("198.51.100.6")],
                                    source: .static), now: 1)
        guard case .refused(_, _, let numbered) = try register(other, Self.macB, "198.51.100.105", at: 3) else {
            Issue.record("not refused")
            return
        }
        #expect(numbered.utf8.count <= 63, "\(numbered)")
        #expect(numbered.hasSuffix("-2"), "\(numbered)")
        #expect(try a(try self.zone(), numbered) == ["198.51.100.105"])
    }

    // MARK: Renames and moves

    @Test func renameKeepsTheAddressUnderTheNewNameOnly() throws {
        try register("plainhost", Self.macA, "198.51.100.100", at: 1000)
        let before = try store.state()
        let outcome = try register("renamedhost", Self.macA, "198.51.100.100", at: 1006)
        #expect(outcome == .renamed(from: "plainhost", to: "renamedhost"))
        #expect(try names() == ["renamedhost"])
        #expect(try host("renamedhost")?.addresses == [ip("198.51.100.100")])
        #expect(try host("plainhost") == nil)
        #expect(SerialNumber.isNewer(try store.state().serial, than: before.serial))
        let zone = try zone()
        #expect(try a(zone, "renamedhost") == ["198.51.100.100"])
        #expect(try a(zone, "plainhost") == nil)
        #expect(ptr(zone, "198.51.100.100") == "renamedhost.lan.")
    }

    @Test func moveKeepsTheNameOnTheNewAddressOnly() throws {
        try register("my-laptop", Self.macA, "198.51.100.101", at: 1000)
        try register("my-laptop", Self.macA, "2001:db8:100::101", at: 1000)
        let outcome = try register("my-laptop", Self.macA, "198.51.100.138", at: 1007)
        #expect(outcome == .registered(name: "my-laptop"))
        // The IPv4 address moved; the IPv6 one (another family) stays.
        #expect(try host("my-laptop")?.addresses == [ip("198.51.100.138"), ip("2001:db8:100::101")])
        let zone = try zone()
        #expect(try a(zone, "my-laptop") == ["198.51.100.138"])
        #expect(ptr(zone, "198.51.100.138") == "my-laptop.lan.")
        #expect(ptr(zone, "198.51.100.101") == nil)
        #expect(ptr(zone, "2001:db8:100::101") == "my-laptop.lan.")
    }

    @Test func anAddressReleasedToAnotherMACLeavesThePreviousDevice() throws {
        try register("alpha", Self.macA, "198.51.100.50", at: 1)
        try register("alpha", Self.macA, "2001:db8::50", at: 1)
        try register("gamma", Self.macC, "198.51.100.70", at: 1)
        try register("beta", Self.macB, "198.51.100.50", at: 2)
        // alpha keeps only its other address.
        #expect(try host("alpha")?.addresses == [ip("2001:db8::50")])
        #expect(try host("beta")?.addresses == [ip("198.51.100.50")])
        // gamma held only the address: it goes altogether.
        try register("delta", Self.macB, "198.51.100.70", at: 3)
        #expect(try host("gamma") == nil)
        #expect(try names() == ["alpha", "delta"])
        #expect(try host("delta")?.addresses == [ip("198.51.100.70")])  // beta moved (same device renamed)
        let zone = try zone()
        #expect(ptr(zone, "198.51.100.70") == "delta.lan.")
        #expect(ptr(zone, "198.51.100.50") == nil)
    }

    @Test func aStaticHostSharingTheAddressIsNotTouched() throws {
        try store.upsert(HostRecord(name: "gateway", addresses: [ip("198.51.100.1")], source: .static), now: 1)
        try register("impostor", Self.macA, "198.51.100.1", at: 2)
        #expect(try host("gateway")?.addresses == [ip("198.51.100.1")])
        #expect(try host("impostor")?.addresses == [ip("198.51.100.1")])
        // The administrator's name keeps the PTR.
        #expect(ptr(try zone(), "198.51.100.1") == "gateway.lan.")
    }

    // MARK: Unnamed devices

    @Test func noNameAndNoEarlierNameIsNotRegistered() throws {
        let state = try store.state()
        #expect(try register(nil, Self.macA, "198.51.100.30") == .unnamed)
        #expect(try store.hosts().isEmpty)
        #expect(try store.state() == state)
    }

    @Test func noNameAttachesTheAddressToTheDevicesName() throws {
        try register("dualstack", Self.macA, "198.51.100.107", at: 1)
        #expect(try register(nil, Self.macA, "2001:db8:100::1000", at: 2) == .registered(name: "dualstack"))
        #expect(try host("dualstack")?.addresses == [ip("198.51.100.107"), ip("2001:db8:100::1000")])
    }

    // MARK: Release and cancel

    @Test func releaseRemovesOnlyThatDevicesBinding() throws {
        try register("alpha", Self.macA, "198.51.100.50")
        let state = try store.state()
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.50"), at: 1100) == false)
        #expect(try store.release(mac: Self.macA, address: ip("198.51.100.51"), at: 1100) == false)
        #expect(try store.state() == state)
        #expect(try store.release(mac: Self.macA, address: ip("198.51.100.50"), at: 1100))
        #expect(try store.hosts().isEmpty)
    }

    @Test func cancelRemovesOnlyRequestedAddresses() throws {
        try register("wanted", Self.macA, "198.51.100.60", end: 4600, state: .requested, at: 1000)
        try register("held", Self.macB, "198.51.100.61", state: .acknowledged, at: 1000)
        #expect(try host("wanted")?.state == "requested")
        let outcomes = try store.apply([
            .cancel(mac: Self.macA, address: ip("198.51.100.60"), at: 1001),
            .cancel(mac: Self.macB, address: ip("198.51.100.61"), at: 1001),
        ], protected: Self.protected)
        #expect(outcomes == [
            .removal(.cancel(mac: Self.macA, address: ip("198.51.100.60"), at: 1001), removed: true),
            .removal(.cancel(mac: Self.macB, address: ip("198.51.100.61"), at: 1001), removed: false),
        ])
        #expect(try names() == ["held"])
        // The low-level form says the same.
        try register("wanted", Self.macA, "198.51.100.60", state: .requested, at: 1002)
        #expect(try store.release(mac: Self.macB, address: ip("198.51.100.61"), at: 1003, onlyRequested: true) == false)
        #expect(try store.release(mac: Self.macA, address: ip("198.51.100.60"), at: 1003, onlyRequested: true))
    }

    @Test func aRequestSeenAfterTheAckDoesNotDemote() throws {
        try register("laptop", Self.macA, "198.51.100.70", end: 1120, state: .acknowledged, at: 1000)
        try register("laptop", Self.macA, "198.51.100.70", end: 4601, state: .requested, at: 1001)
        #expect(try host("laptop")?.state == "acknowledged")
        let removed = try store.apply([.cancel(mac: Self.macA, address: ip("198.51.100.70"), at: 1002)], protected: Self.protected)
        #expect(removed == [.removal(.cancel(mac: Self.macA, address: ip("198.51.100.70"), at: 1002), removed: false)])
        #expect(try host("laptop")?.addresses == [ip("198.51.100.70")])
    }

    // MARK: Renewals, expiry

    @Test func aRenewalMovesTheLeaseEndButNotTheSerial() throws {
        try register("kuche-pi", Self.macA, "198.51.100.102", end: 1120, at: 1000)
        let state = try store.state()
        let outcome = try register("kuche-pi", Self.macA, "198.51.100.102", end: 1246, at: 1126)
        #expect(outcome == .renewed(name: "kuche-pi"))
        #expect(try store.state() == state)  // neither serial nor generation moved
        let record = try #require(try host("kuche-pi"))
        #expect(record.leaseEnd == 1246)
        #expect(record.lastSeen == 1126)
        #expect(record.firstSeen == 1000)
        #expect(try store.expired(before: 1200).isEmpty)
        // Through `apply` as well.
        let outcomes = try store.apply([.register(Self.registration("kuche-pi", Self.macA, "198.51.100.102", end: 1366, at: 1246))],
                                       protected: Self.protected)
        #expect(outcomes == [.registration(Self.registration("kuche-pi", Self.macA, "198.51.100.102", end: 1366, at: 1246),
                                           .renewed(name: "kuche-pi"))])
        #expect(try store.state() == state)
        #expect(try host("kuche-pi")?.leaseEnd == 1366)
    }

    @Test func aVisibleChangeMovesTheSerialOnce() throws {
        let initial = try store.state()
        let outcomes = try store.apply([
            .register(Self.registration("one", Self.macA, "198.51.100.1", at: 2_000_000_000)),
            .register(Self.registration("two", Self.macB, "198.51.100.2", at: 2_000_000_001)),
        ], protected: Self.protected)
        #expect(outcomes.count == 2)
        let after = try store.state()
        #expect(after.generation == initial.generation + 1)
        #expect(SerialNumber.isNewer(after.serial, than: initial.serial))
        #expect(try store.apply([], protected: Self.protected).isEmpty)
        #expect(try store.state() == after)
    }

    @Test func expiredListsAddressesPastTheirEnd() throws {
        try register("early", Self.macA, "198.51.100.10", end: 1100, at: 1000, relayed: true, interface: nil)
        try register("early", Self.macA, "2001:db8::10", end: 1300, at: 1000, relayed: true, interface: nil)
        try register("late", Self.macB, "198.51.100.11", end: 1500, at: 1000, interface: "eth1")
        try store.upsert(HostRecord(name: "static", addresses: [ip("198.51.100.12")], source: .static, leaseEnd: 10), now: 1)
        #expect(try store.expired(before: 1100).isEmpty)  // strictly before
        #expect(try store.expired(before: 1101) == [
            ExpiredLease(name: "early", mac: Self.macA, address: ip("198.51.100.10"), leaseEnd: 1100, relayed: true, interface: nil),
        ])
        #expect(try store.expired(before: 2000) == [
            ExpiredLease(name: "early", mac: Self.macA, address: ip("198.51.100.10"), leaseEnd: 1100, relayed: true, interface: nil),
            ExpiredLease(name: "early", mac: Self.macA, address: ip("2001:db8::10"), leaseEnd: 1300, relayed: true, interface: nil),
            ExpiredLease(name: "late", mac: Self.macB, address: ip("198.51.100.11"), leaseEnd: 1500, relayed: false, interface: "eth1"),
        ])
    }

    @Test func extendMovesTheEnd() throws {
        try register("late", Self.macB, "198.51.100.11", end: 1500, at: 1000, interface: "eth1")
        try register("late", Self.macB, "2001:db8::11", end: 1400, at: 1000, interface: "eth1")
        let state = try store.state()
        try store.extend(mac: Self.macB, address: ip("198.51.100.11"), until: 1900, seenAt: 1600)
        #expect(try store.expired(before: 1700) == [
            ExpiredLease(name: "late", mac: Self.macB, address: ip("2001:db8::11"), leaseEnd: 1400, relayed: false, interface: "eth1"),
        ])
        #expect(try store.expired(before: 2000).map(\.address) == [ip("2001:db8::11"), ip("198.51.100.11")])
        let record = try #require(try host("late"))
        #expect(record.leaseEnd == 1900)
        #expect(record.lastSeen == 1600)
        #expect(try store.state() == state)  // nothing DNS-visible
        // Another device's MAC extends nothing.
        try store.extend(mac: Self.macA, address: ip("2001:db8::11"), until: 5000, seenAt: 1600)
        #expect(try store.expired(before: 1700).map(\.address) == [ip("2001:db8::11")])
    }

    @Test func anExpiredLeaseReleasedLeavesNothing() throws {
        try register("gone", Self.macA, "198.51.100.20", end: 1100)
        for lease in try store.expired(before: 1200) {
            _ = try store.apply([.release(mac: lease.mac, address: lease.address, at: 1200)], protected: Self.protected)
        }
        #expect(try store.hosts().isEmpty)
        #expect(try store.expired(before: 9999).isEmpty)
    }

    // MARK: Persistence

    @Test func registrationsSurviveReopeningTheStore() throws {
        let path = directory.databasePath
        do {
            let first = try HostStore(path: path)
            try first.register(Self.registration("printer", Self.macA, "198.51.100.105", end: 1120, at: 1000), protected: Self.protected)
            try first.register(Self.registration("printer", Self.macB, "198.51.100.106", end: 1121, at: 1001), protected: Self.protected)
            try first.register(Self.registration("wpad", Self.macC, "198.51.100.107", end: 1122, state: .requested, at: 1002),
                               protected: Self.protected)
        }
        let before = try store.snapshot()
        let reopened = try HostStore(path: path)
        let after = try reopened.snapshot()
        #expect(after.hosts == before.hosts)
        #expect(after.state == before.state)
        #expect(after.hosts.map(\.name) == ["printer", "printer-0a01", "wpad-0c03"])
        let wpad = try #require(try reopened.host(named: "wpad-0c03"))
        #expect(wpad.state == "requested")
        #expect(wpad.leaseEnd == 1122)
        #expect(wpad.note == "wpad is a protected name")
        #expect(try reopened.expired(before: 1122).map(\.name) == ["printer-0a01", "printer"])
        // And the rules go on from there.
        #expect(try reopened.register(Self.registration("printer", Self.macB, "198.51.100.106", end: 1300, at: 1200),
                                      protected: Self.protected) == .renewed(name: "printer"))
    }

    // MARK: - Collapsing repeats

    @Test func aRequestFollowedByItsAckIsOneWriteThatStartsAtTheRequest() throws {
        let request = Self.registration("nas", Self.macA, "198.51.100.10", end: 1500, state: .requested, at: 1000)
        let ack = Self.registration("nas", Self.macA, "198.51.100.10", end: 5000, state: .acknowledged, at: 1001)
        let collapsed = DeviceChange.collapsingRepeats([.register(request), .register(ack)])
        #expect(collapsed.count == 1)
        guard case .register(let kept)? = collapsed.first else { Issue.record("no registration kept"); return }
        #expect(kept.state == .acknowledged)
        #expect(kept.firstSeen == 1000)
        #expect(kept.seenAt == 1001)
        try store.apply(collapsed, protected: Self.protected)
        let host = try #require(try host("nas"))
        #expect(host.firstSeen == 1000)
        #expect(host.lastSeen == 1001)
        #expect(host.leaseEnd == 5000)
        #expect(host.state == "acknowledged")
    }

    @Test func onlyTrueRepeatsCollapse() {
        let a = "198.51.100.10"
        let cases: [(String, [DeviceRegistration])] = [
            ("an ACK then a REQUEST keeps the acknowledgement",
             [Self.registration("nas", Self.macA, a, state: .acknowledged, at: 1000),
              Self.registration("nas", Self.macA, a, state: .requested, at: 1001)]),
            ("another address", [Self.registration("nas", Self.macA, a, at: 1000),
                                 Self.registration("nas", Self.macA, "198.51.100.11", at: 1001)]),
            ("another name", [Self.registration("nas", Self.macA, a, at: 1000),
                              Self.registration("nas2", Self.macA, a, at: 1001)]),
            ("another device", [Self.registration("nas", Self.macA, a, at: 1000),
                                Self.registration("nas", Self.macB, a, at: 1001)]),
            ("another interface", [Self.registration("nas", Self.macA, a, at: 1000, interface: "br0"),
                                   Self.registration("nas", Self.macA, a, at: 1001, interface: "br1")]),
            ("relayed now", [Self.registration("nas", Self.macA, a, at: 1000),
                             Self.registration("nas", Self.macA, a, at: 1001, relayed: true)]),
            ("older", [Self.registration("nas", Self.macA, a, at: 1001),
                       Self.registration("nas", Self.macA, a, at: 1000)]),
        ]
        for (why, registrations) in cases {
            #expect(DeviceChange.collapsingRepeats(registrations.map { .register($0) }).count == 2, "\(why)")
        }
        // Not adjacent: another device's change in between.
        let interleaved: [DeviceChange] = [
            .register(Self.registration("nas", Self.macA, a, state: .requested, at: 1000)),
            .register(Self.registration("nas", Self.macB, "198.51.100.12", state: .requested, at: 1000)),
            .register(Self.registration("nas", Self.macA, a, at: 1001)),
        ]
        #expect(DeviceChange.collapsingRepeats(interleaved) == interleaved)
        // A release between a registration and its repeat keeps all three.
        let released: [DeviceChange] = [
            .register(Self.registration("nas", Self.macA, a, at: 1000)),
            .release(mac: Self.macA, address: ip(a), at: 1000.5),
            .register(Self.registration("nas", Self.macA, a, at: 1001)),
        ]
        #expect(DeviceChange.collapsingRepeats(released) == released)
    }
}
