import DNSWire
import Foundation
import Testing
@testable import LANZone

/// UPDATEs of the LAN zone in the store (HostStore+HostUpdates.swift) and how they meet the
/// other sources: static and config names are never taken, an updated host beats a sniffed
/// lease of the same name, and the DHCP server's UPDATE and the sniffer's copy of one lease make
/// one host of source `update`.
@Suite("Host updates")
struct HostStoreHostUpdatesTests {
    let directory: TemporaryDirectory
    let store: HostStore
    static let protected: Set<String> = ["wpad", "isatap", "localhost", "ns"]
    static let macA = MACAddress("02:4c:48:00:0a:01")!
    static let macB = MACAddress("02:4c:48:00:0b:02")!
    static let dhcid: [UInt8] = [0x00, 0x01, 0x01] + Array(repeating: 0x5a, count: 32)

    init() throws {
        directory = try TemporaryDirectory()
        store = try HostStore(path: directory.databasePath)
    }

    func update(_ name: String, _ addresses: [String]?, dhcid: [[UInt8]]? = nil, at now: Double = 1000) throws -> HostUpdateOutcome {
        try store.applyHostUpdates([HostUpdate(name: name, addresses: addresses?.map(ip), dhcid: dhcid)],
                                   protected: Self.protected, now: now)
    }

    @discardableResult
    func sniff(_ name: String?, _ mac: MACAddress, _ address: String, at: Double = 1000) throws -> RegistrationOutcome {
        try store.register(DeviceRegistration(name: name, mac: mac, address: ip(address), leaseEnd: at + 600, state: .acknowledged,
                                              interface: "br0", seenAt: at),
                           protected: Self.protected)
    }

    @Test func anUpdateRegistersAHostAndKeepsItsDHCID() throws {
        let before = try store.state().generation
        #expect(try update("laptop", ["198.51.100.100"], dhcid: [Self.dhcid]) == .applied(visible: true))
        let host = try #require(try store.host(named: "laptop"))
        #expect(host.source == .update)
        #expect(host.addresses == [ip("198.51.100.100")])
        #expect(host.mac == nil && host.leaseEnd == nil)
        #expect(try store.dhcidRecords(named: "LAPTOP") == [Self.dhcid])
        #expect(try store.state().generation == before + 1)
        // The same addresses again: nothing DNS-visible, the serial stays.
        #expect(try update("laptop", ["198.51.100.100"]) == .applied(visible: false))
        #expect(try store.state().generation == before + 1)
        // A DHCID change alone is not served: stored, no new serial.
        #expect(try update("laptop", nil, dhcid: []) == .applied(visible: false))
        #expect(try store.dhcidRecords(named: "laptop").isEmpty)
        // No addresses left: the host goes.
        #expect(try update("laptop", []) == .applied(visible: true))
        #expect(try store.host(named: "laptop") == nil)
    }

    @Test func staticConfigAndProtectedNamesAreRefusedAndNothingIsStored() throws {
        try store.upsert(HostRecord(name: "printer", addresses: [ip("198.51.100.5")], source: .static), now: 900)
        try store.replace(source: .config, with: [HostRecord(name: "nas", addresses: [ip("198.51.100.6")], source: .config)], now: 900)
        let before = try store.state()
        #expect(try update("printer", ["198.51.100.100"], dhcid: [Self.dhcid])
            == .refused(name: "printer", reason: "printer belongs to a static host"))
        #expect(try update("nas", []) == .refused(name: "nas", reason: "nas belongs to a config host"))
        #expect(try update("wpad", ["198.51.100.100"]) == .refused(name: "wpad", reason: "wpad is a protected name"))
        // One refused name refuses the whole UPDATE: the other name is not stored either.
        let both = try store.applyHostUpdates([HostUpdate(name: "tablet", addresses: [ip("198.51.100.101")]),
                                               HostUpdate(name: "Printer", addresses: [ip("198.51.100.102")])],
                                              protected: Self.protected, now: 1000)
        #expect(both == .refused(name: "Printer", reason: "Printer belongs to a static host"))
        #expect(try store.host(named: "tablet") == nil)
        #expect(try store.host(named: "printer")?.addresses == [ip("198.51.100.5")])
        #expect(try store.dhcidRecords(named: "printer").isEmpty)
        #expect(try store.state() == before)
    }

    @Test func theUpdateAndTheSniffedLeaseOfOneDeviceAreOneHost() throws {
        // The sniffer first, then the DHCP server's UPDATE of the same lease.
        #expect(try sniff("laptop", Self.macA, "198.51.100.100") == .registered(name: "laptop"))
        #expect(try update("laptop", ["198.51.100.100"]) == .applied(visible: true))
        // The sniffer again (a renewal), and under another spelling of the name.
        #expect(try sniff("laptop", Self.macA, "198.51.100.100", at: 1300) == .heldByUpdate(name: "laptop"))
        #expect(try sniff("my-laptop", Self.macA, "198.51.100.100", at: 1400) == .heldByUpdate(name: "laptop"))
        let hosts = try store.hosts()
        #expect(hosts.map(\.name) == ["laptop"])
        #expect(hosts.first?.source == .update)
        #expect(hosts.first?.mac == Self.macA.description, "the same device keeps its MAC")
        #expect(hosts.first?.addresses == [ip("198.51.100.100")])
    }

    @Test func anUpdateTakesTheAddressFromASniffedHostOfAnotherName() throws {
        try sniff("android-1234", Self.macA, "198.51.100.100")
        #expect(try update("phone", ["198.51.100.100"]) == .applied(visible: true))
        #expect(try store.hosts().map(\.name) == ["phone"])
    }

    @Test func anUpdatedNameIsNotDisplacedByAnotherDevicesLease() throws {
        #expect(try update("laptop", ["198.51.100.100"]) == .applied(visible: true))
        let outcome = try sniff("laptop", Self.macB, "198.51.100.120")
        #expect(outcome == .refused(name: "laptop", reason: "laptop belongs to an update host", registeredAs: "laptop-0b02"))
        #expect(try store.host(named: "laptop")?.addresses == [ip("198.51.100.100")])
        #expect(try store.host(named: "laptop")?.source == .update)
        #expect(try store.host(named: "laptop-0b02")?.addresses == [ip("198.51.100.120")])
    }

    @Test func anUpdateOfASniffedNameFromAnotherDeviceTakesTheNameWithoutItsMAC() throws {
        try sniff("laptop", Self.macA, "198.51.100.100")
        #expect(try update("laptop", ["198.51.100.130"]) == .applied(visible: true))
        let host = try #require(try store.host(named: "laptop"))
        #expect(host.source == .update && host.mac == nil && host.addresses == [ip("198.51.100.130")])
    }

    @Test func administratorsBeatUpdates() throws {
        #expect(try update("scanner", ["198.51.100.100"]) == .applied(visible: true))
        // `lannamed hosts add scanner ...`: the static host replaces the updated one.
        try store.upsert(HostRecord(name: "scanner", addresses: [ip("198.51.100.7")], source: .static), now: 1100)
        #expect(try store.host(named: "scanner")?.source == .static)
        #expect(try update("scanner", ["198.51.100.100"]) == .refused(name: "scanner", reason: "scanner belongs to a static host"))
        // The config's hosts at start: they take names from updated and sniffed hosts alike.
        #expect(try update("nas", ["198.51.100.110"]) == .applied(visible: true))
        try sniff("tv", Self.macA, "198.51.100.111")
        let changed = try store.replace(source: .config, with: [
            HostRecord(name: "NAS", addresses: [ip("198.51.100.6")], source: .config),
            HostRecord(name: "tv", addresses: [ip("198.51.100.8")], source: .config),
        ], now: 1200)
        #expect(changed == 2)
        #expect(try store.host(named: "nas")?.source == .config)
        #expect(try store.host(named: "nas")?.addresses == [ip("198.51.100.6")])
        #expect(try store.host(named: "tv")?.source == .config)
        #expect(try store.host(named: "tv")?.addresses == [ip("198.51.100.8")])
    }
}
