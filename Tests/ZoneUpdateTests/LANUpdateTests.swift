import DNSWire
import Foundation
import LANZone
import Logging
import NIOPosix
import Testing
import Timekeeping
import ZoneTransfer
@testable import ZoneUpdate

/// UPDATEs of the LAN zone exactly as Kea's DHCP-DDNS sends them (RFC 4703 conflict resolution),
/// through `UpdateService` with a real store: signed, checked against the snapshot and the stored
/// DHCIDs, stored as hosts of source `update`; PTR changes in the reverse zones answered, not
/// stored; an administrator's host refused.
@Suite final class LANUpdateTests {
    static let zone = ZoneConfig(origin: "lan.", serverAddresses: [IPAddress("198.51.100.1")!])
    static let key = TSIGKey(name: "kea-ddns.", secret: Array(repeating: 7, count: 32))
    static let clientID: [UInt8] = [0x00, 0x01, 0x01] + Array(repeating: 0x11, count: 32)
    static let otherID: [UInt8] = [0x00, 0x01, 0x01] + Array(repeating: 0x22, count: 32)
    static let laptop: DomainName = "laptop.lan."

    let directory: URL
    let store: HostStore
    let service: UpdateService
    let clock = ManualClock()
    let pool = NIOThreadPool(numberOfThreads: 1)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lan-update-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try HostStore(path: directory.appendingPathComponent("lannamed.sqlite").path)
        self.store = store
        let zone = Self.zone
        let clock = clock
        service = UpdateService(
            snapshot: {
                let (hosts, state) = (try? store.snapshot(ordered: false)) ?? ([], ZoneState(serial: 1, generation: 0))
                return ZoneSnapshot(config: zone, hosts: hosts, state: state)
            },
            keys: { $0 == Self.key.name ? UpdateKey(key: Self.key, policy: UpdatePolicy(zone: zone.origin)) : nil },
            fixed: { _ in [] },
            apply: { _, _ in Issue.record("no hosted zone here") },
            lan: LANUpdates(store: store, zone: zone, protected: ["ns", "wpad"], now: { clock.now }, publish: {}),
            clock: clock.clock, pool: pool, logger: Logger(label: "test"))
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    static func rr(_ name: DomainName, _ type: RecordType, _ klass: RecordClass, ttl: UInt32 = 0, _ data: RecordData? = nil) -> UpdateRecord {
        UpdateRecord(name: name, type: type, recordClass: klass, ttl: ttl, data: data)
    }

    static func a(_ text: String) -> RecordData {
        guard case .v4(let v4)? = IPAddress(text) else { preconditionFailure("bad IPv4 literal \(text)") }
        return .a(v4)
    }

    static func dhcid(_ bytes: [UInt8]) -> RecordData { .unknown(.dhcid, bytes) }

    /// Sends one signed UPDATE; the answer's RCODE.
    func send(_ prerequisites: [UpdateRecord], _ updates: [UpdateRecord], zone: DomainName = "lan.",
              key: TSIGKey = LANUpdateTests.key) throws -> ResponseCode {
        let request = UpdateRequest(id: 7, zone: zone, prerequisites: prerequisites, updates: updates)
        let signed = try TSIG.sign(request.serialize(), key: key, now: UInt64(clock.now))
        let reply = try #require(service.answer(signed.bytes, from: nil))
        return try Message(bytes: reply).rcode
    }

    /// Kea's first attempt: the name must be unused; its address and the client's DHCID.
    func keaAdd(_ address: String, id: [UInt8]) throws -> ResponseCode {
        try send([Self.rr(Self.laptop, .any, .none)],
                 [Self.rr(Self.laptop, .a, .in, ttl: 300, Self.a(address)),
                  Self.rr(Self.laptop, .dhcid, .in, ttl: 300, Self.dhcid(id))])
    }

    /// Kea's second attempt: the name must carry this client's DHCID; the address is replaced.
    func keaReplace(_ address: String, id: [UInt8]) throws -> ResponseCode {
        try send([Self.rr(Self.laptop, .dhcid, .in, Self.dhcid(id))],
                 [Self.rr(Self.laptop, .a, .any),
                  Self.rr(Self.laptop, .a, .in, ttl: 300, Self.a(address))])
    }

    @Test func keaAddsThenRetriesThenRemoves() throws {
        #expect(try keaAdd("198.51.100.100", id: Self.clientID) == .noError)
        let host = try #require(try store.host(named: "laptop"))
        #expect(host.source == .update && host.addresses == [IPAddress("198.51.100.100")!])
        #expect(try store.dhcidRecords(named: "laptop") == [Self.clientID])

        // The name is in use now: the first form fails, and the retry form only for this client.
        #expect(try keaAdd("198.51.100.101", id: Self.clientID) == .yxDomain)
        #expect(try keaReplace("198.51.100.101", id: Self.otherID) == .nxRRset)
        #expect(try store.host(named: "laptop")?.addresses == [IPAddress("198.51.100.100")!])
        #expect(try keaReplace("198.51.100.101", id: Self.clientID) == .noError)
        #expect(try store.host(named: "laptop")?.addresses == [IPAddress("198.51.100.101")!])

        // The reverse half goes to the reverse zone: answered NOERROR, the PTR follows the A.
        let ptrName: DomainName = "101.100.51.198.in-addr.arpa."
        let generation = try store.state().generation
        #expect(try send([], [Self.rr(ptrName, .ptr, .any), Self.rr(ptrName, .dhcid, .any),
                              Self.rr(ptrName, .ptr, .in, ttl: 300, .ptr(Self.laptop)),
                              Self.rr(ptrName, .dhcid, .in, ttl: 300, Self.dhcid(Self.clientID))],
                         zone: "100.51.198.in-addr.arpa.") == .noError)
        #expect(try store.state().generation == generation)
        // Even a reverse zone no host's address lies in yet.
        #expect(try send([], [Self.rr("9.113.0.203.in-addr.arpa.", .ptr, .in, ttl: 300, .ptr(Self.laptop))],
                         zone: "113.0.203.in-addr.arpa.") == .noError)

        // Kea's removal: the addresses while the DHCID is this client's, then the DHCID once no
        // address is left.
        #expect(try send([Self.rr(Self.laptop, .dhcid, .in, Self.dhcid(Self.clientID))],
                         [Self.rr(Self.laptop, .a, .none, Self.a("198.51.100.101"))]) == .noError)
        #expect(try store.host(named: "laptop") == nil)
        #expect(try send([Self.rr(Self.laptop, .dhcid, .in, Self.dhcid(Self.clientID)),
                          Self.rr(Self.laptop, .a, .none), Self.rr(Self.laptop, .aaaa, .none)],
                         [Self.rr(Self.laptop, .any, .any)]) == .noError)
        #expect(try store.dhcidRecords(named: "laptop").isEmpty)
        // The name is free again: a new client's first form works.
        #expect(try keaAdd("198.51.100.102", id: Self.otherID) == .noError)
    }

    /// The sniffer saw the lease first (Kea answers the client before D2 updates): its host
    /// must not make Kea's conflict resolution fail; the UPDATE makes it one host, source update.
    @Test func aSniffedCopyOfTheLeaseDoesNotBlockKea() throws {
        let mac = MACAddress("02:4c:4e:00:00:31")!
        try store.register(DeviceRegistration(name: "laptop", mac: mac, address: IPAddress("198.51.100.100")!, leaseEnd: 2000,
                                              state: .acknowledged, seenAt: 1000), protected: [])
        #expect(try keaAdd("198.51.100.100", id: Self.clientID) == .noError)
        let hosts = try store.hosts()
        #expect(hosts.map(\.name) == ["laptop"])
        #expect(hosts.first?.source == .update && hosts.first?.mac == mac.description)
        // But a static host's name is in use: Kea's first form fails, and its retry too.
        try store.upsert(HostRecord(name: "printer", addresses: [IPAddress("198.51.100.5")!], source: .static))
        #expect(try send([Self.rr("printer.lan.", .any, .none)], [Self.rr("printer.lan.", .a, .in, ttl: 300, Self.a("198.51.100.9"))])
            == .yxDomain)
    }

    @Test func anAdministratorsHostIsRefused() throws {
        try store.upsert(HostRecord(name: "printer", addresses: [IPAddress("198.51.100.5")!], source: .static))
        let printer: DomainName = "printer.lan."
        #expect(try send([], [Self.rr(printer, .a, .any), Self.rr(printer, .a, .in, ttl: 300, Self.a("198.51.100.66"))]) == .refused)
        #expect(try send([], [Self.rr(printer, .a, .none, Self.a("198.51.100.5"))]) == .refused)
        #expect(try store.host(named: "printer")?.addresses == [IPAddress("198.51.100.5")!])
        #expect(try store.host(named: "printer")?.source == .static)
        // The server's own name and the apex are not hosts an UPDATE may make.
        #expect(try send([], [Self.rr("ns.lan.", .a, .in, ttl: 300, Self.a("198.51.100.66"))]) == .refused)
        #expect(try send([], [Self.rr("lan.", .a, .in, ttl: 300, Self.a("198.51.100.66"))]) == .refused)
    }

    @Test func onlyAddressesAndDHCIDsMayBeAdded() throws {
        #expect(try send([], [Self.rr(Self.laptop, .txt, .in, ttl: 300, .txt([Array("x".utf8)]))]) == .refused)
        #expect(try send([], [Self.rr("laptop.example.net.", .a, .in, ttl: 300, Self.a("198.51.100.66"))]) == .notZone)
        #expect(try store.hosts().isEmpty)
    }

    @Test func aLANKeyIsForTheLANAndReverseZonesOnly() throws {
        #expect(try send([], [Self.rr("shop.dyn.example.net.", .a, .in, ttl: 300, Self.a("198.51.100.66"))],
                         zone: "dyn.example.net.") == .refused)
        let hosted = TSIGKey(name: "router.", secret: Array(repeating: 9, count: 32))
        // An unknown key: NOTAUTH (RFC 8945 sec. 5.2).
        #expect(try send([], [Self.rr(Self.laptop, .a, .in, ttl: 300, Self.a("198.51.100.66"))], key: hosted) == .notAuth)
        #expect(try store.hosts().isEmpty)
    }
}
