import Foundation
import Testing

/// `lannamed run` for the transfer tests: on a loopback port chosen before the servers that point
/// at it, never forwarding (`--no-forward`), stopped by its PID and started again on the same
/// database and port.
final class TransferDaemon {
    let directory: URL
    let database: String
    let logPath: String
    let config: String
    let binary: String
    let port: UInt16
    let arguments: [String]
    private let process: ServerProcess
    private var cleaned = false

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }

    init(port: UInt16, arguments: [String], hosts: [(String, [String])] = []) throws {
        binary = try E2E.requireBinary()
        self.port = port
        self.arguments = arguments
        directory = try FW.makeTempDirectory("lannamed-xfr")
        database = directory.appendingPathComponent("lannamed.sqlite").path
        logPath = directory.appendingPathComponent("daemon.log").path
        config = directory.appendingPathComponent("lannamed.toml").path
        try "".write(toFile: config, atomically: true, encoding: .utf8)
        process = ServerProcess(executable: binary,
                                arguments: ["run", "--no-forward", "--listen", "127.0.0.1:\(port)", "--database", database,
                                            "--config", config, "--threads", "2", "--log-level", "debug"] + arguments,
                                outputPath: logPath)
        do {
            for (name, addresses) in hosts {
                let added = self.hosts(["add", name] + addresses)
                guard added.status == 0 else { throw HarnessError.daemonDidNotStart("hosts add \(name): \(added)") }
            }
            try start()
        } catch {
            cleanup()
            throw error
        }
    }

    /// Starts it and waits (at most 10 s) until it answers `localhost.` (local in every mode).
    func start() throws {
        try process.launch(ready: {
            FW.dig(port: port, ["localhost.", "A"], time: 1).answer.contains { $0.data == "127.0.0.1" }
        }, describe: { log })
    }

    func stop() { process.stop() }

    func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { cleanup() }

    var log: String { XFR.read(logPath) }

    /// `lannamed hosts ...` on this daemon's database.
    @discardableResult
    func hosts(_ args: [String]) -> ToolOutput {
        run(binary, ["hosts"] + args + ["--database", database, "--config", config], timeout: 20)
    }

    func dig(_ args: [String], time: Int = 2) -> DNSReply { FW.dig(port: port, args, time: time) }

    func serial(_ zone: String) -> UInt32? { XFR.soaSerial(port: port, zone: zone) }

    /// The addresses (or PTR targets) a name has here, sorted; empty for none.
    func answers(_ name: String, _ type: String) -> [String] {
        dig(["+norec", name, type]).answer.filter { $0.type == type }.map(\.data).sorted()
    }
}

/// DHCP packets sent over loopback UDP for a daemon capturing on `lo`: the client's REQUEST
/// (with its host name) and the server's ACK, as a DHCP server on the LAN would send them. They
/// go to 127.0.0.1 ports 67 and 68, where nothing listens; the capture sees them on the way.
enum LoopbackDHCP {
    static func lease(name: String, address: [UInt8], mac: [UInt8], xid: UInt32 = UInt32.random(in: 1...UInt32.max)) -> Bool {
        let server: [UInt8] = [127, 0, 0, 1]
        let request = packet(op: 1, xid: xid, mac: mac, yiaddr: [0, 0, 0, 0], options: [
            (53, [3]), (12, Array(name.utf8)), (50, address), (54, server),
        ])
        let ack = packet(op: 2, xid: xid, mac: mac, yiaddr: address, options: [
            (53, [5]), (54, server), (51, [0, 0, 0x0E, 0x10]), (1, [255, 255, 255, 0]),
        ])
        return send(request, to: 67) && send(ack, to: 68)
    }

    static func packet(op: UInt8, xid: UInt32, mac: [UInt8], yiaddr: [UInt8], options: [(UInt8, [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = [op, 1, 6, 0]
        bytes += withUnsafeBytes(of: xid.bigEndian) { Array($0) }
        bytes += [0, 0, 0x80, 0]                       // secs, flags (broadcast)
        bytes += [0, 0, 0, 0] + yiaddr + [0, 0, 0, 0] + [0, 0, 0, 0]   // ciaddr yiaddr siaddr giaddr
        bytes += mac + [UInt8](repeating: 0, count: 16 - mac.count)
        bytes += [UInt8](repeating: 0, count: 64 + 128)
        bytes += [0x63, 0x82, 0x53, 0x63]
        for (code, value) in options { bytes += [code, UInt8(value.count)] + value }
        bytes.append(255)
        return bytes
    }

    static func send(_ payload: [UInt8], to port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return LoopbackSocket.withLoopback(v6: false, port: port) { address, length in
            payload.withUnsafeBytes { sendto(fd, $0.baseAddress, payload.count, 0, address, length) } == payload.count
        }
    }
}
