import Foundation
import TestSupport
import Testing

/// The dynamic DNS customer's pages in headless Chromium (`Tests/e2e/account.py`): sign-in with
/// the account's password, a token made on the page and used by a dyndns2 update, the new address
/// on the page and in DNS, the token revoked and refused.
@Suite(.tags(.endToEnd), .serialized) struct AccountPagesBrowserTests {
    static let script = E2E.packageRoot.appendingPathComponent("Tests/e2e/account.py")

    @Test func aCustomerManagesTokensAlone() throws {
        for (tool, package) in [("chromium", "chromium"), ("chromedriver", "chromium-driver"), ("dig", "bind9-dnsutils")] {
            _ = try E2E.require(tool, package: package)
        }
        try #require(run("/usr/bin/python3", ["-c", "import selenium"]).status == 0,
                     "python3-selenium is not installed (apt-get install python3-selenium)")
        let server = try DynDNSServer()
        defer { server.cleanup() }
        let password = "shop-\(UUID().uuidString.prefix(8))"
        let file = server.daemon.directory.appendingPathComponent("account-password")
        try (password + "\n").write(to: file, atomically: true, encoding: .utf8)
        let set = server.daemon.command("ddns", ["account", "password", "shop", "--password-file", file.path],
                                        extra: ["--hosted-zone", DynDNSServer.zone])
        try #require(set.status == 0, "\(set)")
        let shots = try ProcessInfo.processInfo.environment["LANNAMED_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
            ?? E2E.makeTempDirectory("account-shots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let result = run("/usr/bin/python3", [Self.script.path, server.base, "shop", password, "shop.\(DynDNSServer.zone)",
                                              "\(server.daemon.port)", shots.path], timeout: 120)
        print("===== Tests/e2e/account.py (exit \(result.status)) =====\n\(result.stdout)\(result.stderr.suffix(3000))")
        #expect(result.status == 0, "account.py failed; its output is printed above")
        #expect(result.stdout.contains("all account checks passed"))
    }
}
