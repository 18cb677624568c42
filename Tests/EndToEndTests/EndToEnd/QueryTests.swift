import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// Ordinary answers from a running daemon, read with dig, kdig, drill, host and nslookup.
    @Suite("EndToEnd: queries")
    final class EndToEndQueryTests {
        let daemon: LannamedDaemon

        init() throws {
            daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: Fixture.hosts)
        }

        deinit { daemon.cleanup() }

        static let soaFieldsAfterSerial = ["3600", "600", "604800", "60"]

        /// Checks an SOA record of the LAN setup: owner, TTL, MNAME, RNAME, timers.
        func expectSOA(_ record: RR?, owner: String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard let record else {
                Issue.record("no SOA record", sourceLocation: sourceLocation)
                return
            }
            #expect(record.name == owner, sourceLocation: sourceLocation)
            #expect(record.ttl == 60, sourceLocation: sourceLocation)
            #expect(record.rrClass == "IN", sourceLocation: sourceLocation)
            #expect(record.type == "SOA", sourceLocation: sourceLocation)
            let fields = DNSReply.soaFields(record)
            #expect(fields.count == 7, "\(record)", sourceLocation: sourceLocation)
            guard fields.count == 7 else { return }
            #expect(fields[0] == "ns.lan.", sourceLocation: sourceLocation)
            #expect(fields[1] == "hostmaster.lan.", sourceLocation: sourceLocation)
            #expect((UInt32(fields[2]) ?? 0) > 0, "serial \(fields[2])", sourceLocation: sourceLocation)
            #expect(Array(fields[3...]) == Self.soaFieldsAfterSerial, sourceLocation: sourceLocation)
        }

        @Test("A and AAAA over UDP and TCP, with dig and kdig, on 127.0.0.1 and ::1")
        func addressRecords() {
            for server in ["127.0.0.1", "::1"] {
                for tcp in [false, true] {
                    let mode = tcp ? ["+tcp"] : []
                    let transport = tcp ? "(TCP)" : "(UDP)"
                    for tool in ["dig", "kdig"] {
                        func ask(_ args: [String]) -> DNSReply {
                            tool == "dig" ? daemon.dig(mode + args, server: server) : daemon.kdig(mode + args, server: server)
                        }
                        let a = ask(["printer.lan", "A"])
                        #expect(a.status == "NOERROR", "\(tool) \(server) \(mode): \(a)")
                        #expect(a.isAuthoritative, "\(a)")
                        #expect(a.answer == [RR("printer.lan.", 60, "IN", "A", "192.168.1.10")], "\(a)")
                        #expect(a.authority.isEmpty, "\(a)")
                        #expect(a.raw.contains(transport), "\(tool) should report \(transport): \(a)")

                        let aaaa = ask(["nas.lan", "AAAA"])
                        #expect(aaaa.status == "NOERROR", "\(aaaa)")
                        #expect(aaaa.isAuthoritative, "\(aaaa)")
                        #expect(aaaa.answer == [RR("nas.lan.", 60, "IN", "AAAA", "fd00::20")], "\(aaaa)")

                        let dualA = ask(["nas.lan", "A"])
                        #expect(dualA.answer == [RR("nas.lan.", 60, "IN", "A", "192.168.1.20")], "\(dualA)")
                    }
                }
            }
        }

        @Test("PTR for IPv4 and IPv6 (dig -x, kdig -x), loopback PTRs name localhost")
        func pointerRecords() {
            let cases: [(String, String, String)] = [
                ("192.168.1.10", "10.1.168.192.in-addr.arpa.", "printer.lan."),
                ("192.168.1.20", "20.1.168.192.in-addr.arpa.", "nas.lan."),
                ("10.60.0.7", "7.0.60.10.in-addr.arpa.", "big.lan."),
                ("fd00::20", "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "nas.lan."),
                ("127.0.0.1", "1.0.0.127.in-addr.arpa.", "localhost."),
                ("::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", "localhost."),
            ]
            for (address, owner, target) in cases {
                for tcp in [false, true] {
                    let mode = tcp ? ["+tcp"] : []
                    let viaDig = daemon.dig(mode + ["-x", address])
                    #expect(viaDig.status == "NOERROR", "dig -x \(address): \(viaDig)")
                    #expect(viaDig.isAuthoritative, "\(viaDig)")
                    #expect(viaDig.answer == [RR(owner, 60, "IN", "PTR", target)], "dig -x \(address): \(viaDig)")
                    let viaKdig = daemon.kdig(mode + ["-x", address])
                    #expect(viaKdig.status == "NOERROR", "kdig -x \(address): \(viaKdig)")
                    #expect(viaKdig.answer == [RR(owner, 60, "IN", "PTR", target)], "kdig -x \(address): \(viaKdig)")
                }
            }
        }

        @Test("SOA at the apex; NS with glue for ns.lan (127.0.0.1 and ::1), UDP and TCP, dig and kdig")
        func soaAndNameServer() {
            var serials = Set<String>()
            for tcp in [false, true] {
                let mode = tcp ? ["+tcp"] : []
                for tool in ["dig", "kdig"] {
                    func ask(_ args: [String]) -> DNSReply {
                        tool == "dig" ? daemon.dig(mode + args) : daemon.kdig(mode + args)
                    }
                    let soa = ask(["lan.", "SOA"])
                    #expect(soa.status == "NOERROR", "\(tool) \(mode): \(soa)")
                    #expect(soa.isAuthoritative, "\(soa)")
                    #expect(soa.answer.count == 1, "\(soa)")
                    expectSOA(soa.answer.first, owner: "lan.")
                    if let first = soa.answer.first { serials.insert(DNSReply.soaFields(first)[2]) }

                    let ns = ask(["lan.", "NS"])
                    #expect(ns.status == "NOERROR", "\(tool) \(mode): \(ns)")
                    #expect(ns.isAuthoritative, "\(ns)")
                    #expect(ns.answer == [RR("lan.", 60, "IN", "NS", "ns.lan.")], "\(ns)")
                    #expect(ns.additional == [RR("ns.lan.", 60, "IN", "A", "127.0.0.1"),
                                              RR("ns.lan.", 60, "IN", "AAAA", "::1")], "glue: \(ns)")

                    let nsA = ask(["ns.lan.", "A"])
                    #expect(nsA.answer == [RR("ns.lan.", 60, "IN", "A", "127.0.0.1")], "\(nsA)")
                    let nsAAAA = ask(["ns.lan.", "AAAA"])
                    #expect(nsAAAA.answer == [RR("ns.lan.", 60, "IN", "AAAA", "::1")], "\(nsAAAA)")
                }
            }
            #expect(serials.count == 1, "one serial while nothing changes: \(serials)")
        }

        @Test("NXDOMAIN and NODATA carry the zone's SOA in authority")
        func negativeAnswers() {
            for tcp in [false, true] {
                let mode = tcp ? ["+tcp"] : []
                let nx = daemon.dig(mode + ["nothere.lan.", "A"])
                #expect(nx.status == "NXDOMAIN", "\(nx)")
                #expect(nx.isAuthoritative, "\(nx)")
                #expect(nx.answer.isEmpty, "\(nx)")
                #expect(nx.authority.count == 1, "\(nx)")
                expectSOA(nx.authority.first, owner: "lan.")

                let kx = daemon.kdig(mode + ["nothere.lan.", "A"])
                #expect(kx.status == "NXDOMAIN", "\(kx)")
                #expect(kx.authority.count == 1, "\(kx)")
                expectSOA(kx.authority.first, owner: "lan.")

                // Below an existing host there is nothing either.
                let below = daemon.dig(mode + ["x.printer.lan.", "A"])
                #expect(below.status == "NXDOMAIN", "\(below)")

                let noData = daemon.dig(mode + ["printer.lan.", "AAAA"])
                #expect(noData.status == "NOERROR", "\(noData)")
                #expect(noData.isAuthoritative, "\(noData)")
                #expect(noData.answer.isEmpty, "\(noData)")
                #expect(noData.authority.count == 1, "\(noData)")
                expectSOA(noData.authority.first, owner: "lan.")

                let kNoData = daemon.kdig(mode + ["printer.lan.", "AAAA"])
                #expect(kNoData.status == "NOERROR", "\(kNoData)")
                #expect(kNoData.answer.isEmpty, "\(kNoData)")
                expectSOA(kNoData.authority.first, owner: "lan.")

                // A type the host does not have (MX) is NODATA too.
                let mx = daemon.dig(mode + ["printer.lan.", "MX"])
                #expect(mx.status == "NOERROR", "\(mx)")
                #expect(mx.answer.isEmpty, "\(mx)")
                expectSOA(mx.authority.first, owner: "lan.")
            }
        }

        @Test("Header: AA set, RD echoed, no RA, Z bit zero (dig +qr and raw bytes)")
        func headerFlags() {
            let reply = daemon.dig(["printer.lan.", "A"])
            #expect(reply.flags.sorted() == ["aa", "qr", "rd"], "\(reply)")
            #expect(!reply.raw.contains("MBZ"), "dig reports must-be-zero bits: \(reply)")

            let norecurse = daemon.dig(["+norecurse", "printer.lan.", "A"])
            #expect(norecurse.flags.sorted() == ["aa", "qr"], "\(norecurse)")

            let both = run("dig", ["-r", "@127.0.0.1", "-p", "\(daemon.port)", "+time=2", "+tries=1", "+qr", "printer.lan.", "A"])
            let flagLines = both.stdout.split(separator: "\n").filter { $0.hasPrefix(";; flags:") }
            #expect(flagLines.count == 2, "query and response flags: \(both.stdout)")
            if flagLines.count == 2 {
                #expect(flagLines[1].hasPrefix(";; flags: qr aa rd;"), "\(flagLines[1])")
                #expect(!flagLines[1].contains(" z"), "\(flagLines[1])")
            }

            // Raw: the Z bit stays zero even when the query sets it.
            for flags: UInt16 in [0x0100, 0x0140] {
                let query = RawDNS.query(id: 0x5A5A, name: "printer.lan", type: 1, flags: flags)
                let response = LoopbackSocket.udpExchange(port: daemon.port, query)
                #expect(response != nil, "no answer")
                guard let response else { continue }
                #expect(RawDNS.id(response) == 0x5A5A)
                #expect(RawDNS.isResponse(response))
                #expect(RawDNS.authoritative(response))
                #expect(!RawDNS.zBit(response), "Z bit set in response to flags \(flags)")
                #expect(response[3] & 0x80 == 0, "RA set")
                #expect(RawDNS.rcode(response) == 0)
                #expect(RawDNS.count(response, section: 1) == 1)
            }
        }

        @Test("Mixed case keeps its case; single labels, localhost., REFUSED and special zones")
        func namesInAndOutOfZone() {
            let mixed = daemon.dig(["PrInTeR.LaN", "A"])
            #expect(mixed.status == "NOERROR", "\(mixed)")
            #expect(mixed.answer == [RR("PrInTeR.LaN.", 60, "IN", "A", "192.168.1.10")], "\(mixed)")
            let mixedTCP = daemon.dig(["+tcp", "NaS.lAn", "AAAA"])
            #expect(mixedTCP.answer == [RR("NaS.lAn.", 60, "IN", "AAAA", "fd00::20")], "\(mixedTCP)")

            let single = daemon.dig(["printer.", "A"])
            #expect(single.status == "NOERROR", "\(single)")
            #expect(single.answer == [RR("printer.", 60, "IN", "A", "192.168.1.10")], "\(single)")
            #expect(daemon.short(["printer", "A"]) == ["192.168.1.10"])
            let singleUnknown = daemon.dig(["nosuchbox.", "A"])
            #expect(singleUnknown.status == "NXDOMAIN", "\(singleUnknown)")

            let localhost = daemon.dig(["localhost.", "A"])
            #expect(localhost.status == "NOERROR", "\(localhost)")
            #expect(localhost.answer == [RR("localhost.", 60, "IN", "A", "127.0.0.1")], "\(localhost)")
            let localhost6 = daemon.dig(["localhost.", "AAAA"])
            #expect(localhost6.answer == [RR("localhost.", 60, "IN", "AAAA", "::1")], "\(localhost6)")
            let below = daemon.dig(["app.localhost.", "A"])
            #expect(below.answer == [RR("app.localhost.", 60, "IN", "A", "127.0.0.1")], "\(below)")

            let outside = daemon.dig(["www.example.com.", "A"])
            #expect(outside.status == "REFUSED", "\(outside)")
            #expect(!outside.isAuthoritative, "\(outside)")
            #expect(outside.answer.isEmpty && outside.authority.isEmpty, "\(outside)")
            let outsideK = daemon.kdig(["www.example.com.", "A"])
            #expect(outsideK.status == "REFUSED", "\(outsideK)")

            let test = daemon.dig(["foo.test.", "A"])
            #expect(test.status == "NXDOMAIN", "\(test)")
            #expect(test.authority.first?.name == "test.", "\(test)")
            #expect(test.authority.first?.type == "SOA", "\(test)")

            let privatePTR = daemon.dig(["-x", "10.1.2.3"])
            #expect(privatePTR.status == "NXDOMAIN", "\(privatePTR)")
            #expect(privatePTR.isAuthoritative, "\(privatePTR)")
            #expect(privatePTR.authority.first?.name == "10.in-addr.arpa.", "\(privatePTR)")
            #expect(privatePTR.authority.first?.type == "SOA", "\(privatePTR)")
        }

        @Test("drill, host and nslookup read the same answers")
        func otherClients() {
            let port = "\(daemon.port)"
            let drill = DNSReply(run("drill", ["-p", port, "printer.lan", "@127.0.0.1", "A"]).stdout)
            #expect(drill.status == "NOERROR", "\(drill)")
            #expect(drill.flags.contains("aa"), "\(drill)")
            #expect(drill.answer == [RR("printer.lan.", 60, "IN", "A", "192.168.1.10")], "\(drill)")

            let drillTCP = DNSReply(run("drill", ["-t", "-p", port, "nas.lan", "@127.0.0.1", "AAAA"]).stdout)
            #expect(drillTCP.answer == [RR("nas.lan.", 60, "IN", "AAAA", "fd00::20")], "\(drillTCP)")

            let drillPTR = DNSReply(run("drill", ["-x", "-p", port, "192.168.1.10", "@127.0.0.1"]).stdout)
            #expect(drillPTR.answer == [RR("10.1.168.192.in-addr.arpa.", 60, "IN", "PTR", "printer.lan.")], "\(drillPTR)")

            let drillNX = DNSReply(run("drill", ["-p", port, "nothere.lan", "@127.0.0.1", "A"]).stdout)
            #expect(drillNX.status == "NXDOMAIN", "\(drillNX)")

            let host = run("host", ["-W", "2", "-p", port, "-t", "A", "printer.lan", "127.0.0.1"])
            #expect(host.status == 0, "\(host)")
            #expect(host.stdout.contains("printer.lan has address 192.168.1.10"), "\(host)")

            let host6 = run("host", ["-W", "2", "-p", port, "-t", "AAAA", "nas.lan", "127.0.0.1"])
            #expect(host6.stdout.contains("nas.lan has IPv6 address fd00::20"), "\(host6)")

            let hostPTR = run("host", ["-W", "2", "-p", port, "192.168.1.10", "127.0.0.1"])
            #expect(hostPTR.stdout.contains("10.1.168.192.in-addr.arpa domain name pointer printer.lan."), "\(hostPTR)")

            let hostNX = run("host", ["-W", "2", "-p", port, "-t", "A", "nothere.lan", "127.0.0.1"])
            #expect(hostNX.status != 0, "\(hostNX)")
            #expect(hostNX.stdout.contains("NXDOMAIN"), "\(hostNX)")

            let nslookup = run("nslookup", ["-port=\(port)", "-timeout=2", "printer.lan", "127.0.0.1"])
            #expect(nslookup.status == 0, "\(nslookup)")
            #expect(nslookup.stdout.contains("Name:\tprinter.lan\nAddress: 192.168.1.10"), "\(nslookup)")
        }

        @Test("60 addresses: truncated over UDP at 512 bytes, complete over TCP and after dig's TCP retry")
        func truncation() {
            let all = Fixture.bigAddresses.map { RR("big.lan.", 60, "IN", "A", $0) }

            let small = daemon.dig(["+bufsize=512", "+notcp", "+ignore", "big.lan.", "A"])
            #expect(small.status == "NOERROR", "\(small)")
            #expect(small.isTruncated, "tc expected: \(small)")
            #expect(small.isAuthoritative, "\(small)")
            #expect(small.answer.isEmpty, "\(small)")
            #expect(small.hasOPT, "the truncated answer keeps OPT: \(small)")
            #expect(!small.truncatedRetry, "\(small)")

            let noEDNS = daemon.dig(["+noedns", "+ignore", "big.lan.", "A"])
            #expect(noEDNS.isTruncated, "tc expected without EDNS: \(noEDNS)")
            #expect(noEDNS.answer.isEmpty, "\(noEDNS)")
            #expect(!noEDNS.hasOPT, "no OPT to a query without one: \(noEDNS)")

            let overTCP = daemon.dig(["+tcp", "big.lan.", "A"])
            #expect(!overTCP.isTruncated, "\(overTCP)")
            #expect(overTCP.answer == all, "\(overTCP)")

            // dig's default 1232-byte buffer holds the 60 records (~1 kB) as they are.
            let byDefault = daemon.dig(["big.lan.", "A"])
            #expect(byDefault.answer == all, "\(byDefault)")

            // With a 512-byte buffer or without EDNS, dig retries over TCP by itself and gets all.
            for args in [["+bufsize=512"], ["+noedns"]] {
                let retried = daemon.dig(args + ["big.lan.", "A"])
                #expect(retried.truncatedRetry, "dig should have retried over TCP: \(retried)")
                #expect(retried.answer == all, "\(args): \(retried)")
            }

            let kdigTCP = daemon.kdig(["+tcp", "big.lan.", "A"])
            #expect(kdigTCP.answer == all, "\(kdigTCP)")

            // Raw UDP without EDNS: TC, zero answers, the question kept.
            let raw = LoopbackSocket.udpExchange(port: daemon.port, RawDNS.query(id: 0x0B16, name: "big.lan", type: 1))
            #expect(raw != nil)
            if let raw {
                #expect(raw.count <= 512, "\(raw.count) bytes over UDP without EDNS")
                #expect(raw[2] & 0x02 != 0, "TC")
                #expect(RawDNS.count(raw, section: 0) == 1)
                #expect(RawDNS.count(raw, section: 1) == 0)
            }
        }

        @Test("EDNS version 1 gets BADVERS with an OPT record (dig and kdig)")
        func ednsBadVersion() {
            let reply = daemon.dig(["+edns=1", "+noednsnegotiation", "lan.", "SOA"])
            #expect(reply.status == "BADVERS", "\(reply)")
            #expect(reply.hasOPT, "\(reply)")
            #expect(reply.ednsVersion == 0, "the server speaks version 0: \(reply)")
            #expect(reply.answer.isEmpty, "\(reply)")

            let overTCP = daemon.dig(["+tcp", "+edns=1", "+noednsnegotiation", "lan.", "SOA"])
            #expect(overTCP.status == "BADVERS", "\(overTCP)")

            let k = daemon.kdig(["+edns=1", "lan.", "SOA"])
            #expect(k.status == "BADVERS", "\(k)")
            #expect(k.hasOPT, "\(k)")

            // Version 0 is fine.
            let ok = daemon.dig(["+edns=0", "lan.", "SOA"])
            #expect(ok.status == "NOERROR", "\(ok)")
            #expect(ok.ednsVersion == 0, "\(ok)")
        }

        @Test("Unknown opcodes get NOTIMP at once, never a timeout; unsigned UPDATE REFUSED, NOTIFY NOTAUTH")
        func unknownOpcode() {
            let started = Date()
            // A primary always takes UPDATEs (the LAN zone's from DHCP servers), signed only.
            let reply = daemon.dig(["+opcode=5", "printer.lan.", "A"])
            let elapsed = Date().timeIntervalSince(started)
            #expect(reply.status == "REFUSED", "\(reply)")
            #expect(reply.opcode == "UPDATE", "\(reply)")
            #expect(!reply.raw.contains("timed out"), "\(reply)")
            #expect(elapsed < 2.5, "took \(elapsed) s")
            // NOTIFY: this server is no secondary of the zone.
            let notify = LoopbackSocket.udpExchange(port: daemon.port,
                                                    RawDNS.query(id: 0x0C04, name: "lan", type: 6, flags: 4 << 11))
            #expect(notify.flatMap(RawDNS.rcode) == 9, "NOTIFY: \(String(describing: notify))")

            for opcode: UInt16 in [1, 2, 6, 15] {
                let flags = opcode << 11 | 0x0100
                let response = LoopbackSocket.udpExchange(port: daemon.port,
                                                          RawDNS.query(id: 0x0C00 + opcode, name: "printer.lan", type: 1, flags: flags))
                #expect(response != nil, "opcode \(opcode): no answer")
                guard let response else { continue }
                #expect(RawDNS.id(response) == 0x0C00 + opcode)
                #expect(RawDNS.rcode(response) == 4, "opcode \(opcode): rcode \(String(describing: RawDNS.rcode(response)))")
                #expect((response[2] >> 3) & 0x0F == UInt8(opcode), "opcode echoed")
            }

            // A zone transfer is refused, not answered.
            let axfr = LoopbackSocket.udpExchange(port: daemon.port, RawDNS.query(id: 0x0AF0, name: "lan", type: 252))
            #expect(axfr.flatMap(RawDNS.rcode) == 5, "AXFR: \(String(describing: axfr))")
        }
    }
}
