import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Kea's DHCP-DDNS updating lannamed: `Tests/e2e/kea-ddns.sh` builds a namespace LAN with
/// kea-dhcp4 and kea-dhcp-ddns (a TSIG key from `lannamed keys add kea-ddns --zone lan`, forward
/// and reverse domains pointing at lannamed) and a udhcpc client asking for a hostname; the A and
/// PTR answer, `hosts list` shows one host of source update (the sniffer runs too), the log shows
/// the UPDATEs, and a release makes Kea remove the name.
///
/// Root only, like the other namespace tests; it never overlaps with them (the scripts share a lock).
@Suite("Kea DHCP-DDNS on a namespace LAN", .serialized, .tags(.endToEnd))
struct KeaDDNSTests {
    static let script = E2E.packageRoot.appendingPathComponent("Tests/e2e/kea-ddns.sh")

    @Test("Kea's DHCP-DDNS registers a DHCP client's name and PTR by UPDATE, and removes them on release",
          .enabled(if: getuid() == 0, "needs root (network namespaces, a bridge, pcap); CI runs as root"))
    func keaDDNS() throws {
        let binary = try E2E.requireBinary()
        guard FileManager.default.fileExists(atPath: Self.script.path) else {
            Issue.record("missing \(Self.script.path)")
            return
        }
        let result = try DHCPLANTests.runScript(Self.script, mode: nil, binary: binary)
        print("""
            ===== Tests/e2e/kea-ddns.sh (exit \(result.status)\(result.timedOut ? ", timed out" : ""), \
            \(String(format: "%.1f", result.elapsed)) s) =====
            \(result.output)
            ===== end of kea-ddns.sh =====
            """)
        #expect(!result.timedOut, "kea-ddns.sh did not finish within \(Int(DHCPLANTests.timeout)) s")
        #expect(result.status == 0, "kea-ddns.sh exited with \(result.status); its output is printed above")
    }
}
