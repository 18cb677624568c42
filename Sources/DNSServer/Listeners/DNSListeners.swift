import ZoneTransfer
import DNSClient
import DNSWire
import HostSystem
import Forwarder
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// The UDP and TCP listeners. On each listen address it opens one UDP socket per event loop
/// (SO_REUSEPORT, so the kernel spreads datagrams over the cores), each served by a `UDPWorker`
/// thread paired with that loop, and one TCP listener.
public final class DNSListeners: Service {
    /// Where and how to listen.
    public struct Options: Sendable {
        public var listen: [Endpoint]
        public var tcpIdleTimeout: Double
        public var maxTCPConnections: Int

        public init(listen: [Endpoint], tcpIdleTimeout: Double = 10, maxTCPConnections: Int = 512) {
            self.listen = listen
            self.tcpIdleTimeout = tcpIdleTimeout
            self.maxTCPConnections = maxTCPConnections
        }
    }

    let settings: Options
    let hub: SnapshotHub
    let gate: ForwardingGate
    /// Transfers, NOTIFY and signed messages, when this server takes part in zone transfers.
    let transfers: TransferService?
    let group: MultiThreadedEventLoopGroup
    let logger: Logger
    /// What was answered, and how (for `/metrics`).
    public let metrics: QueryMetrics
    private let connections: TCPConnectionLimit
    private let channels = NIOLockedValueBox<[any Channel]>([])
    private let workers = NIOLockedValueBox<[UDPWorker]>([])

    public init(options settings: Options, hub: SnapshotHub, gate: ForwardingGate, transfers: TransferService? = nil,
                group: MultiThreadedEventLoopGroup, metrics: QueryMetrics = QueryMetrics(), logger: Logger) {
        self.transfers = transfers
        self.metrics = metrics
        self.settings = settings
        self.hub = hub
        self.gate = gate
        self.group = group
        self.logger = logger
        connections = TCPConnectionLimit(maximum: settings.maxTCPConnections)
    }

    /// Binds every listener, or fails with a sentence that says why (and who holds a busy port).
    public func bind() async throws {
        for endpoint in settings.listen {
            try PortCheck.probe(endpoint, proto: .udp)
            try PortCheck.probe(endpoint, proto: .tcp)
        }
        do {
            for endpoint in settings.listen {
                let address = try SocketAddress(ipAddress: endpoint.address.description, port: endpoint.port)
                for loop in group.makeIterator() {
                    let worker = try UDPWorker(endpoint: endpoint, hub: hub, gate: gate, transfers: transfers, loop: loop,
                                               metrics: metrics, logger: logger)
                    workers.withLockedValue { $0.append(worker) }
                }
                let listener = try await bindTCP(address)
                channels.withLockedValue { $0.append(listener) }
            }
            for worker in workers.withLockedValue({ $0 }) { worker.start() }
        } catch {
            try? await close()
            throw error
        }
    }

    private func bindTCP(_ address: SocketAddress) async throws -> any Channel {
        let hub = hub
        let gate = gate, transfers = transfers
        let connections = connections, counters = metrics.shared
        let idle = TimeAmount.milliseconds(Int64(settings.tcpIdleTimeout * 1000))
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
                    try pipeline.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    try pipeline.addHandler(TCPQueryHandler(hub: hub, gate: gate, transfers: transfers, connections: connections,
                                                                   counters: counters))
                }
            }
        if address.protocol == .inet6 {
            bootstrap = bootstrap.serverChannelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
        }
        return try await bootstrap.bind(to: address).get()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    /// Stops the UDP workers and closes every listener.
    public func close() async throws {
        let running = workers.withLockedValue { running in
            defer { running = [] }
            return running
        }
        for worker in running { worker.requestStop() }
        for worker in running { worker.finish() }
        let open = channels.withLockedValue { open in
            defer { open = [] }
            return open
        }
        for channel in open {
            try? await channel.close()
        }
    }
}

