import DNSWire
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real upstream servers (Knot, NSD, Unbound) and a forwarding `lannamed` for the Forwarding
/// end-to-end tests. Everything listens on 127.0.0.1 ports picked free by the test; every process
/// is started by the test and stopped by its own PID; every wait is bounded; temp dirs are removed.
enum FW {
    /// A server binary the tests cannot do without: its path, or a recorded failure saying what to install.
    static func require(_ tool: String, package: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let path = E2E.which(tool) else {
            Issue.record("\(tool) is not installed: the Forwarding end-to-end tests start a real one (apt-get install \(package))",
                         sourceLocation: sourceLocation)
            throw HarnessError.missing(tool)
        }
        return path
    }

    static func makeTempDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-fw-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// `dig` at 127.0.0.1:`port` (optionally from `source`), bounded: one try of `time` seconds.
    static func dig(port: UInt16, _ args: [String], source: String? = nil, time: Int = 2) -> DNSReply {
        let from = source.map { ["-b", $0] } ?? []
        let output = run("dig", ["-r", "@127.0.0.1", "-p", "\(port)", "+time=\(time)", "+tries=1"] + from + args,
                         timeout: Double(time) * 3 + 3)
        return DNSReply(output.stdout + (output.status == 0 ? "" : "\n;; dig exit \(output.status): \(output.stderr)"))
    }

    /// The first TXT string of a dig answer, without its quotes.
    static func marker(_ reply: DNSReply) -> String? {
        guard let record = reply.answer.first(where: { $0.type == "TXT" }) else { return nil }
        return record.data.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// Polls `body` every `interval` until it is true or `limit` seconds pass; the seconds it took, or nil.
    static func poll(every interval: Double = 0.1, upTo limit: Double, _ body: () -> Bool) -> Double? {
        let start = now()
        for _ in 0..<(Int(limit / interval) + 2) {
            if body() { return now() - start }
            if now() - start > limit { break }
            usleep(useconds_t(interval * 1_000_000))
        }
        return nil
    }

    static func format(_ seconds: Double?) -> String {
        guard let seconds else { return "n/a" }
        return seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    // MARK: Zones

    static let bigCount = 100

    /// The test zone as each upstream serves it: `which` (TTL 0, never cached) and `*.w` (unique
    /// names) say which server answered; `big` needs TCP at a 1232-byte payload; `short` expires at once.
    static func zoneText(_ origin: String, marker: String) -> String {
        var text = """
        $ORIGIN \(origin).
        $TTL 300
        @       SOA   ns1 hostmaster 1 3600 600 86400 60
        @       NS    ns1
        ns1     A     127.0.0.1
        www     A     192.0.2.10
        www     AAAA  2001:db8::10
        @       MX    10 mail
        mail    A     192.0.2.25
        txt     TXT   "hello from \(origin)" "second string"
        which 0 TXT   "\(marker)"
        *.w  60 TXT   "\(marker)"
        short 1 A     192.0.2.77

        """
        for index in 1...bigCount { text += "big     A     192.0.2.\(index)\n" }
        return text
    }
}

// MARK: - Upstream servers

/// One Knot, NSD or Unbound on 127.0.0.1:`port`, with its config, zones and logs in its own temp dir.
final class UpstreamServer {
    enum Kind: String { case knot, nsd, unbound }

    let kind: Kind
    let directory: URL
    let port: UInt16
    let executable: String
    let arguments: [String]
    let outputPath: String
    /// Unbound's query log (`log-queries`); for the others, their own log.
    let logPath: String
    /// A question the server answers once it is ready, and the marker it should say.
    let readyQuestion: [String]
    let readyMarker: String
    private(set) var process: Spawned?
    /// NSD forks: its children are remembered at start so they can be stopped by PID too.
    private var children: [Int32] = []
    private var cleaned = false

    var pid: Int32 { process?.pid ?? -1 }
    var address: String { "127.0.0.1:\(port)" }
    var isRunning: Bool { process?.isRunning ?? false }

    private init(kind: Kind, directory: URL, port: UInt16, executable: String, arguments: [String], logPath: String,
                 readyQuestion: [String], readyMarker: String) {
        self.kind = kind
        self.directory = directory
        self.port = port
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        self.outputPath = directory.appendingPathComponent("\(kind.rawValue).out").path
        self.readyQuestion = readyQuestion
        self.readyMarker = readyMarker
    }

    /// Knot, authoritative for `zones` (marker "knot"); `broken` zones are configured with no
    /// file, so Knot answers SERVFAIL for every name in them.
    static func knot(zones: [String], broken: [String] = []) throws -> UpstreamServer {
        let executable = try FW.require("knotd", package: "knot")
        let directory = try FW.makeTempDirectory("knot")
        do {
            let port = try LoopbackSocket.freePort()
            let dir = directory.path
            for zone in zones {
                try FW.zoneText(zone, marker: "knot").write(toFile: "\(dir)/\(zone).zone", atomically: true, encoding: .utf8)
            }
            let config = """
            server:
                rundir: "\(dir)"
                listen: 127.0.0.1@\(port)
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
            control:
                listen: "\(dir)/knot.sock"
            database:
                storage: "\(dir)"
            template:
              - id: default
                storage: "\(dir)"
                file: "%s.zone"
                zonefile-sync: -1
                journal-content: none
            zone:
            \((zones + broken).map { "  - domain: \($0)." }.joined(separator: "\n"))
            log:
              - target: stderr
                any: info
            """
            let path = "\(dir)/knot.conf"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let server = UpstreamServer(kind: .knot, directory: directory, port: port, executable: executable,
                                        arguments: ["-c", path], logPath: "\(dir)/knot.out",
                                        readyQuestion: ["which.\(zones[0])", "TXT"], readyMarker: "knot")
            try server.start()
            return server
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// NSD, authoritative for `zones` (marker "nsd"), one server process, no rate limit.
    static func nsd(zones: [String]) throws -> UpstreamServer {
        let executable = try FW.require("nsd", package: "nsd")
        let directory = try FW.makeTempDirectory("nsd")
        do {
            let port = try LoopbackSocket.freePort()
            let dir = directory.path
            for zone in zones {
                try FW.zoneText(zone, marker: "nsd").write(toFile: "\(dir)/\(zone).zone", atomically: true, encoding: .utf8)
            }
            // rrl-ratelimit only where NSD was built with RRL (Debian's is).
            let checkconf = E2E.which("nsd-checkconf")
            var rrl = "    rrl-ratelimit: 0\n"
            let base = """
            server:
                server-count: 1
                ip-address: 127.0.0.1@\(port)
                port: \(port)
                do-ip6: no
                username: ""
                chroot: ""
                pidfile: "\(dir)/nsd.pid"
                zonesdir: "\(dir)"
                database: ""
                zonelistfile: "\(dir)/zone.list"
                xfrdfile: "\(dir)/xfrd.state"
                xfrdir: "\(dir)"
                logfile: "\(dir)/nsd.log"
                verbosity: 1

            """
            let rest = """
            remote-control:
                control-enable: no
            \(zones.map { "zone:\n    name: \($0)\n    zonefile: \($0).zone\n" }.joined())
            """
            let path = "\(dir)/nsd.conf"
            try (base + rrl + rest).write(toFile: path, atomically: true, encoding: .utf8)
            if let checkconf, run(checkconf, [path], timeout: 10).status != 0 {
                rrl = ""
                try (base + rest).write(toFile: path, atomically: true, encoding: .utf8)
            }
            let server = UpstreamServer(kind: .nsd, directory: directory, port: port, executable: executable,
                                        arguments: ["-c", path, "-d"], logPath: "\(dir)/nsd.log",
                                        readyQuestion: ["which.\(zones[0])", "TXT"], readyMarker: "nsd")
            try server.start()
            return server
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Unbound forwarding every name to 127.0.0.1:`forwardPort` (never anywhere else), logging
    /// each query it is asked; no validation, no trust anchor.
    static func unbound(forwardTo forwardPort: UInt16, readyName: String, readyMarker: String) throws -> UpstreamServer {
        let executable = try FW.require("unbound", package: "unbound")
        let directory = try FW.makeTempDirectory("unbound")
        do {
            let port = try LoopbackSocket.freePort()
            let dir = directory.path
            let config = """
            server:
                interface: 127.0.0.1@\(port)
                port: \(port)
                num-threads: 1
                so-reuseport: no
                do-ip6: no
                outgoing-interface: 127.0.0.1
                do-not-query-localhost: no
                chroot: ""
                username: ""
                directory: "\(dir)"
                pidfile: "\(dir)/unbound.pid"
                use-syslog: no
                logfile: "\(dir)/unbound.log"
                log-queries: yes
                verbosity: 1
                module-config: "iterator"
                qname-minimisation: no
                access-control: 127.0.0.0/8 allow
            remote-control:
                control-enable: no
            forward-zone:
                name: "."
                forward-addr: 127.0.0.1@\(forwardPort)
            """
            let path = "\(dir)/unbound.conf"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let server = UpstreamServer(kind: .unbound, directory: directory, port: port, executable: executable,
                                        arguments: ["-d", "-c", path], logPath: "\(dir)/unbound.log",
                                        readyQuestion: [readyName, "TXT"], readyMarker: readyMarker)
            try server.start()
            return server
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Knot only: drops `zone` from memory through the control socket (`knotc zone-purge +expire`),
    /// so Knot, still running, answers SERVFAIL for every name in it.
    func expireZone(_ zone: String) throws {
        precondition(kind == .knot)
        let knotc = try FW.require("knotc", package: "knot")
        let result = run(knotc, ["-s", directory.appendingPathComponent("knot.sock").path, "zone-purge", "-f", "\(zone).", "+expire"],
                         timeout: 10)
        guard result.status == 0 else { throw HarnessError.daemonDidNotStart("knotc zone-purge: \(result)") }
    }

    /// Starts the server and waits (at most 10 s) until it answers its ready question.
    func start() throws {
        guard !isRunning else { return }
        let process = try Spawned(executable, arguments, output: outputPath)
        self.process = process
        let ready = FW.poll(every: 0.05, upTo: 10) {
            guard process.isRunning else { return true }
            return FW.marker(FW.dig(port: port, readyQuestion, time: 1)) == readyMarker
        }
        guard ready != nil, process.isRunning else {
            let why = "\(kind.rawValue) on 127.0.0.1:\(port) did not start answering: \(self.output)\n\(log)"
            stop()
            throw HarnessError.daemonDidNotStart(why)
        }
        children = kind == .nsd ? Self.descendants(of: process.pid) : []
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` to this server's own PID (and, for NSD, its remembered children).
    func signal(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.pid, signal)
        for child in children where Self.isOurs(child, config: arguments) { kill(child, signal) }
    }

    /// SIGKILL, and a bounded wait for the process to be gone.
    func killHard() {
        guard let process, process.isRunning else { return }
        signal(SIGKILL)
        let deadline = FW.now() + 5
        while process.isRunning && FW.now() < deadline { usleep(5_000) }
    }

    func freeze() { signal(SIGSTOP) }
    func thaw() { signal(SIGCONT) }

    /// SIGCONT (in case it is frozen), SIGTERM, a bounded wait, SIGKILL if still there; children too.
    func stop() {
        guard let process else { return }
        if process.isRunning {
            signal(SIGCONT)
            kill(process.pid, SIGTERM)
            let deadline = FW.now() + 5
            while process.isRunning && FW.now() < deadline { usleep(10_000) }
            if process.isRunning {
                kill(process.pid, SIGKILL)
                let hard = FW.now() + 3
                while process.isRunning && FW.now() < hard { usleep(10_000) }
            }
        }
        let deadline = FW.now() + 3
        while children.contains(where: { Self.isOurs($0, config: arguments) }) && FW.now() < deadline { usleep(10_000) }
        for child in children where Self.isOurs(child, config: arguments) { kill(child, SIGKILL) }
    }

    /// Stops the server and removes its directory.
    func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { cleanup() }

    /// The PIDs whose parent chain leads to `root` (read from /proc).
    static func descendants(of root: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var parent: [Int32: Int32] = [:]
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { parent[pid] = ppid }
        }
        var found: [Int32] = []
        var frontier = [root]
        while let current = frontier.popLast() {
            for (pid, ppid) in parent where ppid == current && !found.contains(pid) {
                found.append(pid)
                frontier.append(pid)
            }
        }
        return found
    }

    /// Whether `pid` is still a process started with our config (so a recycled PID is never signalled).
    static func isOurs(_ pid: Int32, config arguments: [String]) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
        let cmdline = String(decoding: data, as: UTF8.self)
        guard let config = arguments.first(where: { $0.hasSuffix(".conf") }) else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { return false }
        return cmdline.contains(config)
    }
}

/// A child process started with posix_spawn, with an empty signal mask and default handlers:
/// Foundation's Process passes on the test runner's mask, in which SIGTERM is blocked, and NSD
/// (unlike Knot) does not unblock it. Reaped here with waitpid.
final class Spawned {
    let pid: pid_t
    private var exited = false

    init(_ executable: String, _ arguments: [String], output: String) throws {
        do {
            pid = try cleanSpawn(executable, arguments, output: output, truncate: false)
        } catch {
            throw HarnessError.daemonDidNotStart("posix_spawn \(executable): \(error)")
        }
    }

    /// Reaps the child if it has exited.
    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || result < 0 { exited = true }
        return !exited
    }
}

// MARK: - lannamed with forwarding

/// `lannamed run` on 127.0.0.1:PORT with forwarding to loopback upstreams only. It refuses to
/// start without `--upstream` or `--no-forward` (the default would be /etc/resolv.conf's servers).
final class ForwardingDaemon {
    let directory: URL
    let database: String
    let config: String
    let logPath: String
    let binary: String
    let arguments: [String]
    private(set) var port: UInt16 = 0
    private(set) var process: Process?
    private var stopped = false

    var pid: Int32 { process?.processIdentifier ?? -1 }

    init(_ arguments: [String], hosts: [(String, [String])] = Fixture.hosts,
         sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard arguments.contains("--upstream") || arguments.contains("--no-forward") else {
            Issue.record("a forwarding test must name its --upstream (or --no-forward): the default is /etc/resolv.conf",
                         sourceLocation: sourceLocation)
            throw HarnessError.missing("--upstream")
        }
        for (index, argument) in arguments.enumerated() where argument == "--upstream" || argument == "--forward-domain" {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            let addresses = argument == "--upstream" ? [value]
                : (value.split(separator: "=", maxSplits: 1).last.map { $0.split(separator: ",").map(String.init) } ?? [])
            guard !addresses.isEmpty, addresses.allSatisfy({ $0.hasPrefix("127.0.0.1:") }) else {
                Issue.record("upstream \(value) is not on 127.0.0.1: the tests never send anything off this machine",
                             sourceLocation: sourceLocation)
                throw HarnessError.missing("loopback upstream")
            }
        }
        binary = try E2E.requireBinary()
        self.arguments = arguments
        directory = try FW.makeTempDirectory("lannamed")
        database = directory.appendingPathComponent("lannamed.sqlite").path
        config = directory.appendingPathComponent("lannamed.toml").path
        logPath = directory.appendingPathComponent("daemon.log").path
        do {
            try "".write(toFile: config, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            for (name, addresses) in hosts {
                let added = run(binary, ["hosts", "add", name] + addresses + ["--database", database, "--config", config])
                guard added.status == 0 else { throw HarnessError.daemonDidNotStart("hosts add \(name) failed: \(added)") }
            }
            var attempt = 0
            while true {
                attempt += 1
                port = try LoopbackSocket.freePort()
                do {
                    try start()
                    break
                } catch HarnessError.portTaken where attempt < 3 {
                    continue
                }
            }
        } catch {
            stop()
            throw error
        }
    }

    private func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--no-dhcp", "--listen", "127.0.0.1:\(port)", "--database", database, "--config", config,
                             "--threads", "2"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        _ = try? log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // Bounded: 10 s. `lan. SOA` is answered locally, so readiness never touches an upstream.
        let ready = FW.poll(every: 0.05, upTo: 10) {
            guard process.isRunning else { return true }
            return !dig(["lan.", "SOA"], time: 1).answer.isEmpty
        }
        guard ready != nil, process.isRunning else {
            let text = self.log
            stopProcess()
            if text.contains("already in use") { throw HarnessError.portTaken }
            throw HarnessError.daemonDidNotStart(text)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func dig(_ args: [String], source: String? = nil, time: Int = 2) -> DNSReply {
        FW.dig(port: port, args, source: source, time: time)
    }

    /// The marker (`knot`, `nsd`) of a TXT question asked through lannamed.
    func marker(_ name: String) -> String? { FW.marker(dig([name, "TXT"])) }

    private func stopProcess() {
        guard let process, process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = FW.now() + 5
        while process.isRunning && FW.now() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            let hard = FW.now() + 3
            while process.isRunning && FW.now() < hard { usleep(10_000) }
        }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        stopProcess()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

// MARK: - Knot and NSD together

/// Knot (the primary) and NSD (the secondary), both authoritative for corp.example and
/// other.example; NSD also for broken.example, which Knot is configured for but cannot load
/// (SERVFAIL). Optionally Unbound forwarding everything to Knot.
final class UpstreamPair {
    let knot: UpstreamServer
    let nsd: UpstreamServer
    private(set) var unbound: UpstreamServer?
    private var daemons: [ForwardingDaemon] = []

    init() throws {
        _ = try FW.require("dig", package: "bind9-dnsutils")
        knot = try UpstreamServer.knot(zones: ["corp.example", "other.example"], broken: ["broken.example"])
        do {
            nsd = try UpstreamServer.nsd(zones: ["corp.example", "other.example", "broken.example"])
        } catch {
            knot.cleanup()
            throw error
        }
    }

    func startUnbound() throws -> UpstreamServer {
        let server = try UpstreamServer.unbound(forwardTo: knot.port, readyName: "which.corp.example", readyMarker: "knot")
        unbound = server
        return server
    }

    /// lannamed forwarding to Knot then NSD, plus `extra` arguments.
    func daemon(_ extra: [String] = [], upstreams: [UpstreamServer]? = nil) throws -> ForwardingDaemon {
        let list = upstreams ?? [knot, nsd]
        let daemon = try ForwardingDaemon(list.flatMap { ["--upstream", $0.address] } + extra)
        daemons.append(daemon)
        return daemon
    }

    func cleanup() {
        for daemon in daemons { daemon.stop() }
        daemons = []
        unbound?.cleanup()
        knot.cleanup()
        nsd.cleanup()
    }

    deinit { cleanup() }
}

// MARK: - A steady stream of queries

/// One query of a stream: when it went, when (if) its answer came, its RCODE and marker.
struct StreamQuery {
    let index: Int
    let name: String
    let sentAt: Double
    var answeredAt: Double?
    var rcode: UInt16?
    var marker: String?
    var late = false

    var latency: Double? { answeredAt.map { $0 - sentAt } }
}

struct StreamReport: CustomStringConvertible {
    var queries: [StreamQuery]
    var timeout: Double
    /// Each event's label and the stream time it ran at.
    var events: [String: Double]

    /// Not answered within the timeout, or not a NOERROR carrying a marker.
    func failed(_ query: StreamQuery) -> Bool {
        query.answeredAt == nil || query.late || query.rcode != 0 || query.marker == nil
    }

    var failures: [StreamQuery] { queries.filter(failed) }

    func sent(after time: Double) -> [StreamQuery] { queries.filter { $0.sentAt >= time } }

    /// The first answer with `marker` that arrived at or after `time`, as seconds after `time`.
    func firstAnswer(marked marker: String, after time: Double, includingLate: Bool = false) -> Double? {
        queries.filter { $0.marker == marker && (includingLate || !$0.late) }.compactMap(\.answeredAt).filter { $0 >= time }.min().map { $0 - time }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    func latencySummary(_ subset: [StreamQuery]) -> String {
        let latencies = subset.filter { !$0.late }.compactMap(\.latency)
        return "p50 \(FW.format(Self.percentile(latencies, 0.5))), p99 \(FW.format(Self.percentile(latencies, 0.99))), max \(FW.format(latencies.max()))"
    }

    var description: String {
        let markers = Dictionary(grouping: queries, by: { $0.marker ?? ($0.answeredAt == nil ? "no answer" : "rcode \($0.rcode ?? 0)") })
            .mapValues(\.count)
        let failureText = failures.prefix(10).map { "#\($0.index) at \(String(format: "%.2f", $0.sentAt)) s: \($0.answeredAt == nil ? "no answer" : $0.late ? "late \(FW.format($0.latency))" : "rcode \($0.rcode ?? 0) marker \($0.marker ?? "-")")" }
        return "\(queries.count) queries, \(failures.count) failed, by marker \(markers.sorted { $0.key < $1.key }), latency \(latencySummary(queries))"
            + (failureText.isEmpty ? "" : "; failures: \(failureText.joined(separator: ", "))")
    }
}

enum QueryStream {
    /// Sends TXT queries for `name(i)` to 127.0.0.1:`port` at `rate` per second for `duration`
    /// seconds from one UDP socket (no retries); an answer later than `timeout` counts as failed.
    /// Each event runs once, in line, when the stream's clock passes its time.
    static func run(port: UInt16, rate: Double, duration: Double, timeout: Double = 1.0, name: (Int) -> String,
                    events: [(label: String, at: Double, action: () -> Void)] = []) -> StreamReport {
        var report = StreamReport(queries: [], timeout: timeout, events: [:])
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return report }
        defer { close(fd) }
        guard LoopbackSocket.withLoopback(v6: false, port: port, { connect(fd, $0, $1) }) == 0 else { return report }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

        let total = Int(rate * duration)
        let start = FW.now()
        var pending = events.sorted { $0.at < $1.at }
        var sent = 0
        var buffer = [UInt8](repeating: 0, count: 65_535)
        let end = duration + timeout + 0.2
        while true {
            let t = FW.now() - start
            while let event = pending.first, event.at <= t {
                pending.removeFirst()
                report.events[event.label] = FW.now() - start
                event.action()
            }
            if sent < total && t >= Double(sent) / rate {
                let query = RawDNS.query(id: UInt16(sent & 0xFFFF), name: name(sent), type: 16)
                let sendTime = FW.now() - start
                _ = query.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                report.queries.append(StreamQuery(index: sent, name: name(sent), sentAt: sendTime))
                sent += 1
            }
            let now = FW.now() - start
            let outstanding = report.queries.contains { $0.answeredAt == nil && now - $0.sentAt < timeout }
            if sent >= total && pending.isEmpty && (!outstanding || now > end) { break }
            let nextSend = sent < total ? Double(sent) / rate : now + 0.02
            let wait = max(0, min(nextSend - now, 0.02, (pending.first?.at ?? .infinity) - now))
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(wait * 1000)) > 0 else { continue }
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                let arrived = FW.now() - start
                guard let message = try? Message(bytes: Array(buffer[0..<count])),
                      message.header.isResponse, Int(message.header.id) < report.queries.count else { continue }
                let index = Int(message.header.id)
                guard report.queries[index].answeredAt == nil else { continue }
                report.queries[index].answeredAt = arrived
                report.queries[index].late = arrived - report.queries[index].sentAt > timeout
                report.queries[index].rcode = message.rcode.rawValue
                for record in message.answers {
                    if case .txt(let strings) = record.data, let first = strings.first {
                        report.queries[index].marker = String(decoding: first, as: UTF8.self)
                        break
                    }
                }
            }
        }
        return report
    }
}

// MARK: - dnsperf

struct PerfResult: CustomStringConvertible {
    var output: ToolOutput
    var completed: Int?
    var lost: Int?
    var qps: Double?
    var codes: String?

    var description: String {
        "completed \(completed.map(String.init) ?? "?"), lost \(lost.map(String.init) ?? "?"), \(qps.map { String(format: "%.0f", $0) } ?? "?") queries/s, codes: \(codes ?? "?")"
    }

    /// `dnsperf -s 127.0.0.1 -p PORT -d FILE -l SECONDS -c 1 -q 100`, bounded.
    static func run(port: UInt16, names: [String], seconds: Int, in directory: URL) -> PerfResult {
        let file = directory.appendingPathComponent("dnsperf-\(UUID().uuidString.prefix(6)).txt")
        try? names.joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = EndToEndTests.run("dnsperf", ["-s", "127.0.0.1", "-p", "\(port)", "-d", file.path, "-l", "\(seconds)",
                                                   "-c", "1", "-q", "100"], timeout: Double(seconds) + 20)
        func number(_ label: String) -> Double? {
            guard let line = output.stdout.split(separator: "\n").first(where: { $0.contains(label) }),
                  let value = line.split(separator: ":", maxSplits: 1).last?.split(separator: " ").first else { return nil }
            return Double(value)
        }
        let codes = output.stdout.split(separator: "\n").first { $0.contains("Response codes:") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) }
        return PerfResult(output: output, completed: number("Queries completed:").map(Int.init),
                          lost: number("Queries lost:").map(Int.init), qps: number("Queries per second:"), codes: codes)
    }
}
