import DNSWire
import LANZone
import Testing
@testable import ZoneUpdate

/// RFC 2136 sec. 3 against a small hosted zone: every prerequisite form, each update form, the
/// CNAME rules, permissions and records the config owns.
@Suite struct UpdateRulesTests {
    static let apex: DomainName = "dyn.example.net."
    static let config = HostedZoneConfig(apex: apex, nameServers: ["ns1.dyn.example.net."],
                                         nameServerAddresses: ["ns1.dyn.example.net.": [IPAddress("203.0.113.53")!]],
                                         records: [ResourceRecord(name: apex, ttl: 300, data: .txt([Array("config".utf8)]))])

    let zone: TransferredZone = {
        let stored = [
            ResourceRecord(name: "shop.dyn.example.net.", ttl: 60, data: .a(IPv4Address(198, 51, 100, 7))),
            ResourceRecord(name: "shop.dyn.example.net.", ttl: 60, data: .a(IPv4Address(198, 51, 100, 8))),
            ResourceRecord(name: "www.dyn.example.net.", ttl: 60, data: .cname("shop.dyn.example.net.")),
        ]
        return HostedZones.build([config], serial: 1, records: [apex: stored]).zones[apex]!
    }()

    var fixed: Set<ResourceRecord> { Set(Self.config.baseRecords(serial: 1)) }

    func run(_ prerequisites: [UpdateRecord] = [], _ updates: [UpdateRecord] = [],
             policy: UpdatePolicy = UpdatePolicy(zone: apex)) -> Result<UpdateRules.Changes, UpdateFailure> {
        let request = UpdateRequest(id: 1, zone: Self.apex, prerequisites: prerequisites, updates: updates)
        return UpdateRules.evaluate(request, zone: zone, policy: policy, fixed: fixed)
    }

    func rcode(_ result: Result<UpdateRules.Changes, UpdateFailure>) -> ResponseCode {
        switch result {
        case .success: .noError
        case .failure(let failure): failure.rcode
        }
    }

    static func rr(_ name: DomainName, _ type: RecordType, _ klass: RecordClass, ttl: UInt32 = 0, _ data: RecordData? = nil) -> UpdateRecord {
        UpdateRecord(name: name, type: type, recordClass: klass, ttl: ttl, data: data)
    }

    static let shopA = IPv4Address(198, 51, 100, 7), shopB = IPv4Address(198, 51, 100, 8)

    @Test(arguments: [
        // 2.4.1 RRset exists (value independent)
        (rr("shop.dyn.example.net.", .a, .any), ResponseCode.noError),
        (rr("shop.dyn.example.net.", .aaaa, .any), .nxRRset),
        // 2.4.3 RRset does not exist
        (rr("shop.dyn.example.net.", .aaaa, .none), .noError),
        (rr("shop.dyn.example.net.", .a, .none), .yxRRset),
        // 2.4.4 name is in use
        (rr("shop.dyn.example.net.", .any, .any), .noError),
        (rr("new.dyn.example.net.", .any, .any), .nxDomain),
        // 2.4.5 name is not in use
        (rr("new.dyn.example.net.", .any, .none), .noError),
        (rr("www.dyn.example.net.", .any, .none), .yxDomain),
        // malformed and outside
        (rr("shop.dyn.example.net.", .a, .any, ttl: 5), .formErr),
        (rr("shop.example.org.", .a, .any), .notZone),
    ] as [(UpdateRecord, ResponseCode)])
    func singlePrerequisites(prerequisite: UpdateRecord, expected: ResponseCode) {
        #expect(rcode(run([prerequisite])) == expected)
    }

    @Test func valueDependentPrerequisiteNeedsTheWholeRRset() {
        let one = Self.rr("shop.dyn.example.net.", .a, .in, .a(Self.shopA))
        let two = Self.rr("shop.dyn.example.net.", .a, .in, .a(Self.shopB))
        #expect(rcode(run([one])) == .nxRRset)
        #expect(rcode(run([one, two])) == .noError)
        #expect(rcode(run([one, two, Self.rr("shop.dyn.example.net.", .a, .in, .a(IPv4Address(192, 0, 2, 1)))])) == .nxRRset)
    }

    @Test func replacesAnRRsetAtomically() throws {
        let new = IPv4Address(203, 0, 113, 9)
        let changes = try run([], [Self.rr("shop.dyn.example.net.", .a, .any),
                                   Self.rr("shop.dyn.example.net.", .a, .in, ttl: 60, .a(new))]).get()
        #expect(Set(changes.removed.map(\.data)) == [.a(Self.shopA), .a(Self.shopB)])
        #expect(changes.added.map(\.data) == [.a(new)])
    }

    @Test func deletesOneRecordOrAName() throws {
        let one = try run([], [Self.rr("shop.dyn.example.net.", .a, .none, .a(Self.shopA))]).get()
        #expect(one.removed.map(\.data) == [.a(Self.shopA)] && one.added.isEmpty)
        let all = try run([], [Self.rr("shop.dyn.example.net.", .any, .any)]).get()
        #expect(all.removed.count == 2)
        // The apex keeps its SOA and NS; the config's TXT cannot go.
        #expect(rcode(run([], [Self.rr(Self.apex, .any, .any)])) == .refused)
    }

    @Test func followsTheCNAMERules() throws {
        // Data beside a CNAME, or a CNAME beside data, is ignored (RFC 2136 sec. 3.4.2.2).
        let beside = try run([], [Self.rr("www.dyn.example.net.", .a, .in, ttl: 60, .a(Self.shopA))]).get()
        #expect(beside.isEmpty)
        let cname = try run([], [Self.rr("shop.dyn.example.net.", .cname, .in, ttl: 60, .cname("x.example.org."))]).get()
        #expect(cname.isEmpty)
        let replaced = try run([], [Self.rr("www.dyn.example.net.", .cname, .in, ttl: 60, .cname("y.example.org."))]).get()
        #expect(replaced.added.map(\.data) == [.cname("y.example.org.")] && replaced.removed.count == 1)
    }

    @Test func policyLimitsNamesAndTypes() {
        let acme = UpdatePolicy(zone: Self.apex, names: [.name("_acme-challenge.shop.dyn.example.net.")], types: [.txt])
        let txt = Self.rr("_acme-challenge.shop.dyn.example.net.", .txt, .in, ttl: 60, .txt([Array("token".utf8)]))
        #expect(rcode(run([], [txt], policy: acme)) == .noError)
        #expect(rcode(run([], [Self.rr("_acme-challenge.shop.dyn.example.net.", .a, .in, ttl: 60, .a(Self.shopA))], policy: acme)) == .refused)
        #expect(rcode(run([], [Self.rr("other.dyn.example.net.", .txt, .in, ttl: 60, .txt([[1]]))], policy: acme)) == .refused)
        let subtree = UpdatePolicy(zone: Self.apex, names: [.subtree("shop.dyn.example.net.")])
        #expect(rcode(run([], [Self.rr("a.shop.dyn.example.net.", .a, .in, ttl: 60, .a(Self.shopA))], policy: subtree)) == .noError)
        #expect(rcode(run([], [Self.rr("www.dyn.example.net.", .any, .any)], policy: subtree)) == .refused)
        // Nobody changes the apex SOA or NS.
        #expect(rcode(run([], [Self.rr(Self.apex, .ns, .in, ttl: 60, .ns("ns9.example.org."))])) == .refused)
    }

    @Test(arguments: [
        rr("shop.dyn.example.net.", .a, .in),               // an addition without data
        rr("shop.dyn.example.net.", .a, .any, ttl: 3),      // a deletion with a TTL
        rr("shop.dyn.example.net.", .a, .none),              // one-record deletion without data
        rr("shop.dyn.example.net.", .axfr, .in, ttl: 1, .unknown(.axfr, [1])),
        rr("shop.dyn.example.net.", .a, RecordClass(3), ttl: 0, .a(shopA)),
    ])
    func prescanRefusesMalformedUpdates(update: UpdateRecord) {
        #expect(rcode(run([], [update])) == .formErr)
    }

    @Test func aNameOutsideTheZoneIsNotZone() {
        #expect(rcode(run([], [Self.rr("x.example.org.", .a, .in, ttl: 60, .a(Self.shopA))])) == .notZone)
    }

    @Test func theWireFormReadsBack() throws {
        let request = UpdateRequest(id: 7, zone: Self.apex, prerequisites: [Self.rr("shop.dyn.example.net.", .any, .none)],
                                    updates: [Self.rr("shop.dyn.example.net.", .a, .in, ttl: 60, .a(Self.shopA))])
        let parsed = try UpdateRequest.parse(request.serialize()).get()
        #expect(parsed.zone == Self.apex && parsed.header.id == 7 && parsed.header.opcode == .update)
        #expect(parsed.prerequisites == request.prerequisites && parsed.updates == request.updates)
        #expect(parsed.keyName == nil)
        // Cut short anywhere: FORMERR, never a crash.
        let bytes = request.serialize()
        for length in 12..<bytes.count {
            if case .success = UpdateRequest.parse(Array(bytes.prefix(length))) { Issue.record("read \(length) bytes as whole") }
        }
    }
}
