import NIOConcurrencyHelpers
import NIOSSL

/// The TLS context new connections use, replaced by `reload()`. A file that cannot be read or a
/// key that does not fit keeps the context in use, so a bad renewal never takes the service down.
final class CertificateStore: Sendable {
    let files: WebServiceConfiguration.TLSFiles
    private let context: NIOLockedValueBox<NIOSSLContext>

    init(files: WebServiceConfiguration.TLSFiles) throws {
        self.files = files
        context = NIOLockedValueBox(try Self.load(files))
    }

    var current: NIOSSLContext { context.withLockedValue { $0 } }

    func reload() throws {
        let fresh = try Self.load(files)
        context.withLockedValue { $0 = fresh }
    }

    static func load(_ files: WebServiceConfiguration.TLSFiles) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChain)
        guard !chain.isEmpty else { throw WebServiceError.noCertificate(files.certificateChain) }
        let key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        // Building the context checks that the key belongs to the certificate.
        return try NIOSSLContext(configuration: configuration)
    }
}
