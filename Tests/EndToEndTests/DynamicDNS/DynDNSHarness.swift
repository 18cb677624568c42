import Foundation
import TestSupport
import Testing

/// A lannamed serving `dyn.example.net.` with the dyndns2 listener on loopback (HTTPS with a
/// certificate made here when `tls`), plan `basic` (3 hosts, no minimum interval), account
/// `shop` with hosts `shop` and `nas`, and a token for them.
final class DynDNSServer {
    static let zone = "dyn.example.net"
    let daemon: LannamedDaemon
    let httpPort: UInt16
    let secret: String
    let certificate: String?
    let certificateKey: String?

    var scheme: String { certificate == nil ? "http" : "https" }
    var base: String { "\(scheme)://127.0.0.1:\(httpPort)" }

    init(tls: Bool = false, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        _ = try E2E.require("curl", package: "curl", sourceLocation: sourceLocation)
        let port = try LoopbackSocket.freePort()
        httpPort = port
        var arguments = ["--no-forward", "--no-dhcp", "--hosted-zone", Self.zone, "--http-listen", "127.0.0.1:\(port)"] + extra
        var certificate: String?, certificateKey: String?
        let directory = try E2E.makeTempDirectory("dyndns-tls")
        if tls {
            let cert = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
            let made = run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                       "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            try #require(made.status == 0, "\(made)", sourceLocation: sourceLocation)
            arguments += ["--tls-cert", cert, "--tls-key", key]
            certificate = cert
            certificateKey = key
        }
        self.certificate = certificate
        self.certificateKey = certificateKey
        daemon = try LannamedDaemon(arguments, sourceLocation: sourceLocation)
        for command in [["plan", "add", "basic", "--max-hosts", "3", "--min-interval", "0"],
                        ["account", "add", "shop", "--plan", "basic"],
                        ["host", "add", "shop.\(Self.zone)", "--account", "shop"],
                        ["host", "add", "nas.\(Self.zone)", "--account", "shop"]] {
            let done = daemon.command("ddns", command, extra: ["--hosted-zone", Self.zone])
            try #require(done.status == 0, "ddns \(command): \(done)", sourceLocation: sourceLocation)
        }
        secret = try Self.token(daemon, account: "shop", sourceLocation: sourceLocation)
        // The HTTP listener binds while the service group starts: wait for /healthz.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, get("/healthz").status != 200 { usleep(50_000) }
    }

    /// A new token of `account`, its secret (printed once).
    static func token(_ daemon: LannamedDaemon, account: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let made = daemon.command("ddns", ["token", "create", "--account", account], extra: ["--hosted-zone", zone])
        let secret = made.stdout.split(separator: "\n").map(String.init).first { line in
            line.count >= 32 && line.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        }
        return try #require(secret, "token create: \(made)", sourceLocation: sourceLocation)
    }

    struct Reply {
        var status: Int
        var body: String
        var headers: String
    }

    /// `curl` GET of `path` (with its query) and any extra curl arguments; status, body, headers.
    func get(_ path: String, _ extra: [String] = []) -> Reply {
        let headers = daemon.directory.appendingPathComponent("headers-\(UUID().uuidString)").path
        var arguments = ["-s", "-g", "-D", headers, "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"]
        if let certificate { arguments += ["--cacert", certificate] }
        let result = run("curl", arguments + extra + [base + path], timeout: 15)
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let status = Int(lines.popLast() ?? "") ?? 0
        return Reply(status: status, body: lines.joined(separator: "\n"), headers: E2E.read(headers))
    }

    func answers(_ host: String, _ type: String) -> [String] { daemon.answers("\(host).\(Self.zone).", type) }

    func cleanup() { daemon.cleanup() }
}
