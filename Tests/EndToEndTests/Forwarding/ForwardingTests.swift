import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The forwarder end to end: `lannamed` forwarding to real Knot, NSD and Unbound servers started
/// on free 127.0.0.1 ports. Nested suites run one test at a time; each test starts its own servers.
@Suite(.serialized, .tags(.endToEnd))
enum ForwardingEndToEnd {}

extension ForwardingEndToEnd {
    @Suite("Forwarding: answers through Knot and NSD")
    final class ForwardingAnswerTests {
        let pair: UpstreamPair

        init() throws { pair = try UpstreamPair() }
        deinit { pair.cleanup() }

        @Test("A, AAAA, MX, TXT and NXDOMAIN come from the primary, with RA set and AA clear")
        func forwardsTheUsualTypes() throws {
            let daemon = try pair.daemon()

            let a = daemon.dig(["www.corp.example", "A"])
            #expect(a.status == "NOERROR", "\(a)")
            #expect(a.answer.map(\.data) == ["192.0.2.10"], "\(a)")
            #expect(a.answer.first.map { (290...300).contains($0.ttl) } == true, "\(a)")
            #expect(a.flags.contains("ra"), "RA must be set on forwarded answers: \(a)")
            #expect(a.flags.contains("rd"), "\(a)")
            #expect(!a.isAuthoritative, "a forwarder's answer is not authoritative: \(a)")
            #expect(a.hasOPT, "\(a)")

            let aaaa = daemon.dig(["www.corp.example", "AAAA"])
            #expect(aaaa.status == "NOERROR", "\(aaaa)")
            #expect(aaaa.answer.map(\.data) == ["2001:db8::10"], "\(aaaa)")

            let mx = daemon.dig(["corp.example", "MX"])
            #expect(mx.status == "NOERROR", "\(mx)")
            #expect(mx.answer.map(\.data) == ["10 mail.corp.example."], "\(mx)")

            let txt = daemon.dig(["txt.corp.example", "TXT"])
            #expect(txt.answer.map(\.data) == ["\"hello from corp.example\" \"second string\""], "\(txt)")

            let nx = daemon.dig(["nope.corp.example", "A"])
            #expect(nx.status == "NXDOMAIN", "\(nx)")
            #expect(nx.answer.isEmpty, "\(nx)")
            #expect(nx.flags.contains("ra"), "\(nx)")
            let soa = nx.authority.first { $0.type == "SOA" }
            #expect(soa?.name == "corp.example.", "the upstream's SOA must come along: \(nx)")
            #expect(soa.map { (1...60).contains($0.ttl) } == true, "negative TTL is the SOA minimum (60): \(nx)")
            #expect(soa?.data.hasPrefix("ns1.corp.example. hostmaster.corp.example. 1 ") == true, "\(nx)")

            let nodata = daemon.dig(["www.corp.example", "MX"])
            #expect(nodata.status == "NOERROR", "\(nodata)")
            #expect(nodata.answer.isEmpty, "\(nodata)")
            #expect(nodata.authority.first?.type == "SOA", "\(nodata)")

            let tcp = daemon.dig(["+tcp", "mail.corp.example", "A"])
            #expect(tcp.answer.map(\.data) == ["192.0.2.25"], "\(tcp)")
            #expect(tcp.raw.contains("(TCP)"), "\(tcp)")

            // The primary (Knot) answers. (Polled, bounded: a Knot stall past the 50 ms hedge
            // deadline on a busy machine may let NSD win one.)
            #expect(E2E.poll(every: 0.05, upTo: 3) { daemon.marker("which.corp.example") == "knot" } != nil,
                    "the primary (Knot) should answer")
            #expect(FW.marker(daemon.dig(["x1.w.corp.example", "TXT"])).map { ["knot", "nsd"].contains($0) } == true)
            // Local names are still answered authoritatively, with RA set now that forwarding is on.
            let local = daemon.dig(["printer.lan", "A"])
            #expect(local.answer.map(\.data) == ["192.168.1.10"], "\(local)")
            #expect(local.isAuthoritative, "\(local)")
            #expect(local.flags.contains("ra"), "\(local)")
        }

        @Test("A big RRset truncated over UDP by the upstream is fetched over TCP")
        func truncatedUpstreamAnswersAreRetriedOverTCP() throws {
            // Knot truncates it at the 1232-byte payload lannamed offers.
            let direct = E2E.dig(port: pair.knot.port, ["+ignore", "+bufsize=1232", "big.corp.example", "A"])
            #expect(direct.isTruncated, "the RRset must not fit in 1232 bytes for this test to mean anything: \(direct)")

            let daemon = try pair.daemon()
            // dig over UDP: lannamed's answer is too big for 1232 too, so dig retries over TCP.
            let udp = daemon.dig(["big.corp.example", "A"])
            #expect(udp.status == "NOERROR", "\(udp)")
            #expect(udp.answer.count == FW.bigCount, "\(udp.answer.count) records: \(udp)")
            // A client with a 4096-byte buffer gets the whole set over UDP: lannamed has all of it.
            let large = daemon.dig(["+ignore", "+bufsize=4096", "big.corp.example", "A"])
            #expect(!large.isTruncated, "\(large)")
            #expect(large.answer.count == FW.bigCount, "\(large.answer.count) records")
            #expect(Set(large.answer.map(\.data)) == Set((1...FW.bigCount).map { "192.0.2.\($0)" }))
            // A client without EDNS (512 bytes) gets TC and nothing else.
            let small = daemon.dig(["+ignore", "+noedns", "big.corp.example", "A"])
            #expect(small.isTruncated, "\(small)")
            #expect(small.answer.isEmpty, "\(small)")
            let tcp = daemon.dig(["+tcp", "big.corp.example", "A"])
            #expect(tcp.answer.count == FW.bigCount, "\(tcp.answer.count) records")
        }

        @Test("Cached names are answered after the upstreams are stopped; cached-answer throughput")
        func cachedNamesOutliveTheUpstreams() throws {
            _ = try E2E.require("dnsperf", package: "dnsperf")
            let daemon = try pair.daemon()
            let questions = [("www.corp.example", "A"), ("www.corp.example", "AAAA"), ("corp.example", "MX"),
                             ("txt.corp.example", "TXT"), ("mail.corp.example", "A"), ("www.other.example", "A")]
            var first: [String: DNSReply] = [:]
            for (name, type) in questions {
                let reply = daemon.dig([name, type])
                #expect(reply.status == "NOERROR" && !reply.answer.isEmpty, "\(name) \(type): \(reply)")
                first["\(name) \(type)"] = reply
            }
            let negative = daemon.dig(["nope.corp.example", "A"])
            #expect(negative.status == "NXDOMAIN", "\(negative)")

            // Both upstreams stopped, each by its own PID.
            pair.knot.stop()
            pair.nsd.stop()
            #expect(!pair.knot.isRunning && !pair.nsd.isRunning)

            for (name, type) in questions {
                let start = E2E.now()
                let reply = daemon.dig([name, type])
                let seconds = E2E.now() - start
                let before = first["\(name) \(type)"]!
                #expect(reply.status == "NOERROR", "\(name) \(type) after the upstreams stopped: \(reply)")
                #expect(reply.answer.map(\.data) == before.answer.map(\.data), "\(name) \(type): \(reply)")
                #expect(zip(reply.answer, before.answer).allSatisfy { $0.ttl <= $1.ttl && $0.ttl > 250 }, "TTLs count down: \(reply)")
                #expect(seconds < 1.5, "a cached answer should not wait for an upstream: \(seconds) s")
            }
            let stillNegative = daemon.dig(["nope.corp.example", "A"])
            #expect(stillNegative.status == "NXDOMAIN", "the NXDOMAIN is cached too: \(stillNegative)")
            #expect(stillNegative.authority.first?.type == "SOA", "\(stillNegative)")

            // A name never asked: the upstreams refuse the connection (ICMP), so SERVFAIL comes quickly.
            let start = E2E.now()
            let unknown = daemon.dig(["never-asked.corp.example", "A"], time: 4)
            let servfailSeconds = E2E.now() - start
            #expect(unknown.status == "SERVFAIL", "\(unknown)")
            #expect(servfailSeconds < 3, "\(servfailSeconds) s")

            // Throughput of cached answers (upstreams down: every answer is from the cache).
            let names = questions.map { "\($0.0) \($0.1)" }
            let perf = PerfResult.run(port: daemon.port, names: names, seconds: 5, in: daemon.directory)
            print("[Forwarding] cached-answer throughput (debug build, dnsperf -c 1 -q 100, 5 s, upstreams stopped): \(perf)")
            print("[Forwarding] SERVFAIL for an uncached name with both upstreams stopped: \(E2E.format(servfailSeconds))")
            #expect(perf.output.status == 0, "\(perf.output)")
            #expect((perf.completed ?? 0) > 0, "\(perf.output)")
            #expect(perf.codes?.hasPrefix("NOERROR") == true && perf.codes?.contains("SERVFAIL") == false,
                    "every cached answer is NOERROR: \(perf.output)")
        }

        @Test("SERVFAIL from the primary: the secondary's answer is used")
        func servfailFromThePrimaryFallsThrough() throws {
            let direct = E2E.dig(port: pair.knot.port, ["which.broken.example", "TXT"])
            #expect(direct.status == "SERVFAIL", "Knot should answer SERVFAIL for its unloadable zone: \(direct)")

            let daemon = try pair.daemon()
            let start = E2E.now()
            let reply = daemon.dig(["which.broken.example", "TXT"])
            let seconds = E2E.now() - start
            #expect(reply.status == "NOERROR", "\(reply)")
            #expect(FW.marker(reply) == "nsd", "\(reply)")
            #expect(seconds < 1.5, "\(seconds) s")
            let www = daemon.dig(["www.broken.example", "A"])
            #expect(www.answer.map(\.data) == ["192.0.2.10"], "\(www)")
            print("[Forwarding] SERVFAIL from the primary, answer from the secondary in \(E2E.format(seconds))")
            // The primary still answers its good zones (it comes back within a probe, ~1 s, if marked down).
            #expect(E2E.poll(every: 0.2, upTo: 5) { daemon.marker("which.corp.example") == "knot" } != nil)
        }

        @Test("Conditional forwarding: --forward-domain corp.example goes to NSD, the rest to Knot")
        func conditionalForwarding() throws {
            let daemon = try pair.daemon(["--forward-domain", "corp.example=\(pair.nsd.address)"])
            #expect(daemon.marker("which.corp.example") == "nsd")
            #expect(daemon.marker("a.b.w.corp.example") == "nsd")
            #expect(daemon.marker("WHICH.Corp.Example") == "nsd")
            #expect(daemon.marker("which.other.example") == "knot")
            #expect(daemon.marker("x.w.other.example") == "knot")
            let www = daemon.dig(["www.corp.example", "A"])
            #expect(www.answer.map(\.data) == ["192.0.2.10"], "\(www)")
        }
    }

    @Suite("Forwarding: failover between upstreams")
    final class ForwardingFailoverTests {
        let pair: UpstreamPair
        let tag = String(UUID().uuidString.prefix(6)).lowercased()

        init() throws { pair = try UpstreamPair() }
        deinit { pair.cleanup() }

        @Test("The primary killed under a steady stream: no failed queries; failback when it returns")
        func primaryKilledUnderLoad() throws {
            let daemon = try pair.daemon()
            #expect(E2E.poll(every: 0.05, upTo: 3) { daemon.marker("which.corp.example") == "knot" } != nil)
            let killAt = 2.0
            let report = QueryStream.run(port: daemon.port, rate: 50, duration: 6, timeout: 1,
                                         name: { "k\($0)-\(self.tag).w.corp.example" },
                                         events: [("kill", killAt, { self.pair.knot.killHard() })])
            let killed = report.events["kill"] ?? killAt
            let firstSecondary = report.firstAnswer(marked: "nsd", after: killed)
            let after = report.sent(after: killed + 0.5)
            print("[Forwarding] primary SIGKILLed at \(String(format: "%.2f", killed)) s under 50 q/s of unique names: \(report)")
            print("[Forwarding] failover: first answer from the secondary \(E2E.format(firstSecondary)) after the kill; failed queries \(report.failures.count); latency after the kill \(report.latencySummary(report.sent(after: killed)))")
            #expect(!pair.knot.isRunning, "Knot should be dead")
            #expect(report.queries.count == 300)
            #expect(report.failures.count == 0, "client-visible failures when the primary died: \(report)")
            // Before the kill the primary answers (a Knot stall past the 50 ms hedge deadline may
            // let NSD win the odd one on a busy machine).
            let before = report.queries.filter { $0.sentAt < killed - 0.1 }
            #expect(before.filter { $0.marker == "knot" }.count * 10 >= before.count * 9, "before the kill: \(report)")
            #expect(!after.isEmpty && after.allSatisfy { $0.marker == "nsd" }, "after the kill: \(report)")
            #expect(firstSecondary.map { $0 < 1 } == true, "\(report)")
            #expect(E2E.poll(every: 0.1, upTo: 2) { daemon.log.contains("marked down") } != nil,
                    "the log should say the primary was marked down: \(daemon.log)")

            // Failback: the primary restarted on its port is probed and preferred again.
            try pair.knot.start()
            let back = E2E.poll(every: 0.1, upTo: 10) { daemon.marker("which.corp.example") == "knot" }
            print("[Forwarding] failback: the marker says knot again \(E2E.format(back)) after Knot answered again")
            #expect(back != nil, "the primary did not take over again within 10 s")
            #expect(E2E.poll(every: 0.05, upTo: 3) { daemon.marker("failback-\(UUID().uuidString.prefix(8)).w.corp.example") == "knot" } != nil)
            #expect(E2E.poll(every: 0.1, upTo: 2) { daemon.log.contains("upstream is back") } != nil, "\(daemon.log)")
        }

        // Regression test (a bug before dd20cce): a frozen primary held every uncached answer for
        // its full 1.5 s upstream timeout. The hedge did ask NSD after ~50 ms, but Forwarder.fetch
        // returned from inside withTaskGroup, which waited for the primary's exchange (an
        // EventLoopFuture that ignores cancellation), and that timeout was never recorded, so Knot
        // was never marked down: with a 1 s client timeout all 175 queries after the freeze failed.
        // In-process: ForwarderTests.ForwarderResolveTests.aBlackHolePrimaryIsHedgedWithinItsDeadline.
        @Test("A frozen primary (SIGSTOP) under load: no failed queries")
        func primaryFrozenUnderLoad() throws {
            let daemon = try pair.daemon()
            #expect(E2E.poll(every: 0.05, upTo: 3) { daemon.marker("which.corp.example") == "knot" } != nil)
            let freezeAt = 1.5
            let report = QueryStream.run(port: daemon.port, rate: 50, duration: 5, timeout: 1,
                                         name: { "f\($0)-\(self.tag).w.corp.example" },
                                         events: [("freeze", freezeAt, { self.pair.knot.freeze() })])
            pair.knot.thaw()
            let frozen = report.events["freeze"] ?? freezeAt
            let afterFreeze = report.sent(after: frozen)
            print("[Forwarding] primary SIGSTOPped at \(String(format: "%.2f", frozen)) s under 50 q/s: \(report)")
            print("[Forwarding] frozen primary: failed queries \(report.failures.count) of \(afterFreeze.count) sent after the freeze; first answer from the secondary \(E2E.format(report.firstAnswer(marked: "nsd", after: frozen))) after it (counting late ones: \(E2E.format(report.firstAnswer(marked: "nsd", after: frozen, includingLate: true)))); latency after it \(report.latencySummary(afterFreeze)); late answers \(report.queries.filter(\.late).count)")
            #expect(report.failures.count == 0, "client-visible failures with a frozen primary: \(report)")
            // Whatever was answered after the freeze came from the secondary.
            #expect(afterFreeze.filter { $0.sentAt > frozen + 0.1 }.allSatisfy { $0.marker == nil || $0.marker == "nsd" }, "\(report)")
            // Thawed, Knot answers again and is used.
            #expect(E2E.poll(every: 0.2, upTo: 6) { daemon.marker("which.corp.example") == "knot" } != nil)
        }

        @Test("Every upstream down: a cached name is served stale (TTL 30), an unknown name gets SERVFAIL")
        func everyUpstreamDown() throws {
            let daemon = try pair.daemon()
            let short = daemon.dig(["short.corp.example", "A"])
            #expect(short.answer.map(\.data) == ["192.0.2.77"], "\(short)")
            #expect(short.answer.first?.ttl == 1, "\(short)")
            let www = daemon.dig(["www.corp.example", "A"])
            #expect(www.answer.map(\.data) == ["192.0.2.10"], "\(www)")

            // One black hole (frozen) and one closed port.
            pair.knot.freeze()
            defer { pair.knot.thaw() }
            pair.nsd.stop()
            usleep(1_500_000)  // short.corp.example (TTL 1) has expired

            let fresh = daemon.dig(["www.corp.example", "A"])
            #expect(fresh.answer.map(\.data) == ["192.0.2.10"], "\(fresh)")
            #expect(fresh.answer.first.map { $0.ttl > 250 && $0.ttl <= 300 } == true, "still fresh: \(fresh)")

            var start = E2E.now()
            let stale = daemon.dig(["short.corp.example", "A"], time: 5)
            let staleSeconds = E2E.now() - start
            #expect(stale.status == "NOERROR", "\(stale)")
            #expect(stale.answer.map(\.data) == ["192.0.2.77"], "the expired answer should be served stale: \(stale)")
            #expect(stale.answer.first?.ttl == 30, "stale answers carry TTL 30 (RFC 8767): \(stale)")
            #expect(staleSeconds < 3, "\(staleSeconds) s")

            start = E2E.now()
            let unknown = daemon.dig(["never-asked.corp.example", "A"], time: 5)
            let servfailSeconds = E2E.now() - start
            #expect(unknown.status == "SERVFAIL", "\(unknown)")
            #expect(unknown.flags.contains("ra"), "\(unknown)")
            #expect(servfailSeconds < 3, "SERVFAIL should come within ~2 s (the budget): \(servfailSeconds) s")
            print("[Forwarding] every upstream down (Knot frozen, NSD stopped): stale answer in \(E2E.format(staleSeconds)), SERVFAIL for an unknown name in \(E2E.format(servfailSeconds))")
        }

        // Regression test (a bug before dd20cce): RFC 8767 sec. 4 says an upstream's SERVFAIL
        // "SHOULD be considered a failure to refresh the data and therefore leave any previous state
        // intact"; Forwarder.fetch handed the last SERVFAIL to resolve as an answer, so the stale
        // lookup never happened and the client got SERVFAIL for a name it had cached. In-process:
        // ForwarderTests.ForwarderResolveTests.anUpstreamThatOnlySaysServfailLeavesStaleDataServable.
        @Test("Every upstream answering SERVFAIL: an expired cached name is still served stale")
        func everyUpstreamSaysServfail() throws {
            let daemon = try pair.daemon()
            let short = daemon.dig(["short.corp.example", "A"])
            #expect(short.answer.map(\.data) == ["192.0.2.77"], "\(short)")

            // Knot keeps running but can only say SERVFAIL for corp.example; NSD is gone.
            try pair.knot.expireZone("corp.example")
            let direct = E2E.dig(port: pair.knot.port, ["short.corp.example", "A"])
            #expect(direct.status == "SERVFAIL", "\(direct)")
            pair.nsd.stop()
            usleep(1_500_000)  // short.corp.example (TTL 1) has expired

            let start = E2E.now()
            let stale = daemon.dig(["short.corp.example", "A"], time: 5)
            let seconds = E2E.now() - start
            print("[Forwarding] every upstream SERVFAIL (Knot zone expired, NSD stopped): \(stale.status ?? "no answer") in \(E2E.format(seconds)) for an expired cached name")
            #expect(stale.status == "NOERROR", "the expired answer should be served stale, not the upstream's SERVFAIL: \(stale)")
            #expect(stale.answer.map(\.data) == ["192.0.2.77"], "\(stale)")
            #expect(stale.answer.first?.ttl == 30, "\(stale)")
            #expect(seconds < 3, "\(seconds) s")
            // A name never cached: the upstream's SERVFAIL, at once.
            let unknown = daemon.dig(["never-asked.corp.example", "A"])
            #expect(unknown.status == "SERVFAIL", "\(unknown)")
        }
    }

    @Suite("Forwarding: who may forward and what is never forwarded")
    final class ForwardingScopeTests {
        let pair: UpstreamPair

        init() throws { pair = try UpstreamPair() }
        deinit { pair.cleanup() }

        @Test("--allow 127.0.0.2/32: REFUSED to 127.0.0.1 for forwarded names, answers to 127.0.0.2")
        func accessList() throws {
            let daemon = try pair.daemon(["--allow", "127.0.0.2/32"])
            let refused = daemon.dig(["www.corp.example", "A"])
            #expect(refused.status == "REFUSED", "\(refused)")
            #expect(refused.answer.isEmpty, "\(refused)")
            // Local names are for everyone.
            let local = daemon.dig(["printer.lan", "A"])
            #expect(local.status == "NOERROR", "\(local)")
            #expect(local.answer.map(\.data) == ["192.168.1.10"], "\(local)")

            let allowed = daemon.dig(["www.corp.example", "A"], source: "127.0.0.2")
            #expect(allowed.status == "NOERROR", "\(allowed)")
            #expect(allowed.answer.map(\.data) == ["192.0.2.10"], "\(allowed)")
            // Cached now, but still refused to the outsider.
            let again = daemon.dig(["www.corp.example", "A"])
            #expect(again.status == "REFUSED", "a cached answer must not leak to a client outside --allow: \(again)")
            let tcp = daemon.dig(["+tcp", "www.corp.example", "A"])
            #expect(tcp.status == "REFUSED", "\(tcp)")
            let tcpAllowed = daemon.dig(["+tcp", "www.corp.example", "A"], source: "127.0.0.2")
            #expect(tcpAllowed.status == "NOERROR", "\(tcpAllowed)")
        }

        @Test("LAN names, single labels and private PTRs never reach an upstream (Unbound's query log)")
        func localNamesStayLocal() throws {
            let unbound = try pair.startUnbound()
            let daemon = try pair.daemon(upstreams: [unbound, pair.nsd])
            let local: [([String], String)] = [
                (["printer.lan", "A"], "NOERROR"), (["nas.lan", "AAAA"], "NOERROR"), (["nosuch.lan", "A"], "NXDOMAIN"),
                (["lan", "SOA"], "NOERROR"), (["printer", "A"], "NOERROR"), (["unknownthing", "A"], "NXDOMAIN"),
                (["unknownthing", "AAAA"], "NXDOMAIN"), (["-x", "10.1.2.3"], "NXDOMAIN"), (["-x", "192.168.1.1"], "NXDOMAIN"),
                (["-x", "192.168.1.10"], "NOERROR"), (["-x", "172.16.5.4"], "NXDOMAIN"), (["localhost", "A"], "NOERROR"),
            ]
            for (args, status) in local {
                let reply = daemon.dig(args)
                #expect(reply.status == status, "\(args): \(reply)")
            }
            let printer = daemon.dig(["-x", "192.168.1.10"])
            #expect(printer.answer.map(\.data) == ["printer.lan."], "\(printer)")

            let forwarded = daemon.dig(["www.corp.example", "A"])
            #expect(forwarded.answer.map(\.data) == ["192.0.2.10"], "\(forwarded)")
            #expect(E2E.poll(every: 0.05, upTo: 3) { daemon.marker("which.corp.example") == "knot" } != nil, "through Unbound to Knot")

            // An Unbound primary whose forward target answers SERVFAIL: the secondary (NSD) is used.
            let broken = E2E.dig(port: unbound.port, ["which.broken.example", "TXT"])
            #expect(broken.status == "SERVFAIL", "\(broken)")
            #expect(daemon.marker("which.broken.example") == "nsd")

            let seen = E2E.poll(every: 0.1, upTo: 5) { unbound.log.contains("www.corp.example. A IN") }
            #expect(seen != nil, "the forwarded name should be in Unbound's query log: \(unbound.log)")
            let names = unbound.log.split(separator: "\n").compactMap { line -> String? in
                guard let range = line.range(of: "info: 127.0.0.1 ") else { return nil }
                return line[range.upperBound...].split(separator: " ").first.map { $0.lowercased() }
            }
            print("[Forwarding] names Unbound was asked: \(Set(names).sorted())")
            #expect(names.contains("www.corp.example."))
            let leaked = names.filter { name in
                name.hasSuffix(".lan.") || name == "lan." || name.hasSuffix(".in-addr.arpa.") || name.hasSuffix(".ip6.arpa.")
                    || name.hasPrefix("printer") || name.hasPrefix("unknownthing") || name.hasPrefix("localhost")
                    || name.split(separator: ".").count == 1
            }
            #expect(leaked.isEmpty, "local names reached the upstream: \(leaked)")
            #expect(names.allSatisfy { $0.hasSuffix("corp.example.") || $0.hasSuffix("broken.example.") }, "\(names)")
        }
    }
}
