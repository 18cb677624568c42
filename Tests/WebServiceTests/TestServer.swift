import DNSWire
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Testing
@testable import WebService

/// The requests a test handler saw.
actor Recorder {
    private(set) var requests: [HTTPUpdateRequest] = []
    func record(_ request: HTTPUpdateRequest) { requests.append(request) }
}

/// Runs a `WebService` in a `ServiceGroup` for the length of `body`, on a free port.
func withServer<T: Sendable>(
    _ configuration: WebServiceConfiguration = WebServiceConfiguration(host: "127.0.0.1", port: 0),
    handler: @escaping @Sendable (HTTPUpdateRequest) async -> HTTPUpdateResponse,
    _ body: @Sendable (WebService, Int) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let service = try WebService(
        configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger, handler: handler)
    let group = ServiceGroup(services: [service], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var port: Int?
        for _ in 0..<500 {
            port = service.listeningPort
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port else {
            await group.triggerGracefulShutdown()
            throw TestFailure("server did not start")
        }
        do {
            let result = try await body(service, port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What a process printed and how it ended.
struct ProcessResult: Sendable {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a program to its end without blocking a thread of the cooperative pool.
func run(_ executable: String, _ arguments: [String]) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    return try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { process in
            let output = out.fileHandleForReading.readDataToEndOfFile()
            let error = err.fileHandleForReading.readDataToEndOfFile()
            continuation.resume(returning: ProcessResult(
                status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                error: String(decoding: error, as: UTF8.self)))
        }
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
        }
    }
}

/// An HTTP response as curl saw it.
struct CurlResponse: Sendable {
    var exitCode: Int32
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String
    /// Statuses of responses before this one on the same run (a 401 challenge).
    var earlier: [Int]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One request with curl (`-i`: the head and the body on stdout).
func curl(_ url: String, _ options: [String] = []) async throws -> CurlResponse {
    let result = try await run("/usr/bin/curl", ["-s", "-i", "--max-time", "5", "--globoff"] + options + [url])
    guard result.status == 0 else {
        return CurlResponse(exitCode: result.status, status: 0, headers: [], body: result.error, earlier: [])
    }
    // Several responses (an authentication challenge, then the answer): the last one counts,
    // the statuses before it are kept.
    var earlier: [Int] = []
    var text = result.output
    while let next = text.range(of: "HTTP/1.1 ", range: text.index(text.startIndex, offsetBy: min(1, text.count))..<text.endIndex) {
        earlier.append(Int(text.dropFirst(9).prefix(3)) ?? 0)
        text = String(text[next.lowerBound...])
    }
    guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("no header end in \(text)") }
    let headLines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusLine = headLines.first?.split(separator: " ") ?? []
    let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
    let headers = headLines.dropFirst().compactMap { line -> (name: String, value: String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return CurlResponse(exitCode: 0, status: status, headers: headers, body: String(text[split.upperBound...]), earlier: earlier)
}
