import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The DHCP end-to-end test: `Tests/e2e/dhcp-lan.sh` builds a throw-away LAN from network
/// namespaces (a bridge, a DHCP server, udhcpc and dhclient clients), runs the real `lannamed` on
/// the bridge and checks every name with dig. Run once per mode, one after the other (all use
/// 198.51.100.0/24 and 2001:db8:100::/64, so they must never overlap): `dnsmasq` and `kea` run the
/// LAN scenario with that DHCP server; `expiry` gives 20-second Kea leases to two clients that
/// neither renew nor release, and checks that at the lease end the one still answering ARP keeps
/// its name and the silent one loses it.
///
/// Enabled only as root: namespaces, a bridge and a promiscuous pcap capture need it. CI runs as
/// root, so it runs there; a developer's unprivileged `swift test` skips it.
@Suite("DHCP on a namespace LAN", .serialized)
struct DHCPLANTests {
    /// The package root, from this file's path (Tests/EndToEndTests/DHCPLAN/DHCPLANTests.swift).
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

    /// The script bounds itself (at most 40 s waiting for another run's lock, then a 180 s
    /// watchdog); this is the outer bound. On timeout the script gets
    /// SIGTERM first (its EXIT trap then removes its namespaces, links and processes), and
    /// SIGKILL only if it is still there 20 s later.
    static let timeout: Double = 240

    // Root only: the script creates network namespaces, a bridge and veth pairs, and lannamed
    // opens a promiscuous capture. CI runs as root; an unprivileged run skips this test.
    @Test("lannamed registers DHCP clients' names and keeps them right through release, rename, move, restart and lease end",
          .enabled(if: getuid() == 0, "needs root (network namespaces, a bridge, pcap); CI runs as root"),
          arguments: ["dnsmasq", "kea", "expiry"])
    func dhcpLAN(mode: String) throws {
        guard let binary = Self.binary else {
            Issue.record("lannamed binary not found next to the test runner nor in \(Self.packageRoot.path)/.build/debug; build it with `swift build --build-tests`")
            return
        }
        guard FileManager.default.fileExists(atPath: Self.script.path) else {
            Issue.record("missing \(Self.script.path)")
            return
        }

        let result = try Self.runScript(mode: mode, binary: binary)
        print("""
            ===== Tests/e2e/dhcp-lan.sh \(mode) (exit \(result.status)\(result.timedOut ? ", timed out" : ""), \
            \(String(format: "%.1f", result.elapsed)) s) =====
            \(result.output)
            ===== end of dhcp-lan.sh \(mode) =====
            """)
        #expect(!result.timedOut, "dhcp-lan.sh \(mode) did not finish within \(Int(Self.timeout)) s")
        #expect(result.status == 0, "dhcp-lan.sh \(mode) exited with \(result.status); its output is printed above")
    }

    struct ScriptResult {
        var status: Int32
        var output: String
        var timedOut: Bool
        var elapsed: Double
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `bash dhcp-lan.sh MODE` with stdout and stderr in one file (no pipe to fill up),
    /// bounded by `timeout`. Spawned with posix_spawn, an empty signal mask and default signal
    /// actions: the test runner's threads block SIGTERM, SIGUSR1 and SIGUSR2, and Foundation's
    /// `Process` would hand that mask down to the script and every client it starts (udhcpc would
    /// never see the signals that make it renew and release, nor the script our SIGTERM).
    static func runScript(mode: String, binary: String) throws -> ScriptResult {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-dhcp-lan-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }

        var environment = ProcessInfo.processInfo.environment
        environment["LANNAMED"] = binary
        environment["NOTIFY_SOCKET"] = nil
        let pid: pid_t
        do {
            pid = try cleanSpawn("/bin/bash", [Self.script.path, mode], environment: environment, output: log.path, truncate: true)
        } catch {
            throw SpawnError(description: "\(error)")
        }

        let start = Date()
        var status: Int32 = 0
        var exited = false
        var timedOut = false
        // Bounded: polls every 50 ms until the deadline; then SIGTERM (the script cleans up),
        // 20 s of grace, SIGKILL, and 5 s more at most.
        func poll(until deadline: Date) {
            while !exited && Date() < deadline {
                if waitpid(pid, &status, WNOHANG) == pid { exited = true } else { usleep(50_000) }
            }
        }
        poll(until: start.addingTimeInterval(timeout))
        if !exited {
            timedOut = true
            kill(pid, SIGTERM)
            poll(until: Date().addingTimeInterval(20))
            if !exited {
                kill(pid, SIGKILL)
                poll(until: Date().addingTimeInterval(5))
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no output)"
        // WIFEXITED / WEXITSTATUS by hand (macros are not imported): exit code, or -signal.
        let code: Int32 = !exited ? -1 : (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -(status & 0x7F)
        return ScriptResult(status: code, output: output, timedOut: timedOut, elapsed: elapsed)
    }
}
