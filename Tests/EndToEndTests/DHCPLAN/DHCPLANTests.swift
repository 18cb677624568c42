import Foundation
import TestSupport
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
@Suite("DHCP on a namespace LAN", .serialized, .tags(.endToEnd))
struct DHCPLANTests {
    static let script = E2E.packageRoot.appendingPathComponent("Tests/e2e/dhcp-lan.sh")

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
        let binary = try E2E.requireBinary()
        guard FileManager.default.fileExists(atPath: Self.script.path) else {
            Issue.record("missing \(Self.script.path)")
            return
        }

        let result = try Self.runScript(Self.script, mode: mode, binary: binary)
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

    /// Runs `bash SCRIPT [MODE]` (dhcp-lan.sh, kea-ddns.sh) with stdout and stderr in one file (no pipe to fill up),
    /// bounded by `timeout`. Spawned with a clean signal mask (`Spawned`): the script and every
    /// client it starts must see our SIGTERM and the signals that make udhcpc renew and release.
    /// On timeout: SIGTERM (the script cleans up), 20 s of grace, SIGKILL, and 5 s more at most.
    static func runScript(_ script: URL, mode: String?, binary: String) throws -> ScriptResult {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-dhcp-lan-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }

        var environment = ProcessInfo.processInfo.environment
        environment["LANNAMED"] = binary
        environment["NOTIFY_SOCKET"] = nil
        let start = E2E.now()
        let spawned = try Spawned("/bin/bash", [script.path] + (mode.map { [$0] } ?? []), environment: environment,
                                  output: log.path, truncate: true)
        let timedOut = !spawned.wait(upTo: timeout)
        if timedOut { spawned.stop(grace: 20, hard: 5) }
        let elapsed = E2E.now() - start
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no output)"
        return ScriptResult(status: spawned.status ?? -1, output: output, timedOut: timedOut, elapsed: elapsed)
    }
}
