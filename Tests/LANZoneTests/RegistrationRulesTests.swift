import DNSWire
import Testing
@testable import LANZone

/// The naming rules alone (RegistrationRules.swift), without SQLite: a table of given rows and
/// the actions and outcome expected from them. The same rules through the store are in
/// DeviceRegistrationTests.
@Suite("Registration rules")
struct RegistrationRulesTests {
    typealias Rules = RegistrationRules
    typealias Rows = RegistrationRules.Rows
    typealias Names = RegistrationRules.Names
    typealias Holder = RegistrationRules.Holder
    typealias Device = RegistrationRules.Device
    typealias Binding = RegistrationRules.Binding

    static let macA = MACAddress("02:4c:48:00:0a:01")!
    static let macB = MACAddress("02:4c:48:00:0b:02")!
    static let protected: Set<String> = ["wpad", "isatap", "localhost", "ns"]

    struct Case: Sendable, CustomTestStringConvertible {
        var why: String
        var registration: DeviceRegistration
        var rows: Rows
        var expected: Rules.Step
        var testDescription: String { why }
    }

    static func register(_ name: String?, _ mac: MACAddress = macB, _ address: String = "198.51.100.106",
                         end: Double = 2000, state: LeaseState = .acknowledged, at: Double = 1000) -> DeviceRegistration {
        DeviceRegistration(name: name, mac: mac, address: ip(address), leaseEnd: end, state: state, interface: "br0", seenAt: at)
    }

    static func dhcp(_ id: Int64, _ mac: MACAddress) -> Holder { Holder(id: id, source: .dhcp, mac: mac) }

    static func acked(_ address: String, end: Double = 2000) -> Binding { Binding(ip(address), state: .acknowledged, leaseEnd: end) }

    static func decided(_ outcome: RegistrationOutcome, _ actions: [Rules.Action]) -> Rules.Step {
        .decided(Rules.Decision(actions: actions, outcome: outcome))
    }

    /// The summary row of a device seen at 1000 on br0, not relayed.
    static func summary(note: String? = nil, end: Double = 2000, state: LeaseState = .acknowledged) -> Rules.Action {
        .updateDevice(seenAt: 1000, relayed: false, interface: "br0", note: note, leaseEnd: end, state: state)
    }

    static let address = ip("198.51.100.106")

    static let cases: [Case] = [
        Case(why: "a new device, the name free",
             registration: register("printer"),
             rows: Rows(device: nil, names: Names(free: ["printer"])),
             expected: decided(.registered(name: "printer"), [
                .insertDevice(name: "printer", note: nil),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "a new device, nothing known of the name: ask",
             registration: register("printer"),
             rows: Rows(device: nil),
             expected: .needs(Rules.Lookups(holders: ["printer"]))),
        Case(why: "a renewal changes nothing visible",
             registration: register("printer", end: 2500),
             rows: Rows(device: Device(id: 2, name: "printer", addresses: [acked("198.51.100.106")])),
             expected: decided(.renewed(name: "printer"), [
                .updateBinding(address, leaseEnd: 2500, state: .acknowledged),
                summary(end: 2500),
             ])),
        Case(why: "the newest lease wins: the holder goes to NAME-XXXX",
             registration: register("printer"),
             rows: Rows(device: nil, names: Names(held: ["printer": dhcp(1, macA)], free: ["printer-0a01"])),
             expected: decided(.displaced(name: "printer", previousMAC: macA, previousNowAs: "printer-0a01"), [
                .displace(host: 1, to: "printer-0a01", .init("printer", by: macB)),
                .insertDevice(name: "printer", note: nil),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "the name held case-insensitively is held",
             registration: register("PRINTER"),
             rows: Rows(device: nil, names: Names(held: ["printer": dhcp(1, macA)], free: ["PRINTER-0a01"])),
             expected: decided(.displaced(name: "PRINTER", previousMAC: macA, previousNowAs: "PRINTER-0a01"), [
                .displace(host: 1, to: "PRINTER-0a01", .init("PRINTER", by: macB)),
                .insertDevice(name: "PRINTER", note: nil),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "the holder's NAME-XXXX unknown: ask for it",
             registration: register("printer"),
             rows: Rows(device: nil, names: Names(held: ["printer": dhcp(1, macA)])),
             expected: .needs(Rules.Lookups(holders: ["printer-0a01"]))),
        Case(why: "a displaced device keeps its NAME-XXXX while the name is held",
             registration: register("printer", macA, "198.51.100.105", end: 2100),
             rows: Rows(device: Device(id: 1, name: "printer-0a01", displaced: .init("printer", by: macB),
                                       addresses: [acked("198.51.100.105")]),
                        names: Names(held: ["printer": dhcp(2, macB)])),
             expected: decided(.renewed(name: "printer-0a01"), [
                .updateBinding(ip("198.51.100.105"), leaseEnd: 2100, state: .acknowledged),
                summary(end: 2100),
             ])),
        Case(why: "a displaced device whose name is free again takes it back",
             registration: register("printer", macA, "198.51.100.105", end: 2100),
             rows: Rows(device: Device(id: 1, name: "printer-0a01", displaced: .init("printer", by: macB),
                                       addresses: [acked("198.51.100.105")]),
                        names: Names(free: ["printer"]), displaced: ["printer-0a01": nil]),
             expected: decided(.renamed(from: "printer-0a01", to: "printer"), [
                .renameDevice(to: "printer", note: nil),
                .updateBinding(ip("198.51.100.105"), leaseEnd: 2100, state: .acknowledged),
                summary(end: 2100),
             ])),
        Case(why: "a displacement remembered for another name keeps nothing",
             registration: register("scanner", macA, "198.51.100.105", end: 2100),
             rows: Rows(device: Device(id: 1, name: "printer-0a01", displaced: .init("printer", by: macB),
                                       addresses: [acked("198.51.100.105")]),
                        names: Names(held: ["printer": dhcp(2, macB)], free: ["scanner"]), displaced: ["printer-0a01": nil]),
             expected: decided(.renamed(from: "printer-0a01", to: "scanner"), [
                .renameDevice(to: "scanner", note: nil),
                .updateBinding(ip("198.51.100.105"), leaseEnd: 2100, state: .acknowledged),
                summary(end: 2100),
             ])),
        Case(why: "a static host's name is refused: NAME-XXXX",
             registration: register("nas"),
             rows: Rows(device: nil, names: Names(held: ["nas": Holder(id: 7, source: .static)], free: ["nas-0b02"])),
             expected: decided(.refused(name: "nas", reason: "nas belongs to a static host", registeredAs: "nas-0b02"), [
                .insertDevice(name: "nas-0b02", note: "nas belongs to a static host"),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "NAME-XXXX held too: NAME-XXXX-2",
             registration: register("nas"),
             rows: Rows(device: nil, names: Names(held: ["nas": Holder(id: 7, source: .config),
                                                         "nas-0b02": Holder(id: 8, source: .static)],
                                                  free: ["nas-0b02-2"])),
             expected: decided(.refused(name: "nas", reason: "nas belongs to a config host", registeredAs: "nas-0b02-2"), [
                .insertDevice(name: "nas-0b02-2", note: "nas belongs to a config host"),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "a protected name is refused without looking at its holder",
             registration: register("WPAD"),
             rows: Rows(device: nil, names: Names(free: ["WPAD-0b02"])),
             expected: decided(.refused(name: "WPAD", reason: "WPAD is a protected name", registeredAs: "WPAD-0b02"), [
                .insertDevice(name: "WPAD-0b02", note: "WPAD is a protected name"),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "a rename gives the old name back to the device it had displaced",
             registration: register("scanner"),
             rows: Rows(device: Device(id: 2, name: "printer", addresses: [acked("198.51.100.106")]),
                        names: Names(free: ["scanner"]), displaced: ["printer": 1]),
             expected: decided(.renamed(from: "printer", to: "scanner"), [
                .renameDevice(to: "scanner", note: nil),
                .restore(host: 1, name: "printer"),
                .updateBinding(address, leaseEnd: 2000, state: .acknowledged),
                summary(),
             ])),
        Case(why: "a rename, nothing known of whom the old name was taken from: ask",
             registration: register("scanner"),
             rows: Rows(device: Device(id: 2, name: "printer"), names: Names(free: ["scanner"])),
             expected: .needs(Rules.Lookups(displaced: ["printer"]))),
        Case(why: "a rename in case only frees no name",
             registration: register("printer"),
             rows: Rows(device: Device(id: 2, name: "Printer", addresses: [acked("198.51.100.106")])),
             expected: decided(.renamed(from: "Printer", to: "printer"), [
                .renameDevice(to: "printer", note: nil),
                .updateBinding(address, leaseEnd: 2000, state: .acknowledged),
                summary(),
             ])),
        Case(why: "no name and no earlier name: nothing",
             registration: register(nil),
             rows: Rows(device: nil),
             expected: decided(.unnamed, [])),
        Case(why: "no name: the address joins the device's name",
             registration: register(nil, macB, "2001:db8::6", end: 1800),
             rows: Rows(device: Device(id: 2, name: "dualstack", addresses: [acked("198.51.100.106")])),
             expected: decided(.registered(name: "dualstack"), [
                .addBinding(ip("2001:db8::6"), leaseEnd: 1800, state: .acknowledged),
                summary(end: 2000),
             ])),
        Case(why: "a move drops the old address of the family only",
             registration: register("laptop", macB, "198.51.100.138", end: 1500),
             rows: Rows(device: Device(id: 2, name: "laptop",
                                       addresses: [acked("198.51.100.101"), acked("2001:db8::101", end: 1900)])),
             expected: decided(.registered(name: "laptop"), [
                .deleteDeviceBinding(ip("198.51.100.101")),
                .addBinding(ip("198.51.100.138"), leaseEnd: 1500, state: .acknowledged),
                summary(end: 1900),
             ])),
        Case(why: "an address taken over leaves its other holders; one that held nothing else goes",
             registration: register("beta"),
             rows: Rows(device: nil, addressHolders: [.init(id: 5, addressCount: 1), .init(id: 6, addressCount: 2)],
                        names: Names(free: ["beta"])),
             expected: decided(.registered(name: "beta"), [
                .insertDevice(name: "beta", note: nil),
                .deleteBinding(host: 5, address: address),
                .deleteHost(5),
                .deleteBinding(host: 6, address: address),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "a REQUEST after the ACK does not demote",
             registration: register("laptop", state: .requested),
             rows: Rows(device: Device(id: 2, name: "laptop", addresses: [acked("198.51.100.106")])),
             expected: decided(.renewed(name: "laptop"), [
                .updateBinding(address, leaseEnd: 2000, state: .acknowledged),
                summary(),
             ])),
        Case(why: "a lease whose address an UPDATE registered is that host's: nothing to do",
             registration: register("laptop"),
             rows: Rows(device: nil, updatedHolder: "laptop"),
             expected: decided(.heldByUpdate(name: "laptop"), [])),
        Case(why: "the same under another name the sniffer read: still one host",
             registration: register("my-laptop"),
             rows: Rows(device: nil, names: Names(free: ["my-laptop"]), updatedHolder: "laptop"),
             expected: decided(.heldByUpdate(name: "laptop"), [])),
        Case(why: "an updated host's name is not taken by another device: NAME-XXXX",
             registration: register("laptop"),
             rows: Rows(device: nil, names: Names(held: ["laptop": Holder(id: 9, source: .update)], free: ["laptop-0b02"])),
             expected: decided(.refused(name: "laptop", reason: "laptop belongs to an update host", registeredAs: "laptop-0b02"), [
                .insertDevice(name: "laptop-0b02", note: "laptop belongs to an update host"),
                .addBinding(address, leaseEnd: 2000, state: .acknowledged),
             ])),
        Case(why: "a new device only requested",
             registration: register("phone", state: .requested),
             rows: Rows(device: nil, names: Names(free: ["phone"])),
             expected: decided(.registered(name: "phone"), [
                .insertDevice(name: "phone", note: nil),
                .addBinding(address, leaseEnd: 2000, state: .requested),
             ])),
    ]

    @Test(arguments: cases)
    func rule(_ row: Case) {
        #expect(Rules(row.registration, protected: Self.protected).decide(row.rows) == row.expected)
    }

    struct ClaimCase: Sendable, CustomTestStringConvertible {
        var why: String
        var name: String
        var holder: Holder?
        var sharesAddress: Bool
        var expected: UpdateClaim
        var testDescription: String { why }
    }

    /// An UPDATE's claim on a name: static/config > UPDATE > DHCP sniffing.
    static let claims: [ClaimCase] = [
        ClaimCase(why: "a free name: a new host", name: "laptop", holder: nil, sharesAddress: false, expected: .insert),
        ClaimCase(why: "a static host: refused", name: "printer", holder: Holder(id: 1, source: .static), sharesAddress: true,
                  expected: .refuse("printer belongs to a static host")),
        ClaimCase(why: "a config host: refused", name: "nas", holder: Holder(id: 2, source: .config), sharesAddress: false,
                  expected: .refuse("nas belongs to a config host")),
        ClaimCase(why: "a protected name, whatever the case: refused", name: "WPAD", holder: nil, sharesAddress: false,
                  expected: .refuse("WPAD is a protected name")),
        ClaimCase(why: "the apex: refused", name: "@", holder: nil, sharesAddress: false,
                  expected: .refuse("the zone's apex is not a host")),
        ClaimCase(why: "an earlier UPDATE's host: replaced", name: "laptop", holder: Holder(id: 3, source: .update),
                  sharesAddress: false, expected: .replace(host: 3)),
        ClaimCase(why: "the sniffed copy of the same lease: adopted with its MAC", name: "laptop", holder: dhcp(4, macA),
                  sharesAddress: true, expected: .adopt(host: 4, keepsMAC: true)),
        ClaimCase(why: "a sniffed host with other addresses: adopted without its MAC", name: "laptop", holder: dhcp(5, macA),
                  sharesAddress: false, expected: .adopt(host: 5, keepsMAC: false)),
    ]

    @Test(arguments: claims)
    func updateClaim(_ row: ClaimCase) {
        #expect(UpdateClaim.decide(name: row.name, holder: row.holder, sharesAddress: row.sharesAddress,
                                   protected: Self.protected) == row.expected)
    }

    @Test(arguments: [
        ("printer", "0a01", "printer-0a01"),
        (String(repeating: "a", count: 60), "0a01", String(repeating: "a", count: 58) + "-0a01"),
        ("ab-", "2", "ab-2"),
        ("a---", "0a01", "a-0a01"),
    ])
    func suffixedNamesStayWithin63Characters(_ name: String, _ suffix: String, _ expected: String) {
        #expect(Rules.suffixed(name, suffix) == expected)
    }
}
