import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Stopping, restarting, and a daemon shaped by its config file.
    @Suite("EndToEnd: lifecycle and config-driven zone")
    final class EndToEndLifecycleTests {
        @Test("SIGTERM stops the daemon cleanly; a restart on the same port and database answers the same")
        func terminateAndRestart() throws {
            let daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: [("printer", ["192.168.1.10"])])
            defer { daemon.cleanup() }
            let serialBefore = daemon.short(["lan.", "SOA"]).first

            let stopped = daemon.terminate(limit: 5)
            print(String(format: "EndToEnd timing: SIGTERM -> exit in %.3f s", stopped.seconds))
            #expect(stopped.exited, "still running 5 s after SIGTERM:\n\(daemon.log)")
            #expect(stopped.status == 0, "exit status \(stopped.status):\n\(daemon.log)")
            #expect(daemon.log.contains("lannamed stopped"), "\(daemon.log)")
            #expect(LoopbackSocket.udpExchange(port: daemon.port, RawDNS.query(id: 7, name: "lan", type: 6), timeoutMs: 300) == nil,
                    "something still answers after the stop")

            // The port is free again at once and the store kept everything.
            try daemon.start()
            #expect(daemon.isRunning)
            #expect(daemon.short(["printer.lan.", "A"]) == ["192.168.1.10"])
            #expect(daemon.short(["lan.", "SOA"]).first == serialBefore, "a restart without changes keeps the serial")
        }

        @Test("Hosts and TTLs from the config file are served; empty non-terminals and the apex behave")
        func configDrivenZone() throws {
            let daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: [("a.b", ["192.168.7.7"]), ("@", ["192.168.7.1"])], config: """
            [zone]
            name = "lan"
            ttl = 300
            negative-ttl = 30

            [[zone.hosts]]
            name = "router"
            addresses = ["192.168.1.1", "fd00::1"]
            aliases = ["gw"]

            """)
            defer { daemon.cleanup() }

            let router = daemon.dig(["router.lan.", "A"])
            #expect(router.answer == [RR("router.lan.", 300, "IN", "A", "192.168.1.1")], "\(router)")
            let alias = daemon.dig(["gw.lan.", "AAAA"])
            #expect(alias.answer == [RR("gw.lan.", 300, "IN", "AAAA", "fd00::1")], "\(alias)")
            let ptr = daemon.dig(["-x", "192.168.1.1"])
            #expect(ptr.answer == [RR("1.1.168.192.in-addr.arpa.", 300, "IN", "PTR", "router.lan.")], "the name, not the alias: \(ptr)")

            // Negative answers: SOA TTL and MINIMUM are the negative TTL.
            let nx = daemon.dig(["nothere.lan.", "A"])
            #expect(nx.status == "NXDOMAIN", "\(nx)")
            #expect(nx.authority.first?.ttl == 30, "\(nx)")
            #expect(nx.authority.first.map(DNSReply.soaFields)?.last == "30", "\(nx)")

            // b.lan exists only as the parent of a.b.lan: NODATA, not NXDOMAIN.
            let ent = daemon.dig(["b.lan.", "A"])
            #expect(ent.status == "NOERROR", "\(ent)")
            #expect(ent.answer.isEmpty, "\(ent)")
            #expect(ent.authority.first?.type == "SOA", "\(ent)")
            #expect(daemon.dig(["a.b.lan.", "A"]).answer == [RR("a.b.lan.", 300, "IN", "A", "192.168.7.7")])

            // An address at the apex next to the SOA and NS.
            #expect(daemon.dig(["lan.", "A"]).answer == [RR("lan.", 300, "IN", "A", "192.168.7.1")])
            let soa = daemon.dig(["lan.", "SOA"])
            #expect(soa.answer.count == 1 && soa.answer.first?.ttl == 300, "\(soa)")
            #expect(daemon.dig(["lan.", "NS"]).answer == [RR("lan.", 300, "IN", "NS", "ns.lan.")])

            // The config file's hosts show in the listing as source "config".
            let listed = daemon.hosts(["list", "--json"])
            let objects = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8))) as? [[String: Any]] ?? []
            let router2 = objects.first { $0["name"] as? String == "router" }
            #expect(router2?["source"] as? String == "config", "\(listed.stdout)")
        }

        @Test("max-tcp-connections and tcp-idle-timeout from the config file hold on the wire")
        func tcpLimits() throws {
            let daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: [("printer", ["192.168.1.10"])], config: """
            [server]
            tcp-idle-timeout = 3
            max-tcp-connections = 2

            """)
            defer { daemon.cleanup() }

            /// Opens a connection and proves it is served with one query.
            func served(id: UInt16) -> Int32? {
                guard let fd = LoopbackSocket.tcpConnect(port: daemon.port) else { return nil }
                guard LoopbackSocket.sendAll(fd, RawDNS.framed(RawDNS.query(id: id, name: "printer.lan", type: 1))),
                      case .bytes(let reply) = LoopbackSocket.readFrame(fd, timeoutMs: 2000), RawDNS.id(reply) == id else {
                    close(fd)
                    return nil
                }
                return fd
            }

            let first = served(id: 1)
            let second = served(id: 2)
            #expect(first != nil && second != nil, "two connections should be served")
            // A third is over the limit: closed at once, long before the 3 s idle timer.
            if let third = LoopbackSocket.tcpConnect(port: daemon.port) {
                let started = Date()
                _ = LoopbackSocket.sendAll(third, RawDNS.framed(RawDNS.query(id: 3, name: "printer.lan", type: 1)))
                let result = LoopbackSocket.readFrame(third, timeoutMs: 2500)
                #expect(result == .closed, "third connection: \(result)")
                #expect(Date().timeIntervalSince(started) < 2, "closed by the limit, not by the idle timer")
                close(third)
            }
            if let first { close(first) }
            if let second { close(second) }

            // Closed connections give their places back (bounded wait for the server to see the FINs).
            var again: Int32? = nil
            _ = E2E.poll(every: 0.1, upTo: 2) {
                again = served(id: 4)
                return again != nil
            }
            #expect(again != nil, "no TCP service after the first two connections closed")
            if let again { close(again) }
            for round in 0..<5 {
                let fd = served(id: UInt16(10 + round))
                #expect(fd != nil, "round \(round)")
                if let fd { close(fd) }
                usleep(50_000)
            }
            let viaDig = E2E.poll(every: 0.1, upTo: 2) {
                daemon.dig(["+tcp", "printer.lan.", "A"]).answer.count == 1
            }
            #expect(viaDig != nil, "dig +tcp not served after connections came and went")

            // An idle connection is closed after about 3 s.
            guard let idle = LoopbackSocket.tcpConnect(port: daemon.port) else {
                Issue.record("cannot connect")
                return
            }
            defer { close(idle) }
            let opened = Date()
            let result = LoopbackSocket.readFrame(idle, timeoutMs: 6000)
            let waited = Date().timeIntervalSince(opened)
            #expect(result == .closed, "idle connection: \(result)")
            #expect(waited > 2 && waited < 5.5, "closed after \(waited) s, tcp-idle-timeout = 3")
        }
    }
}
