import Foundation
import TestSupport
import Testing

/// A TSIG key as the transfer tests hand it around: `name` (no trailing dot needed), `algorithm`
/// (`hmac-sha256`, the name NSD, Knot, BIND and dig all use) and the base64 `secret`.
typealias TestTSIGKey = (name: String, algorithm: String, secret: String)

/// Helpers shared by the real secondaries (NSD, Knot, BIND) and the Knot primary of the transfer
/// tests. Loopback only; every wait bounded.
enum XFR {
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

    /// The whole of `zone` from `server` (127.0.0.1 or ::1) at `port` by AXFR (`dig +noall +answer`), as normalised
    /// lines `owner ttl class type rdata` (owner lowercased, single spaces), the closing SOA
    /// dropped, sorted; nil when the transfer failed.
    static func axfr(port: UInt16, zone: String, key: TestTSIGKey? = nil, server: String = "127.0.0.1", time: Int = 5) -> [String]? {
        precondition(server == "127.0.0.1" || server == "::1", "loopback only")
        let output = run("dig", ["-r", "@\(server)", "-p", "\(port)", "+time=\(time)", "+tries=1", "+noall", "+answer"]
                         + digKeyArguments(key) + [E2E.fqdn(zone), "AXFR"], timeout: Double(time) * 3 + 5)
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
        E2E.poll(every: 0.05, upTo: timeout) {
            guard let current = serial() else { return false }
            return XFR.serial(current, atLeast: target)
        }
    }

    /// lannamed as the transfer tests run it: on `port`, chosen before the peers that point at it;
    /// never forwarding; logging at debug level, where it says how each transfer went.
    static func lannamed(port: UInt16, _ arguments: [String], hosts: [(String, [String])] = [],
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> LannamedDaemon {
        try LannamedDaemon(["--no-forward", "--log-level", "debug"] + arguments, hosts: hosts, port: port,
                           sourceLocation: sourceLocation)
    }
}
