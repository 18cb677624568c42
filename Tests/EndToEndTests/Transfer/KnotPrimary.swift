import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Knot as the primary of one zone on a free loopback port, in its own temp dir, with a control
/// socket so a test can change the zone while it runs. Transfers (AXFR and IXFR) are allowed to
/// 127.0.0.1 and ::1, with the TSIG key when there is one (then only with it); NOTIFY goes to
/// `127.0.0.1@PORT` for each port in `notify` (signed with the key when there is one).
///
/// Every change through `set`/`add`/`remove`/`update` is one knotc transaction; Knot bumps the
/// serial (`serial-policy: increment`), keeps the zone and its history in the journal
/// (`journal-content: all`, so IXFR can be served, also after a restart), writes the zone file
/// back after each change (`zonefile-sync: 0`) and diffs the file against the journal at start
/// (`zonefile-load: difference-no-serial`): after `stop()`, `start()` brings the zone back as it
/// was, and `replaceZoneFile(_:)` between the two changes it "offline" (Knot then bumps the
/// serial at start, keeps the difference as an IXFR step and sends NOTIFY).
final class KnotPrimary {
    /// One change of a transaction.
    enum Edit {
        /// Replaces the RRset `owner`/`type` with the one record `data`.
        case set(_ owner: String, _ type: String, _ data: String, ttl: Int)
        /// Adds `data` to the RRset `owner`/`type`.
        case add(_ owner: String, _ type: String, _ data: String, ttl: Int)
        /// Removes one record (with `data`), the RRset (no data), or the whole node (no type).
        case remove(_ owner: String, _ type: String?, _ data: String?)
    }

    let zone: String
    let directory: URL
    let port: UInt16
    let tsig: TestTSIGKey?
    let configPath: String
    let controlSocket: String
    let logPath: String
    let zoneFilePath: String
    private(set) var notifyPorts: [UInt16]
    /// NOTIFY signed with `tsig` (when there is one).
    let signNotify: Bool
    private let knotc: String
    private let process: ServerProcess
    private var cleaned = false

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }
    var address: (address: String, port: UInt16) { ("127.0.0.1", port) }

    private init(zone: String, directory: URL, port: UInt16, tsig: TestTSIGKey?, notify: [UInt16], signNotify: Bool,
                 knotd: String, knotc: String) {
        self.signNotify = signNotify
        self.zone = zone
        self.directory = directory
        self.port = port
        self.tsig = tsig
        self.notifyPorts = notify
        self.knotc = knotc
        configPath = directory.appendingPathComponent("knot.conf").path
        controlSocket = directory.appendingPathComponent("knot.sock").path
        logPath = directory.appendingPathComponent("knot.log").path
        zoneFilePath = directory.appendingPathComponent("\(zone)zone").path
        process = ServerProcess(executable: knotd, arguments: ["-c", configPath],
                                outputPath: directory.appendingPathComponent("knotd.out").path)
    }

    /// Starts Knot as primary for `zone` with `records` (zone-file text relative to the zone; a
    /// SOA `ns1 hostmaster 1 3600 600 86400 60` and `NS ns1` are put first when the text has no
    /// SOA), NOTIFY to 127.0.0.1 at each of `notify` (signed with `tsig` unless `signNotify` is
    /// false). Returns once it answers the zone's SOA.
    static func start(zone: String = "lan", records: String, notify: [UInt16] = [], tsig: TestTSIGKey? = nil,
                      signNotify: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws -> KnotPrimary {
        let knotd = try E2E.require("knotd", package: "knot", sourceLocation: sourceLocation)
        let knotc = try E2E.require("knotc", package: "knot", sourceLocation: sourceLocation)
        _ = try E2E.require("dig", package: "bind9-dnsutils", sourceLocation: sourceLocation)
        var attempt = 0
        while true {
            attempt += 1
            let directory = try E2E.makeTempDirectory("primary")
            do {
                let primary = KnotPrimary(zone: E2E.fqdn(zone), directory: directory, port: try LoopbackSocket.freePort(),
                                          tsig: tsig, notify: notify, signNotify: signNotify, knotd: knotd, knotc: knotc)
                try primary.replaceZoneFile(records)
                try primary.writeConfig()
                try primary.start()
                return primary
            } catch HarnessError.daemonDidNotStart(let why) where attempt < 3 && why.lowercased().contains("address already in use") {
                try? FileManager.default.removeItem(at: directory)
                continue
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }
    }

    /// The zone file text for `records`: `$ORIGIN`, `$TTL 300`, and SOA + NS unless given.
    static func zoneText(zone: String, records: String) -> String {
        let hasSOA = records.split(separator: "\n").contains { line in
            let code = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return code.split(whereSeparator: { $0 == " " || $0 == "\t" }).contains { $0.uppercased() == "SOA" }
        }
        var text = "$ORIGIN \(zone)\n$TTL 300\n"
        if !hasSOA { text += "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n" }
        return text + records + (records.hasSuffix("\n") ? "" : "\n")
    }

    /// Writes the zone file. Before the first start it is the zone; while Knot is stopped it is a
    /// change Knot applies (as a diff, serial bumped) at the next `start()`. Not while it runs.
    func replaceZoneFile(_ records: String) throws {
        precondition(!isRunning, "replaceZoneFile while Knot runs: use set/add/remove")
        try Self.zoneText(zone: zone, records: records).write(toFile: zoneFilePath, atomically: true, encoding: .utf8)
    }

    /// Changes where NOTIFY goes (127.0.0.1 only); reloads a running Knot (`knotc reload`).
    func setNotify(_ ports: [UInt16]) throws {
        notifyPorts = ports
        try writeConfig()
        if isRunning { try control(["reload"]) }
    }

    private func writeConfig() throws {
        let dir = directory.path
        var keyBlock = ""
        var keyLine = ""
        if let tsig {
            keyBlock = "key:\n  - id: \(XFR.keyName(tsig.name))\n    algorithm: \(tsig.algorithm)\n    secret: \(tsig.secret)\n"
            keyLine = "    key: \(XFR.keyName(tsig.name))\n"
        }
        let remotes = notifyPorts.enumerated().map {
            "  - id: notify\($0.offset)\n    address: 127.0.0.1@\($0.element)\n\(signNotify ? keyLine : "")"
        }
        let config = """
        server:
            rundir: "\(dir)"
            listen: [ 127.0.0.1@\(port), ::1@\(port) ]
            udp-workers: 1
            tcp-workers: 1
            background-workers: 1
        control:
            listen: "\(controlSocket)"
        database:
            storage: "\(dir)"
        \(keyBlock)
        \(remotes.isEmpty ? "" : "remote:\n" + remotes.joined())
        acl:
          - id: transfer_out
            address: [ 127.0.0.1, ::1 ]
            action: transfer
        \(keyLine)
        template:
          - id: default
            storage: "\(dir)"
            file: "%s.zone"
        zone:
          - domain: "\(zone)"
            file: "\(zoneFilePath)"
            zonefile-sync: 0
            zonefile-load: difference-no-serial
            journal-content: all
            serial-policy: increment
            acl: [ transfer_out ]
        \(remotes.isEmpty ? "" : "    notify: [ \(notifyPorts.indices.map { "notify\($0)" }.joined(separator: ", ")) ]")
        log:
          - target: "\(logPath)"
            any: info
        """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let check = run(knotc, ["-c", configPath, "conf-check"], timeout: 10)
        guard check.status == 0 else { throw HarnessError.daemonDidNotStart("knotc conf-check \(configPath): \(check)\n\(config)") }
    }

    /// Starts knotd (again, after `stop()`) with the same config, port, zone file and journal;
    /// waits at most 10 s until it answers the zone's SOA.
    func start() throws {
        try process.launch(ready: { soaSerialQuietly() != nil },
                           describe: { "knot primary on 127.0.0.1:\(port) did not serve \(zone):\n\(log())" })
    }

    private func soaSerialQuietly() -> UInt32? { E2E.soaSerial(port: port, zone: zone) }

    // MARK: Changing the zone

    /// Replaces the RRset `owner`/`type` with `data` (one knotc transaction; serial + 1).
    func set(_ owner: String, _ type: String, _ data: String, ttl: Int = 300) throws {
        try update([.set(owner, type, data, ttl: ttl)])
    }

    /// Adds `data` to the RRset `owner`/`type`.
    func add(_ owner: String, _ type: String, _ data: String, ttl: Int = 300) throws {
        try update([.add(owner, type, data, ttl: ttl)])
    }

    /// Removes the record `data` (or the RRset when nil, or the node when `type` is nil too).
    func remove(_ owner: String, _ type: String? = nil, _ data: String? = nil) throws {
        try update([.remove(owner, type, data)])
    }

    /// All `edits` in one transaction (`zone-begin`, `zone-set`/`zone-unset`…, `zone-commit`;
    /// `zone-abort` on failure): one new serial for the lot. Owners are relative to the zone
    /// (`www`, `@`) or absolute (`www.lan.`). Data is one argument, e.g. `"\"two words\""`.
    func update(_ edits: [Edit]) throws {
        try control(["zone-begin", zone])
        do {
            for edit in edits {
                switch edit {
                case let .set(owner, type, data, ttl):
                    // Ignored when there is nothing to remove yet ("no such node/record").
                    _ = try? control(["zone-unset", zone, owner, type])
                    try control(["zone-set", zone, owner, "\(ttl)", type, data])
                case let .add(owner, type, data, ttl):
                    try control(["zone-set", zone, owner, "\(ttl)", type, data])
                case let .remove(owner, type, data):
                    try control(["zone-unset", zone, owner] + (type.map { [$0] } ?? []) + (data.map { [$0] } ?? []))
                }
            }
            try control(["zone-commit", zone])
        } catch {
            _ = try? control(["zone-abort", zone])
            throw error
        }
    }

    /// Sends NOTIFY to the configured remotes now (`knotc zone-notify`).
    func notifyNow() throws { try control(["zone-notify", zone]) }

    /// `knotc -s SOCK ARGS`, bounded (10 s); throws with knotc's output when it fails.
    @discardableResult
    func control(_ arguments: [String]) throws -> String {
        let result = run(knotc, ["-s", controlSocket, "-t", "5"] + arguments, timeout: 10)
        let text = result.stdout + result.stderr
        guard result.status == 0, !text.contains("error:") else {
            throw KnotControlError(description: "knotc \(arguments.joined(separator: " ")): \(result)")
        }
        return text
    }

    // MARK: Asking it

    /// The serial Knot answers for the zone's SOA, nil if it does not answer.
    func serial() -> UInt32? { soaSerialQuietly() }

    func dig(_ args: [String], time: Int = 2) -> DNSReply { E2E.dig(port: port, args, time: time) }

    /// The zone by AXFR (signed with the key when there is one), normalised as `XFR.axfr`. Asked
    /// from ::1, so that `outgoingTransfers()` can tell these dumps from the secondaries' transfers.
    func axfrRecords() -> [String]? { XFR.axfr(port: port, zone: zone, key: tsig, server: "::1") }

    /// The outgoing transfers Knot logged, oldest first: (type "IXFR"/"AXFR", remote
    /// "127.0.0.1@PORT", serials "serial 1 -> 3" for IXFR or "serial 3" for AXFR). Transfers to
    /// ::1 (the test's own `axfrRecords()` dumps) are left out unless `includingDumps`.
    func outgoingTransfers(includingDumps: Bool = false) -> [(type: String, remote: String, serials: String)] {
        E2E.read(logPath).split(separator: "\n").compactMap { line in
            guard line.contains("[\(zone)]"), line.contains("XFR, outgoing"), line.contains(", started"),
                  includingDumps || !line.contains("remote ::1@") else { return nil }
            let type = line.contains("IXFR, outgoing") ? "IXFR" : "AXFR"
            let remote = line.range(of: "remote ").map { String(line[$0.upperBound...].prefix { $0 != "," && $0 != " " }) } ?? ""
            let serials = line.range(of: "started, ").map { String(line[$0.upperBound...]) } ?? ""
            return (type, remote, serials)
        }
    }

    func log() -> String {
        var text = "== knot primary for \(zone) on 127.0.0.1:\(port), pid \(pid), notify \(notifyPorts)\n" + E2E.read(logPath)
        let output = E2E.read(process.outputPath)
        if !output.isEmpty { text += "\n-- stdout/stderr --\n" + output }
        return text
    }

    // MARK: Stopping

    /// SIGTERM by PID, bounded wait, SIGKILL if needed. Keeps the directory (zone file, journal).
    func stop() { process.stop() }

    func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { cleanup() }
}

struct KnotControlError: Error, CustomStringConvertible {
    var description: String
}
