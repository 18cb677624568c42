import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

package struct ToolOutput: Sendable, CustomStringConvertible {
    package var status: Int32
    package var stdout: String
    package var stderr: String
    package var timedOut: Bool
    package var elapsed: Double

    package var description: String { "status \(status)\(timedOut ? " (killed after timeout)" : "")\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Runs `tool` (a name found on PATH, or a path) with `args`; kills it after `timeout` seconds.
/// A tool that is not installed is a recorded test failure (status 127), never a silent pass.
@discardableResult
package func run(_ tool: String, _ args: [String], timeout: Double = 10, environment: [String: String]? = nil,
         sourceLocation: SourceLocation = #_sourceLocation) -> ToolOutput {
    guard let executable = E2E.which(tool) else {
        Issue.record("\(tool) is not installed (CI installs it with apt: bind9-dnsutils, knot-dnsutils, ldnsutils)",
                     sourceLocation: sourceLocation)
        return ToolOutput(status: 127, stdout: "", stderr: "\(tool): not found", timedOut: false, elapsed: 0)
    }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-e2e-run-\(UUID().uuidString)")
    let outURL = scratch.appendingPathExtension("out")
    let errURL = scratch.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    var env = environment ?? ProcessInfo.processInfo.environment
    env["NOTIFY_SOCKET"] = nil
    process.environment = env
    process.standardInput = FileHandle.nullDevice
    let start = Date()
    do {
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
    } catch {
        Issue.record("cannot start \(executable): \(error)", sourceLocation: sourceLocation)
        return ToolOutput(status: 126, stdout: "", stderr: "\(error)", timedOut: false, elapsed: 0)
    }
    var timedOut = false
    let deadline = Date().addingTimeInterval(timeout)
    // Bounded: at most timeout/5 ms polls, then a kill and a bounded wait.
    while process.isRunning {
        if Date() >= deadline {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(5_000)
    }
    if timedOut {
        let hardDeadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < hardDeadline { usleep(10_000) }
    }
    let elapsed = Date().timeIntervalSince(start)
    let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    let status: Int32 = process.isRunning ? -1 : process.terminationStatus
    return ToolOutput(status: timedOut ? -9 : status, stdout: stdout, stderr: stderr, timedOut: timedOut, elapsed: elapsed)
}
