import Foundation
import Testing
@testable import WebService

/// A temporary directory with self-signed certificates made by `openssl`.
struct CertificateDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("webservice-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// `NAME-cert.pem` and `NAME-key.pem`, valid for `localhost`.
    func make(_ name: String) async throws {
        let result = try await run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=\(name).test", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", path("\(name)-key.pem"), "-out", path("\(name)-cert.pem"),
        ])
        guard result.status == 0 else { throw TestFailure("openssl: \(result.error)") }
    }

    func install(_ name: String) throws {
        for kind in ["cert", "key"] {
            try? FileManager.default.removeItem(atPath: path("live-\(kind).pem"))
            try FileManager.default.copyItem(atPath: path("\(name)-\(kind).pem"), toPath: path("live-\(kind).pem"))
        }
    }

    var files: WebServiceConfiguration.TLSFiles {
        WebServiceConfiguration.TLSFiles(certificateChain: path("live-cert.pem"), privateKey: path("live-key.pem"))
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite("WebService TLS")
struct CertificateReloadTests {
    @Test func servesTLSAndReloadsTheCertificate() async throws {
        let directory = try CertificateDirectory()
        defer { directory.remove() }
        try await directory.make("first")
        try await directory.make("second")
        try directory.install("first")
        let recorder = Recorder()
        let configuration = WebServiceConfiguration(host: "127.0.0.1", port: 0, tls: directory.files)
        try await withServer(configuration, handler: { request in
            await recorder.record(request)
            return HTTPUpdateResponse(status: 200, body: "good 192.0.2.1")
        }) { service, port in
            let url = "https://localhost:\(port)/nic/update?hostname=a.example"
            let resolve = ["--resolve", "localhost:\(port):127.0.0.1"]
            let first = try await curl(url, resolve + ["--cacert", directory.path("first-cert.pem")])
            #expect(first.status == 200)
            #expect(first.body == "good 192.0.2.1")
            #expect(await recorder.requests.first?.secure == true)
            // Plain HTTP on the TLS port gets nothing useful.
            #expect(try await curl("http://127.0.0.1:\(port)/healthz").status != 200)

            try directory.install("second")
            try service.reloadCertificates()
            #expect(try await curl(url, resolve + ["--cacert", directory.path("second-cert.pem")]).status == 200)
            // The old certificate is gone for new connections.
            #expect(try await curl(url, resolve + ["--cacert", directory.path("first-cert.pem")]).exitCode != 0)

            // A broken renewal keeps the working certificate.
            try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: directory.path("live-cert.pem")))
            #expect(throws: (any Error).self) { try service.reloadCertificates() }
            // A key that does not belong to the certificate is refused too.
            try FileManager.default.removeItem(atPath: directory.path("live-cert.pem"))
            try FileManager.default.copyItem(atPath: directory.path("first-cert.pem"), toPath: directory.path("live-cert.pem"))
            #expect(throws: (any Error).self) { try service.reloadCertificates() }
            #expect(try await curl(url, resolve + ["--cacert", directory.path("second-cert.pem")]).status == 200)
        }
    }

    @Test func unusableFilesAtStartAreAnError() throws {
        let files = WebServiceConfiguration.TLSFiles(certificateChain: "/nonexistent/cert.pem", privateKey: "/nonexistent/key.pem")
        #expect(throws: (any Error).self) {
            _ = try CertificateStore(files: files)
        }
    }
}
