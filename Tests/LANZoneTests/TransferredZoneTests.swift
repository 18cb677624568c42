import DNSWire
import Testing
@testable import LANZone

/// A zone as a primary (Knot, BIND, NSD, another lannamed) would transfer it: every rule of
/// answering has a name here. Some RRsets come out of canonical order on purpose.
enum Example {
    static let soaData = "ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300"
    static let soa = "example. 3600 SOA \(soaData)"
    /// The SOA of negative answers: TTL min(3600, MINIMUM 300).
    static let negative = "example. 300 SOA \(soaData)"
    static let nodata = "nodata " + negative
    static let nxdomain = "nxdomain " + negative

    static let lines = [
        soa,
        "example. 3600 NS ns2.elsewhere.net.",
        "example. 3600 NS ns1.example.",
        "example. 3600 MX 10 mail.example.",
        "example. 3600 TXT \"v=spf1\" \"-all\"",
        "example. 300 A 192.0.2.1",
        "ns1.example. 3600 A 192.0.2.53",
        "ns1.example. 3600 AAAA 2001:db8::53",
        "www.example. 300 A 192.0.2.11",
        "www.example. 300 A 192.0.2.10",
        "www.example. 300 AAAA 2001:db8::10",
        "Mail.Example. 300 A 192.0.2.25",
        "alias.example. 300 CNAME www.example.",
        "chain1.example. 300 CNAME chain2.example.",
        "chain2.example. 300 CNAME WWW.example.",
        "outside.example. 300 CNAME www.example.net.",
        "dangling.example. 300 CNAME nothere.example.",
        "loop1.example. 300 CNAME loop2.example.",
        "loop2.example. 300 CNAME loop1.example.",
        "self.example. 300 CNAME self.example.",
        "towild.example. 300 CNAME host.wild.example.",
        "todeleg.example. 300 CNAME host.sub.example.",
        // Makes b.example. and a.b.example. empty non-terminals.
        "deep.a.b.example. 300 A 192.0.2.40",
        "_sip._tcp.example. 300 SRV 10 5 5060 sip.example.",
        "printer.example. 300 TXT \"hello\" \"world\"",
        "printer.example. 300 TYPE65280 \\# 2 abcd",
        // A delegation with in-domain glue, sibling glue (ns1.example.) and an outside server.
        "sub.example. 3600 NS ns1.example.",
        "sub.example. 3600 NS ns.other.net.",
        "sub.example. 3600 NS ns.sub.example.",
        "sub.example. 3600 DS \\# 4 00010801",
        "ns.sub.example. 3600 A 192.0.2.100",
        "ns.sub.example. 3600 AAAA 2001:db8::100",
        // Below the cut: a wildcard and a nested cut that are the child's business, not ours.
        "*.sub.example. 3600 A 192.0.2.99",
        "deeper.sub.example. 3600 NS ns.deeper.sub.example.",
        // A delegation without DS.
        "nods.example. 3600 NS ns.nods.example.",
        "ns.nods.example. 3600 A 192.0.2.101",
        "*.wild.example. 300 A 192.0.2.80",
        "*.wild.example. 300 TXT \"wild\"",
        "exists.wild.example. 300 AAAA 2001:db8::81",
        // A cut below the wildcard's parent: names under it are referred, never synthesised.
        "cut.wild.example. 3600 NS ns.nods.example.",
        "*.cname.example. 300 CNAME www.example.",
    ]

    static let zone: TransferredZone = {
        do { return try TransferredZone(records: lines.map(TZ.rr)) } catch { preconditionFailure("Example zone: \(error)") }
    }()

    static let www = "www.example. 300 A 192.0.2.10 | www.example. 300 A 192.0.2.11"
    static let subReferral = "referral sub.example. 3600 NS ns.sub.example. | sub.example. 3600 NS ns.other.net. | "
        + "sub.example. 3600 NS ns1.example. ++ ns.sub.example. 3600 A 192.0.2.100 | "
        + "ns.sub.example. 3600 AAAA 2001:db8::100 | ns1.example. 3600 A 192.0.2.53 | ns1.example. 3600 AAAA 2001:db8::53"
    static let nodsReferral = "referral nods.example. 3600 NS ns.nods.example. ++ ns.nods.example. 3600 A 192.0.2.101"
    static let cutReferral = "referral cut.wild.example. 3600 NS ns.nods.example. ++ ns.nods.example. 3600 A 192.0.2.101"
}

@Suite("TransferredZone answers")
struct TransferredZoneAnswerTests {
    static let exact: [QueryCase] = [
        QueryCase("www.example.", .a, "answer " + Example.www),
        QueryCase("www.example.", .aaaa, "answer www.example. 300 AAAA 2001:db8::10"),
        QueryCase("mail.example.", .a, "answer Mail.Example. 300 A 192.0.2.25"),
        QueryCase("example.", .a, "answer example. 300 A 192.0.2.1"),
        QueryCase("example.", .soa, "answer " + Example.soa),
        QueryCase("example.", .mx, "answer example. 3600 MX 10 mail.example."),
        QueryCase("example.", .txt, "answer example. 3600 TXT \"v=spf1\" \"-all\""),
        // NS at the apex: the in-zone server's addresses as additional data; the other is not ours.
        QueryCase("example.", .ns, "answer example. 3600 NS ns1.example. | example. 3600 NS ns2.elsewhere.net. "
                  + "++ ns1.example. 3600 A 192.0.2.53 | ns1.example. 3600 AAAA 2001:db8::53"),
        QueryCase("_sip._tcp.example.", .srv, "answer _sip._tcp.example. 300 SRV 10 5 5060 sip.example."),
        QueryCase("printer.example.", .txt, "answer printer.example. 300 TXT \"hello\" \"world\""),
        QueryCase("printer.example.", RecordType(65280), "answer printer.example. 300 TYPE65280 \\# 2 abcd"),
        QueryCase("deep.a.b.example.", .a, "answer deep.a.b.example. 300 A 192.0.2.40"),
        // Names match whatever their case; records keep the zone's spelling.
        QueryCase("WWW.EXAMPLE.", .a, "answer " + Example.www),
        QueryCase("Example.", .a, "answer example. 300 A 192.0.2.1"),
        QueryCase("MAIL.example.", .a, "answer Mail.Example. 300 A 192.0.2.25"),
        QueryCase("_SIP._TCP.EXAMPLE.", .srv, "answer _sip._tcp.example. 300 SRV 10 5 5060 sip.example."),
    ]

    static let negative: [QueryCase] = [
        // NODATA: the name exists, the type does not.
        QueryCase("www.example.", .mx, Example.nodata),
        QueryCase("example.", .aaaa, Example.nodata),
        QueryCase("mail.example.", .aaaa, Example.nodata),
        QueryCase("printer.example.", .a, Example.nodata),
        // DS at our own apex is the parent's data: we have none.
        QueryCase("example.", .ds, Example.nodata),
        // Empty non-terminals exist: NODATA, never NXDOMAIN.
        QueryCase("b.example.", .a, Example.nodata),
        QueryCase("a.b.example.", .txt, Example.nodata),
        QueryCase("A.B.example.", .any, Example.nodata),
        QueryCase("_tcp.example.", .srv, Example.nodata),
        QueryCase("wild.example.", .a, Example.nodata),
        // NXDOMAIN, with the SOA.
        QueryCase("nothere.example.", .a, Example.nxdomain),
        QueryCase("nothere.example.", .any, Example.nxdomain),
        QueryCase("ww.example.", .a, Example.nxdomain),
        QueryCase("www.www.example.", .a, Example.nxdomain),
        QueryCase("x.b.example.", .a, Example.nxdomain),
        QueryCase("x.deep.a.b.example.", .a, Example.nxdomain),
        // Not in this zone at all (the caller would not ask, but it must not be answered).
        QueryCase("www.example.net.", .a, "refused"),
        QueryCase("example.net.", .a, "refused"),
        QueryCase("com.", .ns, "refused"),
        QueryCase(".", .ns, "refused"),
    ]

    static let any: [QueryCase] = [
        QueryCase("example.", .any, "answer example. 300 A 192.0.2.1 | example. 3600 NS ns1.example. | "
                  + "example. 3600 NS ns2.elsewhere.net. | \(Example.soa) | example. 3600 MX 10 mail.example. | "
                  + "example. 3600 TXT \"v=spf1\" \"-all\""),
        QueryCase("www.example.", .any, "answer \(Example.www) | www.example. 300 AAAA 2001:db8::10"),
        // ANY at a CNAME is the CNAME, not followed.
        QueryCase("alias.example.", .any, "answer alias.example. 300 CNAME www.example."),
    ]

    static let cname: [QueryCase] = [
        QueryCase("alias.example.", .a, "answer alias.example. 300 CNAME www.example. | " + Example.www),
        QueryCase("alias.example.", .aaaa, "answer alias.example. 300 CNAME www.example. | www.example. 300 AAAA 2001:db8::10"),
        QueryCase("alias.example.", .cname, "answer alias.example. 300 CNAME www.example."),
        // The chain ends at NODATA: the chain alone.
        QueryCase("alias.example.", .mx, "answer alias.example. 300 CNAME www.example."),
        QueryCase("chain1.example.", .aaaa, "answer chain1.example. 300 CNAME chain2.example. | "
                  + "chain2.example. 300 CNAME WWW.example. | www.example. 300 AAAA 2001:db8::10"),
        // Out of the zone: the resolver follows it.
        QueryCase("outside.example.", .a, "answer outside.example. 300 CNAME www.example.net."),
        // The target does not exist: the chain alone (RCODE stays NOERROR, see `chase`).
        QueryCase("dangling.example.", .a, "answer dangling.example. 300 CNAME nothere.example."),
        // Loops end where they close.
        QueryCase("loop1.example.", .a, "answer loop1.example. 300 CNAME loop2.example. | loop2.example. 300 CNAME loop1.example."),
        QueryCase("LOOP2.example.", .a, "answer loop2.example. 300 CNAME loop1.example. | loop1.example. 300 CNAME loop2.example."),
        QueryCase("self.example.", .a, "answer self.example. 300 CNAME self.example."),
        // The target is answered by a wildcard.
        QueryCase("towild.example.", .a, "answer towild.example. 300 CNAME host.wild.example. | host.wild.example. 300 A 192.0.2.80"),
        // The target is delegated: not ours to answer.
        QueryCase("todeleg.example.", .a, "answer todeleg.example. 300 CNAME host.sub.example."),
    ]

    static let delegation: [QueryCase] = [
        QueryCase("sub.example.", .a, Example.subReferral),
        QueryCase("sub.example.", .ns, Example.subReferral),
        QueryCase("sub.example.", .any, Example.subReferral),
        QueryCase("SUB.Example.", .mx, Example.subReferral),
        QueryCase("host.sub.example.", .a, Example.subReferral),
        QueryCase("a.b.c.sub.example.", .txt, Example.subReferral),
        // Glue is not authoritative data: asked for, it is a referral too.
        QueryCase("ns.sub.example.", .a, Example.subReferral),
        // A cut below a cut belongs to the child: the upper referral.
        QueryCase("deeper.sub.example.", .ns, Example.subReferral),
        QueryCase("x.deeper.sub.example.", .a, Example.subReferral),
        // DS is the parent side's data exactly at the cut, the child's below it.
        QueryCase("sub.example.", .ds, "answer sub.example. 3600 DS \\# 4 00010801"),
        QueryCase("x.sub.example.", .ds, Example.subReferral),
        QueryCase("nods.example.", .ds, Example.nodata),
        QueryCase("nods.example.", .a, Example.nodsReferral),
        QueryCase("ns.nods.example.", .a, Example.nodsReferral),
    ]

    static let wildcard: [QueryCase] = [
        QueryCase("host.wild.example.", .a, "answer host.wild.example. 300 A 192.0.2.80"),
        // The owner is the question's name as asked.
        QueryCase("Host.Wild.example.", .a, "answer Host.Wild.example. 300 A 192.0.2.80"),
        QueryCase("a.b.wild.example.", .txt, "answer a.b.wild.example. 300 TXT \"wild\""),
        QueryCase("host.wild.example.", .any, "answer host.wild.example. 300 A 192.0.2.80 | host.wild.example. 300 TXT \"wild\""),
        // Wildcard NODATA.
        QueryCase("host.wild.example.", .aaaa, Example.nodata),
        QueryCase("host.wild.example.", .mx, Example.nodata),
        // An existing name is never synthesised, nor is anything below it.
        QueryCase("exists.wild.example.", .a, Example.nodata),
        QueryCase("x.exists.wild.example.", .a, Example.nxdomain),
        QueryCase("*.wild.example.", .a, "answer *.wild.example. 300 A 192.0.2.80"),
        // Wildcard CNAME: synthesised, then followed.
        QueryCase("foo.cname.example.", .a, "answer foo.cname.example. 300 CNAME www.example. | " + Example.www),
        QueryCase("foo.cname.example.", .cname, "answer foo.cname.example. 300 CNAME www.example."),
        QueryCase("x.y.cname.example.", .mx, "answer x.y.cname.example. 300 CNAME www.example."),
        // No wildcard across a cut: a referral, whether the wildcard is below the cut or above it.
        QueryCase("anything.sub.example.", .a, Example.subReferral),
        QueryCase("cut.wild.example.", .a, Example.cutReferral),
        QueryCase("x.cut.wild.example.", .a, Example.cutReferral),
    ]

    @Test("exact matches", arguments: exact)
    func exactMatches(_ query: QueryCase) throws { try check(query) }

    @Test("NODATA, empty non-terminals, NXDOMAIN", arguments: negative)
    func negativeAnswers(_ query: QueryCase) throws { try check(query) }

    @Test("ANY", arguments: any)
    func anyQueries(_ query: QueryCase) throws { try check(query) }

    @Test("CNAME chains", arguments: cname)
    func cnameChains(_ query: QueryCase) throws { try check(query) }

    @Test("delegations", arguments: delegation)
    func delegations(_ query: QueryCase) throws { try check(query) }

    @Test("wildcards", arguments: wildcard)
    func wildcards(_ query: QueryCase) throws { try check(query) }

    func check(_ query: QueryCase, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let answer = Example.zone.answer(Question(name: try DomainName(query.name), type: query.type))
        #expect(TZ.render(answer) == query.expected, sourceLocation: sourceLocation)
    }

    @Test func answersExactRecordValues() throws {
        // Beyond the rendering: the records are the zone's own values, TTLs included.
        let answer = Example.zone.answer(Question(name: "www.example.", type: .a))
        #expect(answer == .answer(TZ.rrs("www.example. 300 A 192.0.2.10", "www.example. 300 A 192.0.2.11"), additional: []))
        let negative = Example.zone.answer(Question(name: "nothere.example.", type: .a))
        #expect(negative == .nxDomain(soa: TZ.rr(Example.negative)))
        #expect(Example.zone.soa == TZ.rr(Example.soa))
        #expect(Example.zone.serial == 2_024_010_101)
        #expect(Example.zone.apex == "example.")
    }

    @Test(arguments: [(RecordClass.in, true), (.any, true), (.chaos, false), (RecordClass(4), false)])
    func questionClass(_ recordClass: RecordClass, _ answered: Bool) {
        let answer = Example.zone.answer(Question(name: "www.example.", type: .a, recordClass: recordClass))
        #expect(TZ.render(answer) == (answered ? "answer " + Example.www : "refused"))
    }

    @Test func aWildcardOwningNSIsACut() throws {
        // RFC 4592 sec. 4.2 leaves this undefined and discourages it; like Knot, the names it
        // covers get a referral to the wildcard's NS RRset as it stands.
        let zone = try TZ.zone(TZ.rrs(Example.soa, "*.w.example. 3600 NS ns.example.net.", "x.w.example. 300 A 192.0.2.7"))
        for name in ["a.w.example.", "a.b.w.example.", "*.w.example."] {
            #expect(TZ.render(zone.answer(Question(name: try DomainName(name), type: .a)))
                    == "referral *.w.example. 3600 NS ns.example.net.", "\(name)")
        }
        #expect(TZ.render(zone.answer(Question(name: "x.w.example.", type: .a))) == "answer x.w.example. 300 A 192.0.2.7")
        #expect(TZ.render(zone.answer(Question(name: "*.w.example.", type: .ds))) == Example.nodata)
    }

    @Test func longChainsStopAtTheBound() throws {
        // c0 -> c1 -> ... -> c11 -> www: eight CNAMEs are answered, the resolver does the rest.
        var lines = [Example.soa, "www.example. 300 A 192.0.2.10"]
        for i in 0..<12 { lines.append("c\(i).example. 300 CNAME \(i == 11 ? "www" : "c\(i + 1)").example.") }
        let zone = try TZ.zone(lines.map(TZ.rr))
        guard case .answer(let records, _) = zone.answer(Question(name: "c0.example.", type: .a)) else {
            Issue.record("no answer")
            return
        }
        #expect(records.map(TZ.render) == (0..<8).map { "c\($0).example. 300 CNAME c\($0 + 1).example." })
        // Within the bound the chain ends at the data.
        #expect(TZ.render(zone.answer(Question(name: "c5.example.", type: .a)))
                == "answer " + (5..<11).map { "c\($0).example. 300 CNAME c\($0 + 1).example. | " }.joined()
                + "c11.example. 300 CNAME www.example. | www.example. 300 A 192.0.2.10")
    }
}

/// The wildcard examples of RFC 4592 sec. 2.2.1, answers as the RFC gives them.
@Suite("TransferredZone: RFC 4592 wildcards")
struct RFC4592Tests {
    static let zone: TransferredZone = {
        let lines = [
            "example. 3600 SOA ns.example.com. hostmaster.example. 1 3600 600 86400 3600",
            "example. 3600 NS ns.example.com.",
            "example. 3600 NS ns.example.net.",
            "*.example. 3600 TXT \"this-is-a-wildcard\"",
            "*.example. 3600 MX 10 host1.example.",
            "sub.*.example. 3600 TXT \"this-is-not-a-wildcard\"",
            "host1.example. 3600 A 192.0.2.1",
            "_ssh._tcp.host1.example. 3600 SRV 0 0 22 host1.example.",
            "_ssh._tcp.host2.example. 3600 SRV 0 0 22 host2.example.",
            "subdel.example. 3600 NS ns.example.com.",
            "subdel.example. 3600 NS ns.example.net.",
        ]
        do { return try TransferredZone(records: lines.map(TZ.rr)) } catch { preconditionFailure("RFC 4592 zone: \(error)") }
    }()

    static let soa = "example. 3600 SOA ns.example.com. hostmaster.example. 1 3600 600 86400 3600"
    static let referral = "referral subdel.example. 3600 NS ns.example.com. | subdel.example. 3600 NS ns.example.net."

    static let cases: [QueryCase] = [
        // Synthesised (sec. 2.2.1).
        QueryCase("host3.example.", .mx, "answer host3.example. 3600 MX 10 host1.example."),
        QueryCase("host3.example.", .a, "nodata " + soa),
        QueryCase("foo.bar.example.", .txt, "answer foo.bar.example. 3600 TXT \"this-is-a-wildcard\""),
        // Not synthesised.
        QueryCase("host1.example.", .mx, "nodata " + soa),
        QueryCase("sub.*.example.", .mx, "nodata " + soa),
        QueryCase("_telnet._tcp.host1.example.", .srv, "nxdomain " + soa),
        QueryCase("host.subdel.example.", .a, referral),
        QueryCase("ghost.*.example.", .mx, "nxdomain " + soa),
        // And around them: empty non-terminals are not covered by the wildcard.
        QueryCase("host2.example.", .a, "nodata " + soa),
        QueryCase("_tcp.host2.example.", .txt, "nodata " + soa),
        QueryCase("_ssh._tcp.host2.example.", .srv, "answer _ssh._tcp.host2.example. 3600 SRV 0 0 22 host2.example."),
        QueryCase("*.example.", .txt, "answer *.example. 3600 TXT \"this-is-a-wildcard\""),
    ]

    @Test(arguments: cases)
    func answers(_ query: QueryCase) throws {
        let answer = Self.zone.answer(Question(name: try DomainName(query.name), type: query.type))
        #expect(TZ.render(answer) == query.expected)
    }
}
