import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The DHCP end-to-end test: `Tests/e2e/dhcp-lan.sh` builds a throw-away LAN from network
/// namespaces (a bridge, a DHCP server, udhcpc and dhclient clients), runs the real `lannamed` on
/// the bridge and checks every name with dig. Run once per DHCP server, one after the other (both
/// use 198.51.100.0/24 and 2001:db8:100::/64, so they must never overlap).
///
/// Enabled only as root: namespaces, a bridge and a promiscuous pcap capture need it. CI runs as
/// root, so it runs there; a developer's unprivileged `swift test` skips it.
@Suite("DHCP on a namespace LAN", .serialized)
struct DHCPLANTests {
    /// The package root, from this file's path (Tests/lannamedTests/DHCPLAN/DHCPLANTests.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let script = packageRoot.appendingPathComponent("Tests/e2e/dhcp-lan.sh")

    /// The built `lannamed`: next to the test runner (whatever the scratch path), else
    /// `<root>/.build/debug/lannamed`.
    static var binary: String? {
        let besideRunner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            besideRunner.appendingPathComponent("lannamed"),
            besideRunner.deletingLastPathComponent().appendingPathComponent("lannamed"),
            packageRoot.appendingPathComponent(".build/debug/lannamed"),
        ]
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate.path
            }
        }
        return nil
    }

    /// The script's own limit is 200 s; this is the outer bound. On timeout the script gets
    /// SIGTERM first (its EXIT trap then removes its namespaces, links and processes), and
    /// SIGKILL only if it is still there 20 s later.
    static let timeout: Double = 240

    // Root only: the script creates network namespaces, a bridge and veth pairs, and lannamed
    // opens a promiscuous capture. CI runs as root; an unprivileged run skips this test.
    @Test("lannamed registers DHCP clients' names and keeps them right through release, rename, move and restart",
          .enabled(if: getuid() == 0, "needs root (network namespaces, a bridge, pcap); CI runs as root"),
          arguments: ["dnsmasq", "kea"])
    func dhcpLAN(server: String) throws {
        guard let binary = Self.binary else {
            Issue.record("lannamed binary not found next to the test runner nor in \(Self.packageRoot.path)/.build/debug; build it with `swift build --build-tests`")
            return
        }
        guard FileManager.default.fileExists(atPath: Self.script.path) else {
            Issue.record("missing \(Self.script.path)")
            return
        }

        let result = try Self.runScript(server: server, binary: binary)
        print("""
            ===== Tests/e2e/dhcp-lan.sh \(server) (exit \(result.status)\(result.timedOut ? ", timed out" : ""), \
            \(String(format: "%.1f", result.elapsed)) s) =====
            \(result.output)
            ===== end of dhcp-lan.sh \(server) =====
            """)
        #expect(!result.timedOut, "dhcp-lan.sh \(server) did not finish within \(Int(Self.timeout)) s")
        #expect(result.status == 0, "dhcp-lan.sh \(server) exited with \(result.status); its output is printed above")
    }

    struct ScriptResult {
        var status: Int32
        var output: String
        var timedOut: Bool
        var elapsed: Double
    }

    /// Runs `bash dhcp-lan.sh SERVER` with stdout and stderr in one file (no pipe to fill up),
    /// bounded by `timeout`.
    static func runScript(server: String, binary: String) throws -> ScriptResult {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-dhcp-lan-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, server]
        var environment = ProcessInfo.processInfo.environment
        environment["LANNAMED"] = binary
        environment["NOTIFY_SOCKET"] = nil
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle

        let start = Date()
        try process.run()
        var timedOut = false
        let deadline = start.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            timedOut = true
            kill(process.processIdentifier, SIGTERM)
            let grace = Date().addingTimeInterval(20)
            while process.isRunning && Date() < grace { usleep(50_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                let last = Date().addingTimeInterval(5)
                while process.isRunning && Date() < last { usleep(50_000) }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no output)"
        let status: Int32 = process.isRunning ? -1 : process.terminationStatus
        return ScriptResult(status: timedOut ? -15 : status, output: output, timedOut: timedOut, elapsed: elapsed)
    }
}
