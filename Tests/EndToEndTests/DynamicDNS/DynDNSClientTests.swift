import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real dyndns2 clients against lannamed over HTTP and HTTPS: ddclient 3.10 (protocol dyndns2)
/// and inadyn (a custom dyndns2 server); each new address answers at once.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2)))
struct DynDNSClientTests {
    func ddclient(_ server: DynDNSServer, host: String, address: String) throws -> ToolOutput {
        let ddclient = try E2E.require("ddclient", package: "ddclient")
        let directory = server.daemon.directory
        let config = directory.appendingPathComponent("ddclient-\(UUID().uuidString).conf").path
        var lines = ["daemon=0", "syslog=no", "use=ip, ip=\(address)", "protocol=dyndns2", "server=127.0.0.1:\(server.httpPort)",
                     "login=shop", "password=\(server.secret)"]
        if let certificate = server.certificate { lines += ["ssl=yes", "ssl_ca_file=\(certificate)"] } else { lines += ["ssl=no"] }
        try (lines + ["\(host).\(DynDNSServer.zone)"]).joined(separator: "\n").appending("\n").write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)
        return run(ddclient, ["-daemon=0", "-file", config, "-cache", config + ".cache", "-force", "-verbose"], timeout: 30)
    }

    /// inadyn resolves the name before it updates: it runs with a resolv.conf that names only
    /// loopback (a private mount namespace), so that lookup never leaves this machine.
    func inadyn(_ server: DynDNSServer, host: String, address: String) throws -> ToolOutput {
        let inadyn = try E2E.require("inadyn", package: "inadyn")
        let directory = server.daemon.directory.path
        var lines: [String] = []
        if let certificate = server.certificate { lines.append("ca-trust-file = \(certificate)") }
        lines += ["custom lannamed {", "  username = shop", "  password = \(server.secret)",
                  "  ddns-server = \"127.0.0.1:\(server.httpPort)\"", "  ddns-path = \"/nic/update?hostname=%h&myip=%i\"",
                  "  checkip-command = \"echo \(address)\"", "  ssl = \(server.certificate != nil)",
                  "  hostname = \(host).\(DynDNSServer.zone)", "}"]
        let config = "\(directory)/inadyn-\(UUID().uuidString).conf"
        try lines.joined(separator: "\n").appending("\n").write(toFile: config, atomically: true, encoding: .utf8)
        try "nameserver 127.0.0.1\n".write(toFile: "\(directory)/resolv.conf", atomically: true, encoding: .utf8)
        let command = "mount --bind \(directory)/resolv.conf /etc/resolv.conf && exec \(inadyn) --once --foreground -f \(config) --cache-dir \(config).cache -l info"
        return run("unshare", ["-m", "sh", "-c", command], timeout: 30)
    }

    @Test(.enabled(if: getuid() == 0, "inadyn needs a private resolv.conf (a mount namespace): root; CI runs as root"),
          arguments: [false, true])
    func ddclientAndInadyn(tls: Bool) throws {
        let server = try DynDNSServer(tls: tls)
        defer { server.cleanup() }
        let v4 = tls ? "198.51.100.41" : "198.51.100.31"
        let updated = try ddclient(server, host: "shop", address: v4)
        #expect(updated.status == 0 && (updated.stdout + updated.stderr).contains("SUCCESS"), "\(updated)")
        #expect(server.answers("shop", "A") == [v4])
        let again = try ddclient(server, host: "shop", address: v4)
        // The same address again: ddclient reads nochg as "no update required".
        #expect((again.stdout + again.stderr).contains("nochg"), "\(again)")

        let other = tls ? "198.51.100.42" : "198.51.100.32"
        let inadyn = try inadyn(server, host: "nas", address: other)
        #expect(inadyn.status == 0 && (inadyn.stdout + inadyn.stderr).contains("Successful"), "\(inadyn)")
        #expect(server.answers("nas", "A") == [other])
        #expect(server.daemon.log.contains("dyndns2"))
        #expect(!server.daemon.log.contains(server.secret), "the token never reaches the log")
    }
}

extension DynDNSClientTests {
    /// A renewed certificate takes effect on SIGHUP (`systemctl reload`), without a restart; a
    /// daemon without an HTTPS listener ignores SIGHUP.
    @Test func sighupReloadsTheCertificate() throws {
        let server = try DynDNSServer(tls: true)
        defer { server.cleanup() }
        let cert = try #require(server.certificate), key = try #require(server.certificateKey)
        let old = cert + ".old"
        try FileManager.default.copyItem(atPath: cert, toPath: old)
        let renewed = run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                      "-subj", "/CN=renewed", "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(renewed.status == 0, "\(renewed)")
        // Before the signal the old certificate is still served.
        #expect(run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", old, server.base + "/healthz"]).stdout == "200")
        kill(server.daemon.pid, SIGHUP)
        var served = ""
        for _ in 0..<50 {
            served = run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", cert, server.base + "/healthz"]).stdout
            if served == "200" { break }
            usleep(100_000)
        }
        #expect(served == "200", "the renewed certificate is served")
        #expect(server.daemon.isRunning)
        #expect(server.daemon.log.contains("certificate reloaded"), "\(server.daemon.log)")

        let plain = try LannamedDaemon(["--no-forward", "--no-dhcp"])
        defer { plain.cleanup() }
        kill(plain.pid, SIGHUP)
        usleep(300_000)
        #expect(plain.isRunning && plain.answers("localhost.", "A") == ["127.0.0.1"])
    }
}
