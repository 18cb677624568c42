import DNSWire
import Foundation
import LANZone
import Testing

@testable import lannamed

/// `lannamed ddns` on a temporary database: each command parsed as from the command line and
/// run with a given time; what it prints is checked, and what the store holds after it.
@Suite("ddns command")
struct DDNSCommandTests {
    static let t0: Double = 1_800_000_000 // 2027-01-15T08:00:00Z

    /// A temporary database and a config file hosting dyn.example.net, so that no system config
    /// is read.
    final class Workspace: Sendable {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-ddns-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: config, contents: Data("[[zones]]\nname = \"dyn.example.net\"\n".utf8))
        }
        var database: String { directory.appendingPathComponent("lannamed.sqlite").path }
        var config: String { directory.appendingPathComponent("lannamed.toml").path }
        deinit { try? FileManager.default.removeItem(at: directory) }

        /// Runs `ddns ARGUMENTS` and returns what it prints; a refusal throws its `DynamicDNSError`.
        @discardableResult
        func run(_ arguments: [String], now: Double = DDNSCommandTests.t0) throws -> String {
            let command = try DDNSCommand.parseAsRoot(arguments + ["--database", database, "--config", config])
            guard let action = command as? any DDNSAction else {
                Issue.record("\(arguments) is not a runnable ddns command")
                return ""
            }
            return try action.output(now: now)
        }

        func store() throws -> HostStore { try HostStore(path: database) }
    }

    /// Plan basic (2 hosts, zone dyn.example.net), account shop, host shop.dyn.example.net.
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.run(["plan", "add", "basic", "--max-hosts", "2", "--min-interval", "120", "--zones", "dyn.example.net"])
        try workspace.run(["account", "add", "shop", "--plan", "basic", "--expires", "2027-12-31"])
        try workspace.run(["host", "add", "shop.dyn.example.net", "--account", "shop"])
        return workspace
    }

    func refusal(_ body: () throws -> String) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? DynamicDNSError)?.description ?? "\(error)"
        }
    }

    @Test func plansAccountsAndHostsAreAddedAndListed() throws {
        let workspace = try Self.workspace()
        #expect(try workspace.run(["host", "add", "NAS.dyn.example.net.", "--account", "shop", "--wildcard"])
            == "added nas.dyn.example.net. (and *.nas.dyn.example.net.) to account shop")
        let listing = try workspace.run(["list"])
        #expect(listing.contains("basic  2          120s          dyn.example.net."))
        #expect(listing.contains("shop     basic  active  2027-12-31T00:00:00Z  2"))
        #expect(listing.contains("nas.dyn.example.net. (+*)"))
        #expect(try workspace.run(["plan", "list"]).hasPrefix("PLAN"))

        let store = try workspace.store()
        #expect(try store.nextDynamicExpiry(after: Self.t0) == DDNSDate.parse("2027-12-31"))
        #expect(try store.activeDynamicHosts(now: Self.t0).count == 2)
    }

    @Test func hostedZonesComeFromTheConfigAndTheOption() throws {
        let workspace = try Self.workspace()
        try workspace.run(["plan", "add", "open", "--max-hosts", "5"])
        try workspace.run(["account", "add", "bob", "--plan", "open"])
        #expect(refusal { try workspace.run(["host", "add", "pc.home.example.org", "--account", "bob"]) }
            == "\"pc.home.example.org.\" is in none of the hosted zones (dyn.example.net.)")
        #expect(try workspace.run(["host", "add", "pc.home.example.org", "--account", "bob", "--hosted-zone", "home.example.org"])
            == "added pc.home.example.org. to account bob")
        // Plan basic offers only dyn.example.net.
        #expect(refusal { try workspace.run(["host", "add", "x.home.example.org", "--account", "shop", "--hosted-zone", "home.example.org"]) }
            == "\"x.home.example.org.\": plan basic does not include the zone home.example.org.")
    }

    @Test func limitsAndRulesAreRefusedWithReasons() throws {
        let workspace = try Self.workspace()
        try workspace.run(["host", "add", "www.shop.dyn.example.net", "--account", "shop"])
        #expect(refusal { try workspace.run(["host", "add", "cam.dyn.example.net", "--account", "shop"]) }
            == "account shop has 2 of 2 hosts (plan basic)")
        #expect(refusal { try workspace.run(["host", "add", "ns1.dyn.example.net", "--account", "shop"]) }?.contains("reserved") == true)
        #expect(refusal { try workspace.run(["account", "add", "x", "--plan", "basic", "--expires", "next week"]) }?
            .hasPrefix("--expires \"next week\" is not a date") == true)
        #expect(refusal { try workspace.run(["token", "create", "--account", "shop", "--subnet", "10.0.0.0/33"]) }?
            .hasPrefix("--subnet:") == true)
        #expect(refusal { try workspace.run(["account", "suspend", "nobody"]) } == "no account named nobody")
    }

    @Test func suspendResumeAndRemove() throws {
        let workspace = try Self.workspace()
        let store = try workspace.store()
        #expect(try workspace.run(["account", "suspend", "shop"]) == "suspended shop")
        #expect(try store.activeDynamicHosts(now: Self.t0).isEmpty)
        #expect(try workspace.run(["list"]).contains("shop     basic  suspended"))
        #expect(try workspace.run(["account", "resume", "shop"]) == "resumed shop")
        #expect(try store.activeDynamicHosts(now: Self.t0).count == 1)
        #expect(try workspace.run(["account", "expires", "shop", "never"]) == "shop expires never")
        #expect(try store.nextDynamicExpiry(after: Self.t0) == nil)
        #expect(try workspace.run(["host", "remove", "shop.dyn.example.net"]) == "removed shop.dyn.example.net")
        try workspace.run(["token", "create", "--account", "shop"])
        #expect(try workspace.run(["account", "remove", "shop"]) == "removed account shop")
        let listing = try store.dynamicListing()
        #expect(listing.accounts.isEmpty && listing.tokens.isEmpty)
    }

    @Test func tokensPrintTheirSecretOnceAndListWithoutIt() throws {
        let workspace = try Self.workspace()
        let output = try workspace.run(["token", "create", "--account", "shop", "--host", "shop.dyn.example.net",
                                        "--subnet", "198.51.100.0/24", "--expires", "2027-06-01T12:00:00Z"])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let id = String(lines[0].dropFirst("token ".count).prefix(8))
        #expect(lines[0] == "token \(id) for shop.dyn.example.net.")
        let secret = lines[1]
        #expect(secret.count == 32)
        #expect(secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })

        let store = try workspace.store()
        let credential = try #require(try store.dynamicCredential(secret: secret, now: Self.t0))
        #expect(credential.token.id == id && credential.minInterval == 120)
        #expect(try store.dynamicCredential(secret: secret, now: DDNSDate.parse("2027-06-01T12:00:00Z") ?? 0) == nil)

        for format in [["list"], ["list", "--json"]] {
            let listing = try workspace.run(format)
            #expect(listing.contains(id) && !listing.contains(secret))
        }
        #expect(try workspace.run(["token", "revoke", id.uppercased()]) == "revoked token \(id)")
        #expect(try store.dynamicCredential(secret: secret, now: Self.t0) == nil)
        #expect(try workspace.run(["list"]).contains("revoked"))
    }

    @Test func tsigTokensPrintTheNsupdateForm() throws {
        let workspace = try Self.workspace()
        let output = try workspace.run(["token", "create", "--account", "shop", "--tsig", "--algorithm", "hmac-sha512"])
        let key = try #require(output.split(separator: "\n").last.map(String.init))
        let parts = key.split(separator: ":").map(String.init)
        #expect(parts.count == 3)
        #expect(parts[0] == "hmac-sha512")
        #expect(parts[1].hasSuffix(".shop.ddns"))
        #expect(Data(base64Encoded: parts[2])?.count == 64)
        let credential = try #require(try workspace.store().dynamicCredential(tsigKey: try DomainName(parts[1]), now: Self.t0))
        #expect(credential.tsig?.secret == Data(base64Encoded: parts[2]).map(Array.init))
        #expect(refusal { try workspace.run(["token", "create", "--account", "shop", "--algorithm", "hmac-sha256"]) }
            == "--algorithm needs --tsig")
    }

    @Test func usageForBilling() throws {
        let workspace = try Self.workspace()
        let store = try workspace.store()
        try store.applyDynamicUpdate(account: "shop", token: nil, changes: [
            DynamicAddressChange(host: "shop.dyn.example.net.", addresses: [IPAddress("198.51.100.7")].compactMap { $0 })], now: Self.t0)
        try store.countRefusedDynamicUpdates(account: "shop", count: 2, now: Self.t0)
        #expect(try workspace.run(["usage", "--csv"]) == "account,plan,hosts,good,nochg,refused\nshop,basic,1,1,0,2")
        #expect(try workspace.run(["usage", "--csv", "--since", "2027-02-01"]) == "account,plan,hosts,good,nochg,refused\nshop,basic,1,0,0,0")
        // The default period is this UTC month: the update of t0 is in it.
        #expect(try workspace.run(["usage"]).contains("shop     basic  1      1     0      2"))
        let json = try workspace.run(["usage", "--json"], now: Self.t0 + 86_400 * 40)
        #expect(json.contains("\"good\" : 0"))
        #expect(refusal { try workspace.run(["usage", "--json", "--csv"]) } == "choose one of --json and --csv")
    }

    @Test(arguments: [("2027-01-15", 1_800_000_000.0 - 8 * 3600), ("2027-01-15T08:00:00Z", 1_800_000_000),
                      ("2027-01-15T09:00:00+01:00", 1_800_000_000), ("2027-01-15T08:00:00.500Z", 1_800_000_000.5)])
    func dates(_ text: String, _ expected: Double) {
        #expect(DDNSDate.parse(text) == expected)
    }

    @Test(arguments: ["", "2027-13-01", "tomorrow", "2027-01-15 08:00"])
    func badDates(_ text: String) {
        #expect(DDNSDate.parse(text) == nil)
    }
}
