import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The end-to-end tests: the real `lannamed` binary on loopback, queried with dig, kdig, drill,
/// host and raw sockets. Every suite is nested here, so the whole tree runs one test at a time.
@Suite(.serialized)
enum EndToEnd {}

// MARK: - Locating things

enum E2E {
    /// The package root, from this file's path (Tests/EndToEndTests/EndToEnd/Harness.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `lannamed`: next to the test runner, else `<root>/.build/debug/lannamed`.
    static let binary: URL? = {
        let besideRunner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("lannamed")
        // Swift Testing on Linux may run from inside the .xctest bundle's parent or the bundle itself.
        let candidates = [
            besideRunner,
            besideRunner.deletingLastPathComponent().appendingPathComponent("lannamed"),
            packageRoot.appendingPathComponent(".build/debug/lannamed"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
        }
        return nil
    }()

    /// The binary's path, or a recorded failure that says where it was looked for.
    static func requireBinary() throws -> String {
        guard let binary else {
            let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
            Issue.record("lannamed binary not found next to the test runner (\(runner)) nor in \(packageRoot.path)/.build/debug; build it with `swift build --build-tests`")
            throw HarnessError.missing("lannamed")
        }
        return binary.path
    }

    /// A tool from PATH (or the usual system directories); nil when absent.
    static func which(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]
        for directory in directories {
            let candidate = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func makeTempDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

enum HarnessError: Error, CustomStringConvertible {
    case missing(String)
    case noFreePort
    case portTaken
    case daemonDidNotStart(String)

    var description: String {
        switch self {
        case .missing(let tool): "\(tool) is not installed"
        case .noFreePort: "no free loopback port found"
        case .portTaken: "the chosen port was taken before the daemon bound it"
        case .daemonDidNotStart(let log): "lannamed did not start answering:\n\(log)"
        }
    }
}

// MARK: - Running tools

struct ToolOutput: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
    var elapsed: Double

    var description: String { "status \(status)\(timedOut ? " (killed after timeout)" : "")\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs `tool` (a name found on PATH, or a path) with `args`; kills it after `timeout` seconds.
/// A tool that is not installed is a recorded test failure (status 127), never a silent pass.
@discardableResult
func run(_ tool: String, _ args: [String], timeout: Double = 10, environment: [String: String]? = nil,
         sourceLocation: SourceLocation = #_sourceLocation) -> ToolOutput {
    guard let executable = E2E.which(tool) else {
        Issue.record("\(tool) is not installed (CI installs it with apt: bind9-dnsutils, knot-dnsutils, ldnsutils)",
                     sourceLocation: sourceLocation)
        return ToolOutput(status: 127, stdout: "", stderr: "\(tool): not found", timedOut: false, elapsed: 0)
    }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-e2e-run-\(UUID().uuidString)")
    let outURL = scratch.appendingPathExtension("out")
    let errURL = scratch.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    var env = environment ?? ProcessInfo.processInfo.environment
    env["NOTIFY_SOCKET"] = nil
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    let start = Date()
    do {
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
    } catch {
        Issue.record("cannot start \(executable): \(error)", sourceLocation: sourceLocation)
        return ToolOutput(status: 126, stdout: "", stderr: "\(error)", timedOut: false, elapsed: 0)
    }
    var timedOut = false
    let deadline = Date().addingTimeInterval(timeout)
    // Bounded: at most timeout/5 ms polls, then a kill and a bounded wait.
    while process.isRunning {
        if Date() >= deadline {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(5_000)
    }
    if timedOut {
        let hardDeadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < hardDeadline { usleep(10_000) }
    }
    let elapsed = Date().timeIntervalSince(start)
    let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    let status: Int32 = process.isRunning ? -1 : process.terminationStatus
    return ToolOutput(status: timedOut ? -9 : status, stdout: stdout, stderr: stderr, timedOut: timedOut, elapsed: elapsed)
}

// MARK: - Sockets (loopback only)

enum LoopbackSocket {
    static func socketType(udp: Bool) -> Int32 { udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue) }

    /// Calls `body` with 127.0.0.1:port or [::1]:port. Nothing else is ever addressed.
    static func withLoopback<T>(v6: Bool, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
                for index in 0..<16 { raw[index] = 0 }
                raw[15] = 1
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    /// Binds a socket to loopback:`port` (0 = any); returns the fd and the bound port, or nil.
    static func bound(v6: Bool, udp: Bool, port: UInt16) -> (fd: Int32, port: UInt16)? {
        let fd = socket(v6 ? AF_INET6 : AF_INET, socketType(udp: udp), 0)
        guard fd >= 0 else { return nil }
        if v6 {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = withLoopback(v6: v6, port: port) { bind(fd, $0, $1) }
        guard result == 0 else {
            close(fd)
            return nil
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            return nil
        }
        let boundPort: UInt16 = withUnsafePointer(to: &storage) { pointer in
            if v6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, boundPort)
    }

    /// A port free for UDP and TCP on both 127.0.0.1 and ::1 (checked by binding, then closed).
    static func freePort() throws -> UInt16 {
        for _ in 0..<50 {
            guard let first = bound(v6: false, udp: true, port: 0) else { continue }
            var fds = [first.fd]
            var ok = true
            for (v6, udp) in [(false, false), (true, true), (true, false)] {
                if let other = bound(v6: v6, udp: udp, port: first.port) {
                    fds.append(other.fd)
                } else {
                    ok = false
                    break
                }
            }
            for fd in fds { close(fd) }
            if ok { return first.port }
        }
        throw HarnessError.noFreePort
    }

    /// Sends one datagram to 127.0.0.1:`port` and waits at most `timeoutMs` for one reply.
    static func udpExchange(port: UInt16, _ bytes: [UInt8], timeoutMs: Int32 = 1000) -> [UInt8]? {
        let fd = socket(AF_INET, socketType(udp: true), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard withLoopback(v6: false, port: port, { connect(fd, $0, $1) }) == 0 else { return nil }
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { return nil }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_535)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Array(buffer[0..<count])
    }

    /// A TCP connection to 127.0.0.1:`port`, or nil.
    static func tcpConnect(port: UInt16) -> Int32? {
        let fd = socket(AF_INET, socketType(udp: false), 0)
        guard fd >= 0 else { return nil }
        guard withLoopback(v6: false, port: port, { connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        var attempts = 0
        while offset < bytes.count && attempts < 1000 {
            attempts += 1
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return offset == bytes.count
    }

    enum ReadResult: Equatable {
        case bytes([UInt8])
        case closed        // EOF or reset before `count` bytes
        case timedOut
    }

    /// Reads exactly `count` bytes within `timeoutMs`.
    static func readExactly(_ fd: Int32, _ count: Int, timeoutMs: Int = 2000) -> ReadResult {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        var buffer = [UInt8](repeating: 0, count: max(count, 1))
        while out.count < count {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            if left <= 0 { return .timedOut }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, left)
            if ready == 0 { return .timedOut }
            if ready < 0 { return .closed }
            let want = count - out.count
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, want, 0) }
            if got <= 0 { return .closed }
            out += buffer[0..<got]
        }
        return .bytes(out)
    }

    /// Reads one length-prefixed DNS message from a TCP stream.
    static func readFrame(_ fd: Int32, timeoutMs: Int = 2000) -> ReadResult {
        switch readExactly(fd, 2, timeoutMs: timeoutMs) {
        case .bytes(let prefix):
            let length = Int(prefix[0]) << 8 | Int(prefix[1])
            return readExactly(fd, length, timeoutMs: timeoutMs)
        case let other:
            return other
        }
    }
}

// MARK: - DNS messages built and read by hand (for the raw-socket tests)

enum RawDNS {
    /// A query: header (RD set), one question, no EDNS.
    static func query(id: UInt16, name: String, type: UInt16, flags: UInt16 = 0x0100) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF),
                              0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8)
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        return bytes
    }

    static func framed(_ message: [UInt8]) -> [UInt8] {
        [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    }

    static func id(_ message: [UInt8]) -> UInt16? {
        message.count >= 2 ? UInt16(message[0]) << 8 | UInt16(message[1]) : nil
    }

    static func rcode(_ message: [UInt8]) -> UInt8? { message.count >= 4 ? message[3] & 0x0F : nil }
    static func isResponse(_ message: [UInt8]) -> Bool { message.count >= 3 && message[2] & 0x80 != 0 }
    static func zBit(_ message: [UInt8]) -> Bool { message.count >= 4 && message[3] & 0x40 != 0 }
    static func authoritative(_ message: [UInt8]) -> Bool { message.count >= 3 && message[2] & 0x04 != 0 }

    static func count(_ message: [UInt8], section: Int) -> Int? {
        let offset = 4 + 2 * section
        guard message.count >= offset + 2 else { return nil }
        return Int(message[offset]) << 8 | Int(message[offset + 1])
    }
}

// MARK: - Reading dig / kdig / drill output

struct RR: Equatable, CustomStringConvertible, Sendable {
    var name: String
    var ttl: Int
    var rrClass: String
    var type: String
    var data: String

    init(_ name: String, _ ttl: Int, _ rrClass: String, _ type: String, _ data: String) {
        self.name = name
        self.ttl = ttl
        self.rrClass = rrClass
        self.type = type
        self.data = data
    }

    var description: String { "\(name) \(ttl) \(rrClass) \(type) \(data)" }
}

/// What dig, kdig and drill print for one response, read back into its parts.
struct DNSReply: CustomStringConvertible {
    var raw: String
    var opcode: String?
    var status: String?
    var id: Int?
    var flags: [String] = []
    var answer: [RR] = []
    var authority: [RR] = []
    var additional: [RR] = []
    var hasOPT = false
    var ednsVersion: Int?
    var truncatedRetry = false

    var description: String { raw }

    /// Parses the last response in the text (dig may print a truncated UDP answer, then the TCP one).
    init(_ text: String) {
        raw = text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Start at the last header, so a retried query is read as the final answer.
        let lastHeader = lines.lastIndex { $0.contains("->>HEADER<<-") } ?? 0
        truncatedRetry = text.contains("Truncated, retrying in TCP mode")
        var section: String? = nil
        for line in lines[lastHeader...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.contains("->>HEADER<<-") {
                opcode = Self.word(after: "opcode: ", in: trimmed)
                status = Self.word(after: "status: ", in: trimmed) ?? Self.word(after: "rcode: ", in: trimmed)
                id = Self.word(after: "id: ", in: trimmed).flatMap { Int($0) }
                continue
            }
            if trimmed.lowercased().hasPrefix(";; flags:") {
                let rest = trimmed.dropFirst(";; flags:".count)
                let flagText = rest.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                flags = flagText.split(separator: " ").map(String.init)
                continue
            }
            if trimmed.hasPrefix(";; OPT PSEUDOSECTION") || trimmed.hasPrefix(";; EDNS PSEUDOSECTION") {
                hasOPT = true
                section = nil
                continue
            }
            if trimmed.hasPrefix("; EDNS: version:") || trimmed.hasPrefix(";; Version:") {
                let marker = trimmed.hasPrefix("; EDNS") ? "version: " : "Version: "
                ednsVersion = Self.word(after: marker, in: trimmed).flatMap { Int($0) }
                continue
            }
            if trimmed.hasPrefix(";; ANSWER SECTION") { section = "answer"; continue }
            if trimmed.hasPrefix(";; AUTHORITY SECTION") { section = "authority"; continue }
            if trimmed.hasPrefix(";; ADDITIONAL SECTION") { section = "additional"; continue }
            if trimmed.isEmpty { section = nil; continue }
            if trimmed.hasPrefix(";") { continue }
            guard let current = section else { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 5, let ttl = Int(fields[1]) else { continue }
            let record = RR(fields[0], ttl, fields[2], fields[3], fields[4...].joined(separator: " "))
            switch current {
            case "answer": answer.append(record)
            case "authority": authority.append(record)
            default: additional.append(record)
            }
        }
    }

    /// The run of letters, digits and dashes after `marker`.
    static func word(after marker: String, in line: String) -> String? {
        guard let range = line.range(of: marker) else { return nil }
        let word = line[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
        return word.isEmpty ? nil : String(word)
    }

    var isAuthoritative: Bool { flags.contains("aa") }
    var isTruncated: Bool { flags.contains("tc") }

    /// The SOA rdata split into its seven fields.
    static func soaFields(_ record: RR) -> [String] {
        record.data.split(separator: " ").map(String.init)
    }
}

// MARK: - The daemon

/// One `lannamed run` on 127.0.0.1:PORT and [::1]:PORT, with its own temp directory and database.
final class Daemon {
    let directory: URL
    let database: String
    let config: String
    let logPath: String
    private(set) var port: UInt16 = 0
    let binary: String
    private(set) var process: Process?
    private var stopped = false

    var pid: Int32 { process?.processIdentifier ?? -1 }

    /// Hosts added with `lannamed hosts add` before the daemon starts.
    init(hosts: [(String, [String])] = [], configText: String = "") throws {
        binary = try E2E.requireBinary()
        directory = try E2E.makeTempDirectory()
        database = directory.appendingPathComponent("lannamed.sqlite").path
        // An explicit (empty) config so a stray /etc/lannamed/lannamed.toml never leaks in.
        config = directory.appendingPathComponent("lannamed.toml").path
        logPath = directory.appendingPathComponent("daemon.log").path
        do {
            try configText.write(toFile: config, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            for (name, addresses) in hosts {
                let added = lannamed(["hosts", "add", name] + addresses)
                guard added.status == 0 else {
                    throw HarnessError.daemonDidNotStart("hosts add \(name) failed: \(added)")
                }
            }
            // The port is free when picked; should another process take it before the daemon
            // binds, pick again (at most three times).
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
            stopProcess()
            try? FileManager.default.removeItem(at: directory)
            stopped = true
            throw error
        }
    }

    /// Runs a `lannamed` subcommand against this daemon's database and config.
    func lannamed(_ args: [String], timeout: Double = 10) -> ToolOutput {
        run(binary, args + ["--database", database, "--config", config], timeout: timeout)
    }

    var listenArguments: [String] { ["--listen", "127.0.0.1:\(port)", "--listen", "[::1]:\(port)"] }

    private func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run"] + listenArguments + ["--database", database, "--config", config, "--threads", "2", "--no-dhcp", "--no-forward"]
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

        // Bounded: at most 10 s, polling every 50 ms.
        let deadline = Date().addingTimeInterval(10)
        var attempts = 0
        while Date() < deadline && attempts < 200 {
            attempts += 1
            guard process.isRunning else {
                let text = self.log
                if text.contains("already in use") { throw HarnessError.portTaken }
                throw HarnessError.daemonDidNotStart("exited with \(process.terminationStatus): \(text)")
            }
            let probe = run("dig", ["-r", "@127.0.0.1", "-p", "\(port)", "+time=1", "+tries=1", "+short", "lan.", "SOA"], timeout: 3)
            if probe.status == 0 && !probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            if probe.status == 127 { break }  // dig missing: already recorded
            usleep(50_000)
        }
        stopProcess()
        throw HarnessError.daemonDidNotStart("no SOA answer on 127.0.0.1:\(port) within 10 s: \(self.log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM only, keeping the directory: whether it exited within `limit`, its status, the time.
    func terminate(limit: Double = 5) -> (exited: Bool, status: Int32, seconds: Double) {
        guard let process, process.isRunning else { return (true, process?.terminationStatus ?? -1, 0) }
        let started = Date()
        kill(process.processIdentifier, SIGTERM)
        let deadline = started.addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let seconds = Date().timeIntervalSince(started)
        return process.isRunning ? (false, -1, seconds) : (true, process.terminationStatus, seconds)
    }

    /// Starts the daemon again on the same port and database (after `terminate`).
    func restart() throws {
        guard !isRunning, !stopped else { return }
        try start()
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// SIGTERM to this daemon's own PID, a bounded wait, SIGKILL if it is still there.
    private func stopProcess() {
        guard let process, process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            let hard = Date().addingTimeInterval(3)
            while process.isRunning && Date() < hard { usleep(20_000) }
        }
    }

    /// Stops the daemon (SIGTERM, then SIGKILL if needed) and deletes the temp directory.
    func stop() {
        guard !stopped else { return }
        stopped = true
        stopProcess()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    // MARK: Queries

    /// `dig -r @127.0.0.1 -p PORT ARGS` (or @::1; -r: no ~/.digrc), bounded: one try, two seconds each.
    func dig(_ args: [String], server: String = "127.0.0.1") -> DNSReply {
        let output = run("dig", ["-r", "@\(server)", "-p", "\(port)", "+time=2", "+tries=1"] + args, timeout: 10)
        return DNSReply(output.stdout + (output.status == 0 ? "" : "\n;; dig exit \(output.status): \(output.stderr)"))
    }

    func kdig(_ args: [String], server: String = "127.0.0.1") -> DNSReply {
        let output = run("kdig", ["@\(server)", "-p", "\(port)", "+time=2", "+retry=0"] + args, timeout: 10)
        return DNSReply(output.stdout + (output.status == 0 ? "" : "\n;; kdig exit \(output.status): \(output.stderr)"))
    }

    /// `dig +short` lines.
    func short(_ args: [String], server: String = "127.0.0.1") -> [String] {
        let output = run("dig", ["-r", "@\(server)", "-p", "\(port)", "+time=2", "+tries=1", "+short"] + args, timeout: 10)
        return output.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Polls `body` every `interval` until it is true or `limit` passes; returns the seconds it took.
    func poll(every interval: Double = 0.1, upTo limit: Double = 3, _ body: () -> Bool) -> Double? {
        let start = Date()
        let attempts = Int(limit / interval) + 1
        for _ in 0..<attempts {
            if body() { return Date().timeIntervalSince(start) }
            if Date().timeIntervalSince(start) > limit { break }
            usleep(useconds_t(interval * 1_000_000))
        }
        return nil
    }
}

/// The hosts most query tests use.
enum Fixture {
    static let bigAddresses = (1...60).map { "10.60.0.\($0)" }
    static let hosts: [(String, [String])] = [
        ("printer", ["192.168.1.10"]),
        ("nas", ["192.168.1.20", "fd00::20"]),
        ("big", bigAddresses),
    ]
}
