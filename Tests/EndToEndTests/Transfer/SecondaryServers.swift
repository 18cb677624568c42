import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real secondary (NSD, Knot or BIND) of a primary on loopback, in its own temp dir: it asks the
/// primary for each zone (with a TSIG key when given), accepts NOTIFY from 127.0.0.1 and ::1 (from
/// any port), allows AXFR out to loopback without a key (so a test can dump what it holds), listens
/// on a free port on 127.0.0.1 and ::1 (UDP and TCP), logs to a file in its directory and runs in
/// the foreground as our child. Stopped by its own PID; `cleanup()` removes the directory.
final class SecondaryServer {
    enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case nsd, knot, bind
        var description: String { rawValue }
    }

    let kind: Kind
    let directory: URL
    let port: UInt16
    /// Zone names, normalised (`lan.`).
    let zones: [String]
    let primary: (address: String, port: UInt16)
    let tsig: TestTSIGKey?
    let configPath: String
    /// The server's own log file (BIND: the info-level log; see `transferLogPath`).
    let logPath: String
    /// BIND only: xfer-in, xfer-out and notify at debug level 3, which is where named says
    /// "requesting IXFR for serial N" and "got incremental response" / "got nonincremental
    /// response". For NSD and Knot, `logPath`.
    let transferLogPath: String
    /// stdout and stderr of the process (early start-up errors land here).
    let outputPath: String
    private let process: ServerProcess
    private var cleaned = false

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }
    var address: String { "127.0.0.1:\(port)" }

    private init(kind: Kind, directory: URL, port: UInt16, zones: [String], primary: (address: String, port: UInt16),
                 tsig: TestTSIGKey?, configPath: String, logPath: String, transferLogPath: String, process: ServerProcess) {
        self.kind = kind
        self.directory = directory
        self.port = port
        self.zones = zones
        self.primary = primary
        self.tsig = tsig
        self.configPath = configPath
        self.logPath = logPath
        self.transferLogPath = transferLogPath
        self.outputPath = process.outputPath
        self.process = process
    }

    /// Writes the config and starts `kind` as a secondary of `primary` for `zones` (with or without
    /// the trailing dot). Returns once the server answers queries on its port (at most 10 s); it does
    /// not wait for the zones: use `waitForSerial`. A port taken between picking and binding is
    /// retried (three attempts). With `tsig`, NOTIFY must be signed with it too, unless
    /// `notifyNeedsKey` is false (then unsigned NOTIFY from loopback is accepted; transfers are
    /// still signed). BIND takes NOTIFY from its primary's address whatever this says.
    static func start(_ kind: Kind, primary: (address: String, port: UInt16), zones: [String],
                      tsig: TestTSIGKey?, notifyNeedsKey: Bool = true, port chosen: UInt16? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> SecondaryServer {
        try XFR.requireLoopback(primary.address, sourceLocation: sourceLocation)
        precondition(!zones.isEmpty, "a secondary needs at least one zone")
        let executable: String
        switch kind {
        case .nsd: executable = try E2E.require("nsd", package: "nsd", sourceLocation: sourceLocation)
        case .knot: executable = try E2E.require("knotd", package: "knot", sourceLocation: sourceLocation)
        case .bind: executable = try E2E.require("named", package: "bind9", sourceLocation: sourceLocation)
        }
        _ = try E2E.require("dig", package: "bind9-dnsutils", sourceLocation: sourceLocation)
        let names = zones.map(E2E.fqdn)
        var attempt = 0
        while true {
            attempt += 1
            let directory = try E2E.makeTempDirectory("sec-\(kind.rawValue)")
            do {
                // A port chosen beforehand (the primary's --notify names it) is kept on retries.
                let port = attempt == 1 ? try chosen ?? LoopbackSocket.freePort() : try LoopbackSocket.freePort()
                let setup = try SecondaryConfig.write(kind, directory: directory.path, port: port, zones: names,
                                                      primary: primary, tsig: tsig, notifyKey: notifyNeedsKey)
                let process = ServerProcess(executable: executable, arguments: setup.arguments,
                                            outputPath: directory.appendingPathComponent("\(kind.rawValue).out").path)
                let server = SecondaryServer(kind: kind, directory: directory, port: port, zones: names, primary: primary,
                                             tsig: tsig, configPath: setup.config, logPath: setup.log,
                                             transferLogPath: setup.transferLog, process: process)
                try server.start()
                return server
            } catch HarnessError.daemonDidNotStart(let why) where attempt < 3 && chosen == nil && why.lowercased().contains("address already in use") {
                try? FileManager.default.removeItem(at: directory)
                continue
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }
    }

    /// Starts the process (again, after `stop()`), same config, port and directory: whatever it
    /// had saved of its zones is kept. Ready once it answers anything on its port.
    func start() throws {
        let zone = zones[0]
        try process.launch(ready: { E2E.dig(port: port, ["+norec", zone, "SOA"], time: 1).status != nil },
                           describe: { "\(kind) on 127.0.0.1:\(port) did not start answering:\n\(log())" })
    }

    // MARK: Asking it

    /// `dig @127.0.0.1 -p PORT ARGS`, one try of `time` seconds.
    func dig(_ args: [String], time: Int = 2) -> DNSReply { E2E.dig(port: port, args, time: time) }

    /// The serial of `zone`'s SOA as this server answers it (authoritatively); nil if it has no zone.
    func soaSerial(_ zone: String) -> UInt32? { E2E.soaSerial(port: port, zone: zone) }

    /// The zone as this server holds it, by AXFR from 127.0.0.1 (no key): sorted normalised lines,
    /// closing SOA dropped (see `XFR.axfr`); nil if it refuses or has no zone.
    func axfrRecords(_ zone: String) -> [String]? { XFR.axfr(port: port, zone: zone) }

    /// Polls (every 50 ms, at most `timeout` seconds) until `zone`'s serial here is `atLeast` or
    /// later (RFC 1982); the seconds it took, or nil.
    func waitForSerial(_ zone: String, atLeast target: UInt32, timeout: Double) -> Double? {
        XFR.waitForSerial(atLeast: target, timeout: timeout) { soaSerial(zone) }
    }

    /// The log, the transfer log (BIND) and the process output, for failure messages.
    func log() -> String {
        var text = "== \(kind) secondary on 127.0.0.1:\(port), pid \(pid), config \(configPath)\n"
        text += E2E.read(logPath)
        if transferLogPath != logPath { text += "\n-- transfer log --\n" + E2E.read(transferLogPath) }
        let output = E2E.read(outputPath)
        if !output.isEmpty { text += "\n-- stdout/stderr --\n" + output }
        return text
    }

    /// The transfers this server logged receiving for `zone`, "IXFR" or "AXFR" in order, as the
    /// primary actually answered: Knot ("IXFR, incoming" / "AXFR, incoming", started) and BIND
    /// ("got incremental response" / "got nonincremental response", debug 3 in `transferLogPath`;
    /// an IXFR request answered AXFR-style counts as AXFR). NSD does not log it: nil (read the
    /// primary's log, e.g. `KnotPrimary.outgoingTransfers()`).
    func transferTypes(_ zone: String) -> [String]? {
        let name = E2E.fqdn(zone)
        let lines = E2E.read(transferLogPath).split(separator: "\n")
        switch kind {
        case .nsd:
            return nil
        case .knot:
            return lines.filter { $0.contains("[\(name)]") && $0.contains("XFR, incoming") && $0.contains(", started") }
                .map { $0.contains("IXFR, incoming") ? "IXFR" : "AXFR" }
        case .bind:
            let bare = name == "." ? "." : String(name.dropLast())
            return lines.filter { $0.contains("transfer of '\(bare)/IN'") }.compactMap { line in
                if line.contains("got incremental response") { return "IXFR" }
                if line.contains("got nonincremental response") { return "AXFR" }
                return nil
            }
        }
    }

    // MARK: Stopping

    func signal(_ signal: Int32) { process.signal(signal) }

    /// SIGTERM by PID, bounded wait, SIGKILL if needed (NSD's children too). Keeps the directory.
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
