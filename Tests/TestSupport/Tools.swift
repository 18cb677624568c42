import Foundation
import Testing

/// Where things are, temp directories, a monotonic clock and bounded polling: what every
/// end-to-end test needs around the processes it starts.
package enum E2E {
    /// The package root, from this file's path (Tests/TestSupport/Tools.swift).
    package static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `lannamed`: next to the test runner, else `<root>/.build/debug/lannamed`.
    package static let binary: URL? = {
        let besideRunner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("lannamed")
        // Swift Testing on Linux may run from inside the .xctest bundle's parent or the bundle itself.
        let candidates = [
            besideRunner,
            besideRunner.deletingLastPathComponent().appendingPathComponent("lannamed"),
            packageRoot.appendingPathComponent(".build/debug/lannamed"),
        ]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
        }
        return nil
    }()

    /// The binary's path, or a recorded failure that says where it was looked for.
    package static func requireBinary(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let binary else {
            let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
            Issue.record("lannamed binary not found next to the test runner (\(runner)) nor in \(packageRoot.path)/.build/debug; build it with `swift build --build-tests`",
                         sourceLocation: sourceLocation)
            throw HarnessError.missing("lannamed")
        }
        return binary.path
    }

    /// A tool from PATH (or the usual system directories); nil when absent.
    package static func which(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]
        for directory in directories {
            let candidate = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A tool the test cannot do without: its path, or a recorded failure saying what to install.
    package static func require(_ tool: String, package: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let path = which(tool) else {
            Issue.record("\(tool) is not installed: this end-to-end test needs it (apt-get install \(package))",
                         sourceLocation: sourceLocation)
            throw HarnessError.missing(tool)
        }
        return path
    }

    /// A fresh directory `lannamed-e2e-LABEL-XXXXXXXX` under the temp directory.
    package static func makeTempDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lannamed-e2e-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A file's text, or "" when it cannot be read (logs that do not exist yet).
    package static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Seconds on a monotonic clock.
    package static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Polls `body` every `interval` until it is true or `limit` seconds pass; the seconds it
    /// took, or nil. Bounded in count (limit / interval + 2 tries) and in time.
    package static func poll(every interval: Double = 0.1, upTo limit: Double, _ body: () -> Bool) -> Double? {
        let start = now()
        for _ in 0..<(Int(limit / interval) + 2) {
            if body() { return now() - start }
            if now() - start > limit { break }
            usleep(useconds_t(interval * 1_000_000))
        }
        return nil
    }

    /// "850 ms", "2.31 s" or "n/a".
    package static func format(_ seconds: Double?) -> String {
        guard let seconds else { return "n/a" }
        return seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }
}

package enum HarnessError: Error, CustomStringConvertible {
    case missing(String)
    case noFreePort
    case daemonDidNotStart(String)

    package var description: String {
        switch self {
        case .missing(let tool): "\(tool) is not installed"
        case .noFreePort: "no free loopback port found"
        case .daemonDidNotStart(let log): "did not start answering:\n\(log)"
        }
    }
}
