import DNSWire
import DynamicDNS
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import WebService

private func echo(_ recorder: Recorder) -> @Sendable (HTTPUpdateRequest) async -> HTTPUpdateResponse {
    { request in
        await recorder.record(request)
        return HTTPUpdateResponse(DynDNSAnswer.updated([
            .init(name: "a.example.", changed: true, addresses: [request.clientAddress]),
        ]).http)
    }
}

@Suite("WebService over loopback")
struct WebServiceTests {
    @Test func updateRequestsReachTheHandler() async throws {
        let recorder = Recorder()
        try await withServer(handler: echo(recorder)) { _, port in
            let response = try await curl(
                "http://127.0.0.1:\(port)/nic/update?hostname=a.example&myip=2001%3adb8%3A%3a1",
                ["-u", "a.example:s3cret", "-A", "ddclient/3.11"])
            #expect(response.status == 200)
            #expect(response.body == "good 127.0.0.1")
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            let seen = await recorder.requests
            #expect(seen.count == 1)
            #expect(seen.first?.path == "/nic/update")
            #expect(seen.first?.rawQuery == "hostname=a.example&myip=2001%3adb8%3A%3a1")
            #expect(seen.first?.peer == IPAddress("127.0.0.1"))
            #expect(seen.first?.secure == false)
            #expect(seen.first?.headers.contains { $0.name.lowercased() == "authorization" } == true)
            #expect(seen.first?.headers.contains { $0.name.lowercased() == "user-agent" && $0.value == "ddclient/3.11" } == true)
        }
    }

    @Test(arguments: ["/", "/update", "/nic/update", "/v3/update", "/apix"])
    func everyOtherPathIsAnUpdate(path: String) async throws {
        let recorder = Recorder()
        try await withServer(handler: echo(recorder)) { _, port in
            let response = try await curl("http://127.0.0.1:\(port)\(path)")
            #expect(response.status == 200)
            #expect(await recorder.requests.map(\.path) == [path])
        }
    }

    @Test func reservedPathsAndHealth() async throws {
        let recorder = Recorder()
        try await withServer(handler: echo(recorder)) { _, port in
            let health = try await curl("http://127.0.0.1:\(port)/healthz")
            #expect(health.status == 200)
            #expect(health.body == "ok")
            #expect(try await curl("http://127.0.0.1:\(port)/healthz", ["-I"]).status == 200)
            for path in ["/favicon.ico", "/api", "/api/v1/hosts", "/console", "/console/login"] {
                #expect(try await curl("http://127.0.0.1:\(port)\(path)").status == 404)
            }
            #expect(try await curl("http://127.0.0.1:\(port)/nic/update", ["-X", "POST"]).status == 405)
            #expect(try await curl("http://127.0.0.1:\(port)/nic/update", ["-I"]).status == 405)
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func aBodyOnGETIsRefused() async throws {
        let recorder = Recorder()
        try await withServer(handler: echo(recorder)) { _, port in
            let response = try await curl("http://127.0.0.1:\(port)/nic/update", ["-X", "GET", "--data", "x=1"])
            #expect(response.status == 413)
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        let recorder = Recorder()
        let configuration = WebServiceConfiguration(host: "127.0.0.1", port: 0, maximumHeaderBytes: 4096)
        try await withServer(configuration, handler: echo(recorder)) { _, port in
            let big = String(repeating: "a", count: 8000)
            let response = try await curl("http://127.0.0.1:\(port)/nic/update", ["-H", "X-Big: \(big)"])
            #expect(response.status != 200)
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func forwardedForOnlyFromTrustedProxies() async throws {
        let recorder = Recorder()
        let trusted = WebServiceConfiguration(host: "127.0.0.1", port: 0, trustedProxies: [try AddressPrefix(parsing: "127.0.0.0/8")])
        try await withServer(trusted, handler: echo(recorder)) { _, port in
            let response = try await curl("http://127.0.0.1:\(port)/", ["-H", "X-Forwarded-For: 6.6.6.6, 203.0.113.9"])
            #expect(response.body == "good 203.0.113.9")
        }
        try await withServer(handler: echo(recorder)) { _, port in
            let response = try await curl("http://127.0.0.1:\(port)/", ["-H", "X-Forwarded-For: 203.0.113.9"])
            #expect(response.body == "good 127.0.0.1")
        }
    }

    @Test func listensOnIPv6() async throws {
        let recorder = Recorder()
        try await withServer(WebServiceConfiguration(host: "::1", port: 0), handler: echo(recorder)) { _, port in
            let response = try await curl("http://[::1]:\(port)/nic/update")
            #expect(response.body == "good ::1")
        }
    }

    @Test func challengeHeadersPassThrough() async throws {
        try await withServer(handler: { _ in HTTPUpdateResponse(DynDNSAnswer.credentialsRequired.http) }) { _, port in
            let response = try await curl("http://127.0.0.1:\(port)/nic/update")
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate") == "Basic realm=\"lannamed\"")
            #expect(response.body == "badauth")
        }
    }

    @Test func slowClientsAreDisconnected() async throws {
        let configuration = WebServiceConfiguration(host: "127.0.0.1", port: 0, requestTimeout: 0.3)
        let recorder = Recorder()
        try await withServer(configuration, handler: echo(recorder)) { _, port in
            // Half a request line, then nothing: the server must hang up well before `timeout` kills cat.
            let start = ContinuousClock.now
            let result = try await run("/bin/bash", ["-c", """
                exec 3<>/dev/tcp/127.0.0.1/\(port); printf 'GET /nic/update HTTP/1.1\\r\\nHost: x\\r\\n' >&3; timeout 4 cat <&3
                """])
            #expect(result.status == 0)
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(await recorder.requests.isEmpty)
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        let configuration = WebServiceConfiguration(host: "127.0.0.1", port: 0, requestTimeout: 0.3)
        try await withServer(configuration, handler: echo(Recorder())) { _, port in
            let start = ContinuousClock.now
            let result = try await run("/bin/bash", ["-c", """
                exec 3<>/dev/tcp/127.0.0.1/\(port); printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; timeout 4 cat <&3
                """])
            #expect(result.status == 0)
            #expect(result.output.hasPrefix("HTTP/1.1 200"))
            #expect(result.output.hasSuffix("ok"))
            #expect(ContinuousClock.now - start < .seconds(3))
        }
    }

    @Test func aPortInUseFailsTheService() async throws {
        try await withServer(handler: echo(Recorder())) { _, port in
            let second = try WebService(
                configuration: WebServiceConfiguration(host: "127.0.0.1", port: port),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"), handler: echo(Recorder()))
            await #expect(throws: (any Error).self) { try await second.run() }
        }
    }

    @Test func connectionsOverTheLimitWaitForAFreeOne() async throws {
        let configuration = WebServiceConfiguration(host: "127.0.0.1", port: 0, requestTimeout: 0.5, maximumConnections: 1)
        try await withServer(configuration, handler: echo(Recorder())) { _, port in
            // A silent connection takes the only place until its deadline closes it.
            let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try await Task.sleep(for: .milliseconds(100))
            let start = ContinuousClock.now
            let response = try await curl("http://127.0.0.1:\(port)/healthz")
            #expect(response.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(250))
            try? await silent.close()
        }
    }
}
