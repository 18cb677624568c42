import DNSWire
import Testing
@testable import LANZone

/// Random zones full of cuts, wildcards, CNAMEs and empty non-terminals: every answer must keep
/// the invariants of RFC 1034 sec. 4.3.2, and an IXFR must give the zone an AXFR would.
@Suite("TransferredZone with random zones")
struct TransferredZoneRandomTests {
    static let apex: DomainName = "example."
    static let labels = ["a", "B", "*", "sub", "ns"]

    /// Every name of up to three labels from `labels` under the apex, and the apex.
    static let pool: [DomainName] = {
        var names: [DomainName] = [apex]
        var level: [DomainName] = [apex]
        for _ in 0..<3 {
            level = level.flatMap { parent in labels.compactMap { try? parent.prepending(Array($0.utf8)) } }
            names += level
        }
        return names
    }()

    static func randomZone(serial: UInt32, using generator: inout SplitMix) -> [ResourceRecord] {
        var records = [ResourceRecord(name: apex, ttl: 3600, data: .soa(SOA(
            mname: "ns.example.", rname: "hostmaster.example.", serial: serial, refresh: 1, retry: 1, expire: 1, minimum: 60)))]
        var cnames = Set<DomainName>()
        func pick() -> DomainName { pool[Int(generator.next() % UInt64(pool.count))] }
        for _ in 0..<Int(generator.next() % 60) {
            let owner = pick()
            let target = generator.next() % 8 == 0 ? "elsewhere.example.net." : pick()
            let ttl = UInt32(generator.next() % 3) * 100
            let data: RecordData
            switch generator.next() % 8 {
            case 0: data = .a(IPv4Address(uint32: 0xC000_0200 | UInt32(generator.next() % 4)))
            case 1: data = .aaaa(IPv6Address(high: 0x2001_0DB8 << 32, low: generator.next() % 4))
            case 2: data = .ns(target)
            case 3:
                // One CNAME per name, as RFC 1034 sec. 3.6.2 wants.
                guard owner != apex, cnames.insert(owner).inserted else { continue }
                data = .cname(target)
            case 4: data = .txt([Array("t\(generator.next() % 3)".utf8)])
            case 5: data = .mx(preference: 10, exchange: target)
            case 6: data = .unknown(.ds, [UInt8(generator.next() % 3)])
            default: data = .a(IPv4Address(192, 0, 2, 1))
            }
            records.append(ResourceRecord(name: owner, ttl: ttl, data: data))
        }
        return records
    }

    static let types: [RecordType] = [.a, .aaaa, .ns, .cname, .ds, .txt, .mx, .soa, .any, RecordType(99)]

    @Test(arguments: 0..<40)
    func answersKeepTheInvariants(_ seed: Int) throws {
        var generator = SplitMix(seed: UInt64(seed))
        let records = Self.randomZone(serial: 1, using: &generator)
        let zone = try TZ.zone(records)
        let owners = Set(zone.records.map(\.name))
        let questions = Self.pool + Self.pool.prefix(40).compactMap { try? $0.prepending(Array("zz".utf8)) }
        for name in questions {
            for type in Self.types {
                let answer = zone.answer(Question(name: name, type: type))
                let context = "\(name) \(type) -> \(TZ.render(answer))"
                switch answer {
                case .answer(let answered, let additional):
                    #expect(answered.first?.name == name, "\(context)")
                    #expect(answered.filter { $0.type == .cname }.count <= TransferredZone.maxChainLength, "\(context)")
                    if type != .any {
                        #expect(answered.allSatisfy { $0.type == type || $0.type == .cname }, "\(context)")
                    }
                    #expect(additional.isEmpty || (type == .ns && name == Self.apex), "\(context)")
                case .noData(let soa), .nxDomain(let soa?):
                    #expect(soa == zone.negativeSOA, "\(context)")
                    if case .nxDomain = answer {
                        // Nothing at or below a name that does not exist.
                        #expect(!owners.contains { $0.isSubdomain(of: name) }, "\(context)")
                    }
                case .delegation(let ns, let glue):
                    let cut = ns.first?.name ?? Self.apex
                    // The cut is above the name, or is a wildcard owning NS that covers it (a
                    // referral to `*.<encloser>`, as Knot gives it).
                    let isWildcard = cut.firstLabel == [UInt8(ascii: "*")]
                    let covers = name.isSubdomain(of: cut) || (isWildcard && name.isSubdomain(of: cut.parent) && name != cut.parent)
                    #expect(!ns.isEmpty && cut != Self.apex && covers, "\(context)")
                    #expect(ns.allSatisfy { $0.type == .ns && $0.name == cut }, "\(context)")
                    #expect(glue.allSatisfy { $0.type == .a || $0.type == .aaaa }, "\(context)")
                case .nxDomain(nil), .notAuthoritative, .serverFailure:
                    Issue.record("unexpected \(context)")
                }
                // A name with data of the type, not below a cut, answers exactly that data.
                if owners.contains(name), type != .any, case .answer(let answered, _) = answer,
                   answered.first?.type == type {
                    #expect(Set(answered) == Set(zone.records.filter { $0.name == name && $0.type == type }), "\(context)")
                }
            }
        }
    }

    @Test(arguments: 0..<40)
    func anIXFRGivesTheZoneAnAXFRWould(_ seed: Int) throws {
        var generator = SplitMix(seed: UInt64(1000 + seed))
        let old = try TZ.zone(Self.randomZone(serial: 1, using: &generator))
        let new = try TZ.zone(Self.randomZone(serial: 2, using: &generator))
        let oldSet = Set(old.records), newSet = Set(new.records)
        let diff = ZoneDiff(from: 1, to: 2, removed: old.records.filter { !newSet.contains($0) },
                            added: new.records.filter { !oldSet.contains($0) }.shuffled(using: &generator))
        let applied = try old.applying([diff])
        #expect(applied.records == new.records)
        #expect(applied.recordCount == new.recordCount)
        for name in Self.pool {
            for type in Self.types {
                let question = Question(name: name, type: type)
                #expect(applied.answer(question) == new.answer(question), "\(name) \(type)")
            }
        }
    }

    @Test(arguments: 0..<20)
    func junkNeverCrashes(_ seed: Int) {
        // Random records of random classes and types, some outside the zone: built or refused.
        var generator = SplitMix(seed: UInt64(5000 + seed))
        var records = Self.randomZone(serial: 1, using: &generator)
        for _ in 0..<10 {
            let index = Int(generator.next() % UInt64(records.count))
            switch generator.next() % 4 {
            case 0: records[index].recordClass = RecordClass(UInt16(generator.next() % 5))
            case 1: records[index].name = "example.net."
            case 2: records[index].data = .unknown(RecordType(UInt16(truncatingIfNeeded: generator.next())), [1])
            default: records.swapAt(0, index)
            }
            do {
                let zone = try TransferredZone(records: records)
                for name in Self.pool.prefix(30) { _ = zone.answer(Question(name: name, type: .any)) }
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
