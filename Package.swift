// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lannamed",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lannamed", targets: ["lannamed"]),
        .library(name: "DNSWire", targets: ["DNSWire"]),
        .library(name: "LANZone", targets: ["LANZone"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .target(name: "DNSWire", exclude: ["README.md"]),
        .target(
            name: "LANZone",
            dependencies: [
                "DNSWire", "Timekeeping",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "DNSClient",
            dependencies: [
                "DNSWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "Forwarder",
            dependencies: [
                "DNSWire", "DNSClient", "Timekeeping",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .systemLibrary(
            name: "CPcap",
            path: "Sources/CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(name: "DHCPWatch", dependencies: ["DNSWire", "CPcap"], exclude: ["README.md"]),
        .target(name: "CBatchIO"),
        .target(
            name: "ZoneTransfer",
            dependencies: [
                "DNSWire", "DNSClient", "LANZone", "Timekeeping",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "Timekeeping", exclude: ["README.md"]),
        .target(
            name: "ZoneUpdate",
            dependencies: [
                "DNSWire", "LANZone", "ZoneTransfer", "Timekeeping",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "DHCPNames",
            dependencies: [
                "DHCPWatch", "LANZone", "DNSWire", "HostSystem", "Timekeeping",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "HostSystem",
            dependencies: ["DNSWire", "CBatchIO"],
            exclude: ["README.md"]
        ),
        .target(
            name: "DNSServer",
            dependencies: [
                "DNSWire", "DNSClient", "LANZone", "Forwarder", "ZoneTransfer", "CBatchIO", "HostSystem", "Timekeeping",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "ServerMetrics",
            dependencies: [
                "DNSServer", "DNSWire", "Forwarder", "LANZone",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "AdminAPI",
            dependencies: ["LANZone", "DNSWire", .product(name: "NIOPosix", package: "swift-nio")],
            exclude: ["README.md"]
        ),
        .target(
            name: "WebConsole",
            dependencies: [
                "LANZone", "DNSWire",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "DynamicDNS", dependencies: ["DNSWire", .product(name: "CoreMetrics", package: "swift-metrics")],
                exclude: ["README.md"]),
        .target(
            name: "WebService",
            dependencies: [
                "DNSWire", "DynamicDNS",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "lannamed",
            dependencies: [
                "DNSWire", "DNSClient", "LANZone", "Forwarder", "DHCPWatch", "DHCPNames", "ZoneTransfer", "ZoneUpdate", "HostSystem",
                "DNSServer", "Timekeeping", "DynamicDNS", "WebService", "ServerMetrics", "AdminAPI", "WebConsole",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire"]),
        .testTarget(name: "LANZoneTests", dependencies: [
            "LANZone", "DNSWire", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "ForwarderTests", dependencies: [
            "Forwarder", "DNSWire", "Timekeeping", .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "ZoneUpdateTests", dependencies: [
            "ZoneUpdate", "ZoneTransfer", "DNSWire", "LANZone", "Timekeeping",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "ZoneTransferTests", dependencies: ["ZoneTransfer", "DNSWire", "LANZone"], exclude: ["Fixtures"]),
        .testTarget(name: "DHCPWatchTests", dependencies: ["DHCPWatch", "DHCPNames", "DNSWire", "LANZone", "Timekeeping"], exclude: ["Fixtures"]),
        .testTarget(name: "DHCPNamesTests", dependencies: [
            "DHCPNames", "DHCPWatch", "DNSWire", "LANZone", "DNSServer", "Timekeeping",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "DNSServerTests", dependencies: [
            "DNSServer", "DNSWire", "DNSClient", "LANZone", "Forwarder", "ZoneTransfer", "HostSystem", "Timekeeping",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "DynamicDNSTests", dependencies: ["DynamicDNS", "DNSWire"]),
        .testTarget(name: "AdminAPITests", dependencies: ["AdminAPI"]),
        .testTarget(name: "WebConsoleTests", dependencies: [
            "WebConsole", "LANZone", "DNSWire", .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "ServerMetricsTests", dependencies: [
            "ServerMetrics", "DNSServer", "DNSWire", "LANZone", .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .testTarget(name: "WebServiceTests", dependencies: [
            "WebService", "DynamicDNS", "DNSWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "lannamedTests", dependencies: ["lannamed", "DNSWire", "LANZone", "ZoneTransfer", "DNSServer", "HostSystem", "Forwarder"]),
        // The end-to-end harness: one lannamed wrapper, processes, ports, polling, dig output.
        .target(name: "TestSupport", dependencies: [], path: "Tests/TestSupport"),
        // The real daemon on loopback and in network namespaces, with real peers; the slow part.
        .testTarget(name: "EndToEndTests", dependencies: ["lannamed", "DNSWire", "TestSupport"]),
    ]
)
