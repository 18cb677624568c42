import DNSWire
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real upstream servers (Knot, NSD, Unbound) for the Forwarding end-to-end tests, and the zone
/// they serve. Everything listens on 127.0.0.1 ports picked free by the test; every process is
/// started by the test and stopped by its own PID; every wait is bounded; temp dirs are removed.
enum FW {
    /// The first TXT string of a dig answer, without its quotes.
    static func marker(_ reply: DNSReply) -> String? {
        guard let record = reply.answer.first(where: { $0.type == "TXT" }) else { return nil }
        return record.data.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
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
    let outputPath: String
    /// Unbound's query log (`log-queries`); for the others, their own log.
    let logPath: String
    /// A question the server answers once it is ready, and the marker it should say.
    let readyQuestion: [String]
    let readyMarker: String
    /// NSD forks: `ServerProcess` stops its children by PID too.
    private let process: ServerProcess
    private var cleaned = false

    var pid: Int32 { process.pid }
    var address: String { "127.0.0.1:\(port)" }
    var isRunning: Bool { process.isRunning }

    private init(kind: Kind, directory: URL, port: UInt16, executable: String, arguments: [String], logPath: String,
                 readyQuestion: [String], readyMarker: String) {
        self.kind = kind
        self.directory = directory
        self.port = port
        self.logPath = logPath
        let outputPath = directory.appendingPathComponent("\(kind.rawValue).out").path
        self.outputPath = outputPath
        self.readyQuestion = readyQuestion
        self.readyMarker = readyMarker
        process = ServerProcess(executable: executable, arguments: arguments, outputPath: outputPath)
    }

    /// Knot, authoritative for `zones` (marker "knot"); `broken` zones are configured with no
    /// file, so Knot answers SERVFAIL for every name in them.
    static func knot(zones: [String], broken: [String] = []) throws -> UpstreamServer {
        let executable = try E2E.require("knotd", package: "knot")
        let directory = try E2E.makeTempDirectory("knot")
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
        let executable = try E2E.require("nsd", package: "nsd")
        let directory = try E2E.makeTempDirectory("nsd")
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
        let executable = try E2E.require("unbound", package: "unbound")
        let directory = try E2E.makeTempDirectory("unbound")
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
        let knotc = try E2E.require("knotc", package: "knot")
        let result = run(knotc, ["-s", directory.appendingPathComponent("knot.sock").path, "zone-purge", "-f", "\(zone).", "+expire"],
                         timeout: 10)
        guard result.status == 0 else { throw HarnessError.daemonDidNotStart("knotc zone-purge: \(result)") }
    }

    /// Starts the server and waits (at most 10 s) until it answers its ready question.
    func start() throws {
        try process.launch(ready: { FW.marker(E2E.dig(port: port, readyQuestion, time: 1)) == readyMarker },
                           describe: { "\(kind.rawValue) on 127.0.0.1:\(port) did not start answering: \(output)\n\(log)" })
    }

    var output: String { E2E.read(outputPath) }
    var log: String { E2E.read(logPath) }

    /// SIGKILL (children too), and a bounded wait for the process to be gone.
    func killHard() { process.killHard() }

    func freeze() { process.signal(SIGSTOP) }
    func thaw() { process.signal(SIGCONT) }

    /// SIGCONT (in case it is frozen), SIGTERM, a bounded wait, SIGKILL if still there; children too.
    func stop() { process.stop() }

    /// Stops the server and removes its directory.
    func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { cleanup() }
}

extension LannamedDaemon {
    /// The marker (`knot`, `nsd`) of a TXT question asked through lannamed.
    func marker(_ name: String) -> String? { FW.marker(dig([name, "TXT"])) }
}

// MARK: - Knot and NSD together

/// Knot (the primary) and NSD (the secondary), both authoritative for corp.example and
/// other.example; NSD also for broken.example, which Knot is configured for but cannot load
/// (SERVFAIL). Optionally Unbound forwarding everything to Knot.
final class UpstreamPair {
    let knot: UpstreamServer
    let nsd: UpstreamServer
    private(set) var unbound: UpstreamServer?
    private var daemons: [LannamedDaemon] = []

    init() throws {
        _ = try E2E.require("dig", package: "bind9-dnsutils")
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

    /// lannamed forwarding to Knot then NSD (or `upstreams`), plus `extra` arguments; no DHCP
    /// capture; the hosts most query tests use.
    func daemon(_ extra: [String] = [], upstreams: [UpstreamServer]? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> LannamedDaemon {
        let list = upstreams ?? [knot, nsd]
        let daemon = try LannamedDaemon(["--no-dhcp"] + list.flatMap { ["--upstream", $0.address] } + extra,
                                        hosts: Fixture.hosts, sourceLocation: sourceLocation)
        daemons.append(daemon)
        return daemon
    }

    func cleanup() {
        for daemon in daemons { daemon.cleanup() }
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
        return "p50 \(E2E.format(Self.percentile(latencies, 0.5))), p99 \(E2E.format(Self.percentile(latencies, 0.99))), max \(E2E.format(latencies.max()))"
    }

    var description: String {
        let markers = Dictionary(grouping: queries, by: { $0.marker ?? ($0.answeredAt == nil ? "no answer" : "rcode \($0.rcode ?? 0)") })
            .mapValues(\.count)
        let failureText = failures.prefix(10).map { "#\($0.index) at \(String(format: "%.2f", $0.sentAt)) s: \($0.answeredAt == nil ? "no answer" : $0.late ? "late \(E2E.format($0.latency))" : "rcode \($0.rcode ?? 0) marker \($0.marker ?? "-")")" }
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
        let start = E2E.now()
        var pending = events.sorted { $0.at < $1.at }
        var sent = 0
        var buffer = [UInt8](repeating: 0, count: 65_535)
        let end = duration + timeout + 0.2
        while true {
            let t = E2E.now() - start
            while let event = pending.first, event.at <= t {
                pending.removeFirst()
                report.events[event.label] = E2E.now() - start
                event.action()
            }
            if sent < total && t >= Double(sent) / rate {
                let query = RawDNS.query(id: UInt16(sent & 0xFFFF), name: name(sent), type: 16)
                let sendTime = E2E.now() - start
                _ = query.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                report.queries.append(StreamQuery(index: sent, name: name(sent), sentAt: sendTime))
                sent += 1
            }
            let now = E2E.now() - start
            let outstanding = report.queries.contains { $0.answeredAt == nil && now - $0.sentAt < timeout }
            if sent >= total && pending.isEmpty && (!outstanding || now > end) { break }
            let nextSend = sent < total ? Double(sent) / rate : now + 0.02
            let wait = max(0, min(nextSend - now, 0.02, (pending.first?.at ?? .infinity) - now))
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(wait * 1000)) > 0 else { continue }
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                let arrived = E2E.now() - start
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
        let output = TestSupport.run("dnsperf", ["-s", "127.0.0.1", "-p", "\(port)", "-d", file.path, "-l", "\(seconds)",
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
