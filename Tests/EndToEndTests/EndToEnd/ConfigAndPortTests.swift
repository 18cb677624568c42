import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `lannamed config check` and `lannamed run --config` on good and bad files.
    @Suite("EndToEnd: config files")
    final class EndToEndConfigTests {
        let directory: URL
        let binary: String

        init() throws {
            binary = try E2E.requireBinary()
            directory = try E2E.makeTempDirectory("config")
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// The one `lannamed: ...` line of a failure.
        func errorLine(_ output: ToolOutput) -> String? {
            output.stderr.split(separator: "\n").map(String.init).first { $0.hasPrefix("lannamed: ") }
        }

        @Test("A good file checks out")
        func goodFile() throws {
            let path = try write("good.toml", """
            # a LAN server
            [zone]
            name = "lan"
            ttl = 30

            [[zone.hosts]]
            name = "router"
            addresses = ["192.168.1.1"]
            aliases = ["gw"]

            [server]
            listen = ["127.0.0.1:5353", "[::1]:5353"]
            threads = 2

            [database]
            path = "\(directory.path)/db.sqlite"

            """)
            let checked = run(binary, ["config", "check", "--config", path])
            #expect(checked.status == 0, "\(checked)")
            #expect(checked.stdout.hasPrefix("\(path): OK\n"), "\(checked)")
            #expect(checked.stdout.contains("listen 127.0.0.1:5353 [::1]:5353"), "\(checked)")
            #expect(checked.stdout.contains("ttl 30"), "\(checked)")
            #expect(checked.stderr.isEmpty, "\(checked)")
        }

        @Test("Syntax errors, unknown keys and bad values name their line")
        func badFiles() throws {
            let cases: [(String, String, Int, String?)] = [
                // name, text, line, a word the message must hold
                ("syntax.toml", "[zone]\nname = \"lan\"\nttl = = 60\n", 3, nil),
                ("unclosed.toml", "# comment\n\n[server\nthreads = 2\n", 3, nil),
                ("unknown.toml", "[zone]\nname = \"lan\"\n\n[server]\nlisten = [\"127.0.0.1:5353\"]\nbogus = 1\n", 6, "bogus"),
                ("toplevel.toml", "bogus = 1\n[zone]\nname = \"lan\"\n", 1, "bogus"),
                ("table.toml", "[zone]\nname = \"lan\"\n[nonsense]\nx = 1\n", 3, "nonsense"),
                ("type.toml", "[zone]\nname = \"lan\"\nttl = \"sixty\"\n", 3, "ttl"),
                ("range.toml", "[server]\nlisten = [\"127.0.0.1:5353\"]\nthreads = 9999\n", 3, "threads"),
                ("listen.toml", "[server]\n\nlisten = [\"127.0.0.1:99999\"]\n", 3, "99999"),
                ("address.toml", "[zone]\nname = \"lan\"\n\n[[zone.hosts]]\nname = \"x\"\naddresses = [\"300.1.1.1\"]\n", 6, "300.1.1.1"),
            ]
            for (name, text, line, word) in cases {
                let path = try write(name, text)
                let checked = run(binary, ["config", "check", "--config", path])
                #expect(checked.status != 0, "\(name) passed the check: \(checked)")
                #expect(!checked.timedOut)
                #expect(checked.stderr.contains("\(path):\(line):"), "\(name) should name line \(line): \(checked.stderr)")
                if let word {
                    #expect(checked.stderr.contains(word), "\(name): \(checked.stderr)")
                }
                #expect(!checked.stdout.contains("OK"), "\(name): \(checked)")
            }
        }

        @Test("Errors name the right line in a second [[zone.hosts]], under a commented header, and in dotted keys")
        func errorLinesInHarderPlaces() throws {
            // Regression test (was a bug): ConfigFile.line(of:in:) returns the first line in the file where the key appears
            // in a table of that name, so an error in the second [[zone.hosts]] entry points at the
            // first entry's `addresses` (line 6) instead of line 10.
            let second = try write("second-host.toml", """
            [zone]
            name = "lan"

            [[zone.hosts]]
            name = "a"
            addresses = ["192.168.1.1"]

            [[zone.hosts]]
            name = "b"
            addresses = ["300.1.1.1"]

            """)
            let secondChecked = run(binary, ["config", "check", "--config", second])
            #expect(secondChecked.status != 0)
            #expect(secondChecked.stderr.contains("\(second):10:"), "the bad address is on line 10: \(secondChecked.stderr)")

            // Regression test (was a bug): a table header followed by a comment (`[server] # listeners`, valid TOML) is not
            // recognised as [server] by the line finder, so the unknown key gets no line at all.
            let commented = try write("commented-header.toml", "[zone]\nname = \"lan\"\n[server] # listeners\nbogus = 1\n")
            let commentedChecked = run(binary, ["config", "check", "--config", commented])
            #expect(commentedChecked.status != 0)
            #expect(commentedChecked.stderr.contains("bogus"), "\(commentedChecked.stderr)")
            #expect(commentedChecked.stderr.contains("\(commented):4:"), "the unknown key is on line 4: \(commentedChecked.stderr)")

            // Regression test (was a bug): a dotted key at the top level (`server.bogus = 1`, valid TOML for [server] bogus)
            // is looked for only under a [server] header, so the unknown key gets no line.
            let dotted = try write("dotted.toml", "server.bogus = 1\n[zone]\nname = \"lan\"\n")
            let dottedChecked = run(binary, ["config", "check", "--config", dotted])
            #expect(dottedChecked.status != 0)
            #expect(dottedChecked.stderr.contains("bogus"), "\(dottedChecked.stderr)")
            #expect(dottedChecked.stderr.contains("\(dotted):1:"), "the unknown key is on line 1: \(dottedChecked.stderr)")
        }

        @Test("run --config with a bad file exits non-zero with the same message and never listens")
        func runRefusesBadConfig() throws {
            let path = try write("bad.toml", "[zone]\nname = \"lan\"\n\n[server]\nbogus = 1\n")
            let checked = run(binary, ["config", "check", "--config", path])
            let port = try LoopbackSocket.freePort()
            let started = run(binary, ["run", "--config", path, "--listen", "127.0.0.1:\(port)",
                                       "--database", directory.appendingPathComponent("db.sqlite").path,
                                       "--threads", "2", "--no-dhcp", "--no-forward"], timeout: 10)
            #expect(!started.timedOut, "lannamed run kept running with a bad config: \(started)")
            #expect(started.status != 0, "\(started)")
            #expect(started.stderr.contains("\(path):5:"), "\(started)")
            #expect(errorLine(started) != nil && errorLine(started) == errorLine(checked),
                    "run: \(String(describing: errorLine(started))) vs check: \(String(describing: errorLine(checked)))")
            #expect(!started.stderr.contains("answering"), "\(started)")
            // Nothing answers on that port.
            #expect(LoopbackSocket.udpExchange(port: port, RawDNS.query(id: 1, name: "lan", type: 6), timeoutMs: 300) == nil)

            // A missing file is an error too, not a silent default.
            let missing = run(binary, ["config", "check", "--config", directory.appendingPathComponent("nope.toml").path])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("no such file"), "\(missing)")
        }
    }

    /// A second server on a busy port says who holds it.
    @Suite("EndToEnd: port in use")
    final class EndToEndPortTests {
        @Test("A second lannamed on the same port exits at once, naming lannamed and its pid")
        func secondInstance() throws {
            let daemon = try LannamedDaemon(["--no-dhcp", "--no-forward"], hosts: [("printer", ["192.168.1.10"])])
            defer { daemon.cleanup() }
            let otherDatabase = daemon.directory.appendingPathComponent("other.sqlite").path
            let second = run(daemon.binary, ["run"] + daemon.listenArguments
                             + ["--database", otherDatabase, "--config", daemon.config, "--threads", "2", "--no-dhcp", "--no-forward"], timeout: 10)
            #expect(!second.timedOut, "the second server kept running: \(second)")
            #expect(second.status != 0, "\(second)")
            #expect(second.elapsed < 5, "took \(second.elapsed) s to give up")
            #expect(second.stderr.contains("already in use"), "\(second)")
            #expect(second.stderr.contains("127.0.0.1:\(daemon.port)"), "\(second)")
            #expect(second.stderr.contains("lannamed (pid \(daemon.pid))"), "holder not named: \(second.stderr)")
            // The first one is unharmed.
            #expect(daemon.isRunning)
            #expect(daemon.short(["printer.lan.", "A"]) == ["192.168.1.10"])
        }

        @Test("A TCP listener of another process on the port is found and named by pid")
        func foreignTCPListener() throws {
            let binary = try E2E.requireBinary()
            let directory = try E2E.makeTempDirectory("config")
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("empty.toml").path
            try "".write(toFile: config, atomically: true, encoding: .utf8)
            var held: (fd: Int32, port: UInt16)? = nil
            for _ in 0..<20 {
                let port = try LoopbackSocket.freePort()
                if let socket = LoopbackSocket.bound(v6: false, udp: false, port: port) {
                    held = socket
                    break
                }
            }
            let socket = try #require(held, "cannot hold a TCP port")
            defer { close(socket.fd) }
            #expect(listen(socket.fd, 4) == 0)
            let result = run(binary, ["run", "--listen", "127.0.0.1:\(socket.port)",
                                      "--database", directory.appendingPathComponent("db.sqlite").path,
                                      "--config", config, "--threads", "2", "--no-dhcp", "--no-forward"], timeout: 10)
            #expect(!result.timedOut, "\(result)")
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.contains("TCP 127.0.0.1:\(socket.port) is already in use"), "\(result)")
            #expect(result.stderr.contains("(pid \(getpid()))"), "our pid \(getpid()) not named: \(result.stderr)")
        }
    }
}
