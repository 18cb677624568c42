import Foundation
import TestSupport
import Testing

/// A fresh install: with no HTTP setting the daemon listens on [::]:8053, so the console opens
/// at once; a second daemon on the same machine finds the port taken and starts without it.
@Suite(.tags(.endToEnd), .serialized) struct DefaultListenerTests {
    static func status(_ url: String) -> String {
        run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url], timeout: 10).stdout
    }

    @Test func theConsoleOpensWithoutSettingsAndASecondDaemonStartsWithoutIt() throws {
        _ = try E2E.require("curl", package: "curl")
        // Something else on the port (another test's daemon would have stopped by now).
        try #require(Self.status("http://127.0.0.1:8053/healthz") == "000", "port 8053 is already taken on this machine")
        let first = try LannamedDaemon(["--no-forward", "--no-dhcp"])
        defer { first.cleanup() }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, Self.status("http://127.0.0.1:8053/healthz") != "200" { usleep(50_000) }
        #expect(Self.status("http://127.0.0.1:8053/console/login") == "200")
        #expect(Self.status("http://[::1]:8053/console/login") == "200")

        let second = try LannamedDaemon(["--no-forward", "--no-dhcp"])
        defer { second.cleanup() }
        #expect(second.answers("ns.lan.", "A") == ["127.0.0.1"], "the second daemon answers DNS")
        #expect(second.log.contains("HTTP listener off: the default [::]:8053 is taken"), "\(second.log.suffix(2000))")
        #expect(Self.status("http://127.0.0.1:8053/healthz") == "200", "the first still has it")

        let off = try LannamedDaemon(["--no-forward", "--no-dhcp", "--no-http"])
        defer { off.cleanup() }
        #expect(off.log.contains("http=off"))
    }
}
