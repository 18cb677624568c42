import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One `lannamed run` on 127.0.0.1:PORT and [::1]:PORT, with its own temp directory, database,
/// config file and log, started with a clean signal mask (`ServerProcess`) and stopped by its PID.
///
/// It never sends anything off this machine: the arguments must say `--no-forward` or name an
/// `--upstream`, and every upstream, forward domain, primary and NOTIFY target must be on
/// 127.0.0.1. Every wait is bounded; `cleanup()` (also on deinit) stops it and removes the directory.
package final class LannamedDaemon {
    package let directory: URL
    package let database: String
    package let config: String
    package let logPath: String
    package let binary: String
    /// What follows `run --listen ... --database ... --config ... --threads 2`.
    package let arguments: [String]
    package private(set) var port: UInt16 = 0
    private var process: ServerProcess?
    private var cleaned = false

    package var pid: Int32 { process?.pid ?? -1 }
    package var isRunning: Bool { process?.isRunning ?? false }
    package var listenArguments: [String] { ["--listen", "127.0.0.1:\(port)", "--listen", "[::1]:\(port)"] }
    package var log: String { E2E.read(logPath) }

    /// Adds `hosts` (`lannamed hosts add NAME ADDRESSES...`), writes `config` as the config file,
    /// then starts the daemon with `arguments` and waits (at most 10 s) until it answers. On
    /// `port` when given (a port the peers were already told); otherwise on a free port, picked
    /// again (at most three times) should another process take it before the daemon binds it.
    package init(_ arguments: [String], hosts: [(String, [String])] = [], config configText: String = "",
                 port chosen: UInt16? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try Self.requireLoopbackOnly(arguments, sourceLocation: sourceLocation)
        _ = try E2E.require("dig", package: "bind9-dnsutils", sourceLocation: sourceLocation)
        binary = try E2E.requireBinary(sourceLocation: sourceLocation)
        self.arguments = arguments
        directory = try E2E.makeTempDirectory("lannamed")
        database = directory.appendingPathComponent("lannamed.sqlite").path
        // An explicit config (empty by default) so a stray /etc/lannamed/lannamed.toml never leaks in.
        config = directory.appendingPathComponent("lannamed.toml").path
        logPath = directory.appendingPathComponent("daemon.log").path
        do {
            try configText.write(toFile: config, atomically: true, encoding: .utf8)
            for (name, addresses) in hosts {
                let added = self.hosts(["add", name] + addresses)
                guard added.status == 0 else { throw HarnessError.daemonDidNotStart("hosts add \(name) failed: \(added)") }
            }
            var attempt = 0
            while true {
                attempt += 1
                port = try chosen ?? LoopbackSocket.freePort()
                process = ServerProcess(executable: binary,
                                        arguments: ["run"] + listenArguments + ["--database", database, "--config", config,
                                                                                "--threads", "2"] + arguments,
                                        environment: ProcessInfo.processInfo.environment.filter { $0.key != "NOTIFY_SOCKET" },
                                        outputPath: logPath)
                // A fresh log per attempt, so "already in use" is this attempt's.
                _ = FileManager.default.createFile(atPath: logPath, contents: nil)
                do {
                    try start()
                    break
                } catch HarnessError.daemonDidNotStart(let why) where chosen == nil && attempt < 3 && why.contains("already in use") {
                    continue
                }
            }
        } catch {
            cleanup()
            throw error
        }
    }

    /// The tests never send anything off this machine: refuses arguments that would.
    private static func requireLoopbackOnly(_ arguments: [String], sourceLocation: SourceLocation) throws {
        guard arguments.contains("--upstream") || arguments.contains("--no-forward") else {
            Issue.record("a lannamed under test must name its --upstream (or --no-forward): the default is /etc/resolv.conf",
                         sourceLocation: sourceLocation)
            throw HarnessError.missing("--upstream")
        }
        let addressed = ["--upstream", "--forward-domain", "--secondary-of", "--notify"]
        for (index, argument) in arguments.enumerated() where addressed.contains(argument) {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            let addresses = argument == "--forward-domain"
                ? (value.split(separator: "=", maxSplits: 1).last.map { $0.split(separator: ",").map(String.init) } ?? [])
                : [value]
            guard !addresses.isEmpty, addresses.allSatisfy({ $0.hasPrefix("127.0.0.1:") }) else {
                Issue.record("\(argument) \(value) is not on 127.0.0.1: the tests never send anything off this machine",
                             sourceLocation: sourceLocation)
                throw HarnessError.missing("loopback address for \(argument)")
            }
        }
    }

    /// Starts it (again, after `stop()` or `terminate`) on the same port, database and config,
    /// its output appended to the log; waits at most 10 s until it answers `localhost.` (answered
    /// locally in every mode: also by a secondary before its first transfer, and by a forwarder
    /// without asking an upstream).
    package func start() throws {
        guard let process, !cleaned else { return }
        try process.launch(ready: {
            E2E.dig(port: port, ["localhost.", "A"], time: 1).answer.contains { $0.data == "127.0.0.1" }
        }, describe: { "lannamed on 127.0.0.1:\(port):\n\(log)" })
    }

    /// SIGTERM only, keeping the directory: whether it exited within `limit`, its status, the time.
    package func terminate(limit: Double = 5) -> (exited: Bool, status: Int32, seconds: Double) {
        process?.terminate(limit: limit) ?? (true, -1, 0)
    }

    /// SIGTERM to its PID, at most 5 s, SIGKILL if it is still there. Keeps the directory, so
    /// `start()` brings it back with everything it stored.
    package func stop() { process?.stop() }

    /// Stops it and removes its directory.
    package func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { cleanup() }

    // MARK: The command line

    /// `lannamed hosts ARGS` on this daemon's database and config (bounded: 20 s).
    @discardableResult
    package func hosts(_ args: [String]) -> ToolOutput {
        run(binary, ["hosts"] + args + ["--database", database, "--config", config], timeout: 20)
    }

    /// `lannamed COMMAND ARGS` (records, ddns, ...) on this daemon's database and config, with
    /// `extra` (such as `--hosted-zone`) after the arguments (bounded: 20 s).
    @discardableResult
    package func command(_ name: String, _ args: [String], extra: [String] = []) -> ToolOutput {
        run(binary, [name] + args + ["--database", database, "--config", config] + extra, timeout: 20)
    }

    // MARK: Queries

    /// `dig -r @SERVER -p PORT ARGS`, from `source` when given; one try of `time` seconds.
    package func dig(_ args: [String], server: String = "127.0.0.1", source: String? = nil, time: Int = 2) -> DNSReply {
        E2E.dig(port: port, args, server: server, source: source, time: time)
    }

    /// `kdig @SERVER -p PORT ARGS`, one try of two seconds.
    package func kdig(_ args: [String], server: String = "127.0.0.1") -> DNSReply {
        let output = run("kdig", ["@\(server)", "-p", "\(port)", "+time=2", "+retry=0"] + args, timeout: 10)
        return DNSReply(output.stdout + (output.status == 0 ? "" : "\n;; kdig exit \(output.status): \(output.stderr)"))
    }

    /// `dig +short` lines.
    package func short(_ args: [String], server: String = "127.0.0.1") -> [String] {
        let output = run("dig", ["-r", "@\(server)", "-p", "\(port)", "+time=2", "+tries=1", "+short"] + args, timeout: 10)
        return output.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The data of the `type` records a name has here (asked without recursion), sorted; empty for none.
    package func answers(_ name: String, _ type: String) -> [String] {
        dig(["+norec", name, type]).answer.filter { $0.type == type }.map(\.data).sorted()
    }

    /// The serial of `zone`'s SOA as it answers it (authoritatively); nil if it does not.
    package func serial(_ zone: String) -> UInt32? { E2E.soaSerial(port: port, zone: zone) }
}
