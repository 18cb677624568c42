import DNSWire

/// Where and how the HTTP listener runs.
public struct WebServiceConfiguration: Sendable {
    /// Certificate chain and private key, both PEM files, read at start and by `reloadCertificates()`.
    public struct TLSFiles: Sendable, Hashable {
        public var certificateChain: String
        public var privateKey: String

        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    /// The address to bind: `0.0.0.0`, `::` (both families where the system maps IPv4 into IPv6
    /// sockets), or one address.
    public var host: String
    /// 0 picks a free port (see `WebService.listeningPort`).
    public var port: Int
    /// nil: plain HTTP.
    public var tls: TLSFiles?
    /// Proxies whose `X-Forwarded-For` is believed.
    public var trustedProxies: [AddressPrefix]
    /// Longest a connection may take to send a complete request and get its answer, counted from
    /// its start and again after each answer; a slow or idle client is disconnected after it.
    public var requestTimeout: Double
    /// Largest header block (the request line and all fields) accepted; larger is refused by the parser.
    public var maximumHeaderBytes: Int
    /// Most header fields accepted.
    public var maximumHeaderFields: Int
    /// Most connections open at once; further ones wait in the listen queue until one closes.
    public var maximumConnections: Int
    /// The `Server` header, nil for none.
    public var serverName: String?
    /// Who may read `/metrics` (by the connection's own address, never a forwarded one).
    public var adminAccess: AccessList

    public init(
        host: String = "::", port: Int = 8245, tls: TLSFiles? = nil, trustedProxies: [AddressPrefix] = [],
        requestTimeout: Double = 10, maximumHeaderBytes: Int = 16_384, maximumHeaderFields: Int = 64,
        maximumConnections: Int = 512, serverName: String? = nil, adminAccess: AccessList = AccessList(AccessList.loopback)
    ) {
        self.adminAccess = adminAccess
        self.host = host
        self.port = port
        self.tls = tls
        self.trustedProxies = trustedProxies
        self.requestTimeout = requestTimeout
        self.maximumHeaderBytes = maximumHeaderBytes
        self.maximumHeaderFields = maximumHeaderFields
        self.maximumConnections = maximumConnections
        self.serverName = serverName
    }
}
