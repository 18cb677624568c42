import DNSWire
import DynamicDNS
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The HTTP(S) listener for dyndns2 updates, run as a swift-service-lifecycle `Service`.
///
/// Routes: `GET /healthz` answers `ok`; `GET /metrics` the Prometheus text, `/api/...` the admin
/// API and `/console...` the web console, all to the admin access list only; `/account...` the
/// customers' pages, to anyone; `/favicon.ico` is not found; every other GET goes to `handler`. TLS, when configured, uses the PEM files read at
/// start; `reloadCertificates()` rereads them for new connections.
public final class WebService: Service, Sendable {
    public let configuration: WebServiceConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let handler: @Sendable (HTTPUpdateRequest) async -> HTTPUpdateResponse
    /// The Prometheus text for `/metrics`; nil: not offered.
    private let metrics: (@Sendable () -> String)?
    /// The admin REST API under `/api/`; nil: not offered.
    private let api: APIHandler?
    /// The web console under `/console`; nil: not offered.
    private let console: ConsoleHandler?
    /// The dynamic DNS customers' pages under `/account` (public); nil: not offered.
    private let account: ConsoleHandler?
    private let certificates: CertificateStore?
    private let port = NIOLockedValueBox<Int?>(nil)

    /// Reads the TLS files (throws if they cannot be used). Binding happens in `run()`.
    public init(
        configuration: WebServiceConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger,
        metrics: (@Sendable () -> String)? = nil, api: APIHandler? = nil, console: ConsoleHandler? = nil,
        account: ConsoleHandler? = nil,
        handler: @escaping @Sendable (HTTPUpdateRequest) async -> HTTPUpdateResponse
    ) throws {
        self.configuration = configuration
        self.account = account
        self.metrics = metrics
        self.api = api
        self.console = console
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.handler = handler
        certificates = try configuration.tls.map { try CertificateStore(files: $0) }
    }

    /// The port listened on once `run()` has bound it (the chosen one when configured as 0).
    public var listeningPort: Int? { port.withLockedValue { $0 } }

    /// Rereads the certificate and key: connections accepted from now on use them, open ones keep
    /// theirs. If the new files cannot be used, the old certificate stays and the error is thrown
    /// (and logged). Without TLS, does nothing.
    public func reloadCertificates() throws {
        guard let certificates else { return }
        do {
            try certificates.reload()
            logger.info("web service: certificate reloaded from \(certificates.files.certificateChain)")
        } catch {
            logger.error("web service: certificate reload failed, keeping the old one: \(error)")
            throw error
        }
    }

    public func run() async throws {
        let responder = UpdateResponder(handler: handler, trustedProxies: configuration.trustedProxies, secure: certificates != nil,
                                        metrics: metrics, api: api, console: console, account: account,
                                        adminAccess: configuration.adminAccess)
        let http = HTTP1Channel.Configuration(
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: configuration.maximumHeaderBytes, maxHeaderListSize: configuration.maximumHeaderBytes,
                maxHeaderFieldCount: configuration.maximumHeaderFields))
        let certificates = self.certificates
        let timeout = TimeAmount.milliseconds(Int64(max(0.05, configuration.requestTimeout) * 1000))
        let server = HTTPServerBuilder { respond in
            GuardedChannel(base: HTTP1Channel(responder: respond, configuration: http), certificates: certificates, timeout: timeout)
        }
        let port = self.port
        let logger = self.logger
        let application = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: configuration.serverName,
                availableConnectionsDelegate: MaximumAvailableConnections(max(1, configuration.maximumConnections), logger: logger)),
            onServerRunning: { channel in
                port.withLockedValue { $0 = channel.localAddress?.port }
                logger.info("web service listening on \(channel.localAddress.map { "\($0)" } ?? "?")")
            },
            eventLoopGroupProvider: .shared(eventLoopGroup), logger: logger)
        try await application.run()
    }
}
