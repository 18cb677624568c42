import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A TSIG key as the transfer tests hand it around: `name` (no trailing dot needed), `algorithm`
/// (`hmac-sha256`, the name NSD, Knot, BIND and dig all use) and the base64 `secret`.
typealias TestTSIGKey = (name: String, algorithm: String, secret: String)

/// Helpers shared by the real secondaries (NSD, Knot, BIND) and the Knot primary of the transfer
/// tests. Loopback only; every wait bounded.
enum XFR {
    /// `lan` or `lan.` → `lan.` (lowercased, one trailing dot).
    static func fqdn(_ zone: String) -> String {
        let trimmed = zone.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "." || trimmed.isEmpty { return "." }
        return trimmed.hasSuffix(".") ? trimmed : trimmed + "."
    }

    /// A key name as it goes in the configs: lowercased, without the trailing dot.
    static func keyName(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }

    /// `bytes` random bytes, base64 (what `openssl rand -base64 32` prints).
    static func randomSecret(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// A fresh hmac-sha256 key with a random 32-byte secret.
    static func makeKey(_ name: String = "xfr-key", algorithm: String = "hmac-sha256") -> TestTSIGKey {
        (name: name, algorithm: algorithm, secret: randomSecret())
    }

    /// `serial` is `target` or later in RFC 1982 serial arithmetic.
    static func serial(_ serial: UInt32, atLeast target: UInt32) -> Bool {
        Int32(bitPattern: serial &- target) >= 0
    }

    /// dig's `-y ALG:NAME:SECRET` for `key`, or nothing.
    static func digKeyArguments(_ key: TestTSIGKey?) -> [String] {
        guard let key else { return [] }
        return ["-y", "\(key.algorithm):\(keyName(key.name)):\(key.secret)"]
    }

    /// Only the loopback addresses are ever configured as a primary or a NOTIFY target.
    static func requireLoopback(_ address: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard address == "127.0.0.1" || address == "::1" else {
            Issue.record("\(address) is not a loopback address: the transfer tests never talk to anything else",
                         sourceLocation: sourceLocation)
            throw HarnessError.missing("loopback primary address")
        }
    }

    /// The SOA serial `port` answers for `zone` (authoritative NOERROR only), asked with dig.
    static func soaSerial(port: UInt16, zone: String) -> UInt32? {
        let reply = FW.dig(port: port, ["+norec", fqdn(zone), "SOA"], time: 1)
        guard reply.status == "NOERROR",
              let soa = reply.answer.first(where: { $0.type == "SOA" && $0.name.lowercased() == fqdn(zone) }) else { return nil }
        let fields = DNSReply.soaFields(soa)
        return fields.count >= 3 ? UInt32(fields[2]) : nil
    }

    /// The whole of `zone` from `server` (127.0.0.1 or ::1) at `port` by AXFR (`dig +noall +answer`), as normalised
    /// lines `owner ttl class type rdata` (owner lowercased, single spaces), the closing SOA
    /// dropped, sorted; nil when the transfer failed.
    static func axfr(port: UInt16, zone: String, key: TestTSIGKey? = nil, server: String = "127.0.0.1", time: Int = 5) -> [String]? {
        precondition(server == "127.0.0.1" || server == "::1", "loopback only")
        let output = run("dig", ["-r", "@\(server)", "-p", "\(port)", "+time=\(time)", "+tries=1", "+noall", "+answer"]
                         + digKeyArguments(key) + [fqdn(zone), "AXFR"], timeout: Double(time) * 3 + 5)
        guard output.status == 0, !output.stdout.contains("Transfer failed") else { return nil }
        var records: [String] = []
        for line in output.stdout.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix(";") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 5, Int(fields[1]) != nil else { continue }
            if fields[3] == "TSIG" { continue }
            records.append(([fields[0].lowercased()] + fields.dropFirst()).joined(separator: " "))
        }
        let soaCount = records.filter { $0.split(separator: " ")[3] == "SOA" }.count
        guard soaCount >= 1 else { return nil }
        // An AXFR starts and ends with the SOA: drop the closing copy.
        if soaCount >= 2, let last = records.lastIndex(where: { $0.split(separator: " ")[3] == "SOA" }) {
            records.remove(at: last)
        }
        return records.sorted()
    }

    /// Waits (bounded by `timeout`, polling every 50 ms) until `serial()` is `target` or later;
    /// the seconds it took, or nil.
    static func waitForSerial(atLeast target: UInt32, timeout: Double, _ serial: () -> UInt32?) -> Double? {
        FW.poll(every: 0.05, upTo: timeout) {
            guard let current = serial() else { return false }
            return XFR.serial(current, atLeast: target)
        }
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

/// One server process of the transfer tests, started with `cleanSpawn` (clean signal mask) through
/// `Spawned`, stopped by its own PID. NSD forks: its descendants are looked up again at stop time
/// (NSD re-forks its serving child after every transfer) and signalled only while their command
/// line still names our config (`UpstreamServer.isOurs`), so a recycled PID is never touched.
final class ServerProcess {
    let executable: String
    let arguments: [String]
    let outputPath: String
    private(set) var spawned: Spawned?
    private var children: [Int32] = []

    init(executable: String, arguments: [String], outputPath: String) {
        self.executable = executable
        self.arguments = arguments
        self.outputPath = outputPath
    }

    var pid: Int32 { spawned?.pid ?? -1 }
    var isRunning: Bool { spawned?.isRunning ?? false }

    /// Starts the process (output appended to `outputPath`), then waits at most `limit` seconds
    /// for `ready`; stops it and throws, with `describe()`, if it exits or never gets ready.
    func launch(readyWithin limit: Double = 10, ready: () -> Bool, describe: () -> String) throws {
        guard !isRunning else { return }
        let process = try Spawned(executable, arguments, output: outputPath)
        spawned = process
        let waited = FW.poll(every: 0.05, upTo: limit) {
            guard process.isRunning else { return true }
            return ready()
        }
        guard waited != nil, process.isRunning else {
            let text = describe()
            stop()
            let command = URL(fileURLWithPath: executable).lastPathComponent + " " + arguments.joined(separator: " ")
            throw HarnessError.daemonDidNotStart("\(command):\n\(text)")
        }
        rememberChildren()
    }

    func rememberChildren() {
        guard let spawned else { return }
        for child in UpstreamServer.descendants(of: spawned.pid) where !children.contains(child) { children.append(child) }
    }

    private var liveChildren: [Int32] { children.filter { UpstreamServer.isOurs($0, config: arguments) } }

    func signal(_ signal: Int32) {
        guard let spawned, spawned.isRunning else { return }
        kill(spawned.pid, signal)
        for child in liveChildren { kill(child, signal) }
    }

    /// SIGTERM to our PID, at most 5 s, then SIGKILL (at most 3 s more); then the remembered
    /// children of ours that are still there, at most 3 s, then SIGKILL.
    func stop() {
        guard let spawned else { return }
        if spawned.isRunning {
            rememberChildren()
            kill(spawned.pid, SIGCONT)
            kill(spawned.pid, SIGTERM)
            let deadline = FW.now() + 5
            while spawned.isRunning && FW.now() < deadline { usleep(10_000) }
            if spawned.isRunning {
                kill(spawned.pid, SIGKILL)
                let hard = FW.now() + 3
                while spawned.isRunning && FW.now() < hard { usleep(10_000) }
            }
        }
        let deadline = FW.now() + 3
        while !liveChildren.isEmpty && FW.now() < deadline { usleep(10_000) }
        for child in liveChildren { kill(child, SIGKILL) }
        children = []
    }
}
