import Foundation
import TestSupport
import Testing

extension TransferEndToEnd {
    /// ACME DNS-01 for a dynamic DNS host: lego's rfc2136 provider, with a key limited to
    /// `_acme-challenge.HOST TXT`, gets a certificate from a local pebble that validates against
    /// lannamed. Nothing leaves loopback: pebble and lego both use lannamed as their resolver.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    final class Acme {
        @Test func legoGetsACertificateThroughUpdate() throws {
            let zone = "dyn.example.net", host = "shop.dyn.example.net"
            let lego = try E2E.require("lego", package: "lego")
            let pebble = try E2E.require("pebble", package: "pebble")
            _ = try E2E.require("openssl", package: "openssl")
            let daemon = try LannamedDaemon(["--no-forward", "--no-dhcp", "--hosted-zone", zone])
            defer { daemon.cleanup() }
            let made = daemon.command("keys", ["add", "acme-shop", "--zone", zone, "--name", "_acme-challenge.\(host)", "--type", "TXT"],
                                      extra: ["--hosted-zone", zone])
            #expect(made.status == 0, "\(made)")
            let parts = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").map(String.init)
            try #require(parts.count == 3, "\(made)")

            // pebble on loopback with a certificate made here.
            let dir = daemon.directory.path
            let cert = "\(dir)/pebble-cert.pem", key = "\(dir)/pebble-key.pem"
            let made509 = run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                          "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            try #require(made509.status == 0, "\(made509)")
            let acmePort = try LoopbackSocket.freePort(), managementPort = try LoopbackSocket.freePort()
            let config = """
                {"pebble": {"listenAddress": "127.0.0.1:\(acmePort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
                 "certificate": "\(cert)", "privateKey": "\(key)", "httpPort": 5002, "tlsPort": 5001,
                 "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                """
            try config.write(toFile: "\(dir)/pebble.json", atomically: true, encoding: .utf8)
            let pebbleLog = "\(dir)/pebble.log"
            let server = ServerProcess(executable: pebble, arguments: ["-config", "\(dir)/pebble.json", "-dnsserver", "127.0.0.1:\(daemon.port)"],
                                       environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"], outputPath: pebbleLog)
            try server.launch(ready: { E2E.read(pebbleLog).contains("Listening on") }, describe: { E2E.read(pebbleLog) })
            defer { server.stop() }

            let environment = [
                "LEGO_CA_CERTIFICATES": cert, "RFC2136_NAMESERVER": "127.0.0.1:\(daemon.port)",
                "RFC2136_TSIG_ALGORITHM": parts[0] + ".", "RFC2136_TSIG_KEY": parts[1], "RFC2136_TSIG_SECRET": parts[2],
                "RFC2136_POLLING_INTERVAL": "1", "RFC2136_PROPAGATION_TIMEOUT": "20", "PATH": "/usr/bin:/bin",
            ]
            let result = run(lego, ["--server", "https://127.0.0.1:\(acmePort)/dir", "--accept-tos", "--email", "admin@example.net",
                                    "--dns", "rfc2136", "--dns.resolvers", "127.0.0.1:\(daemon.port)", "--dns.disable-cp",
                                    "--domains", host, "--path", "\(dir)/lego", "run"],
                             timeout: 60, environment: environment)
            #expect(result.status == 0, "\(result)\n\(daemon.log)\n\(E2E.read(pebbleLog))")
            let issued = E2E.read("\(dir)/lego/certificates/\(host).crt")
            #expect(issued.contains("BEGIN CERTIFICATE"))
            // The challenge record was added, then cleaned up, through the limited key.
            #expect(daemon.log.contains("key=acme-shop. rcode=NOERROR result=0 removed, 1 added"), "\(daemon.log)")
            #expect(daemon.answers("_acme-challenge.\(host).", "TXT").isEmpty)
        }
    }
}
