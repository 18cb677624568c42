import DNSWire
import Testing
@testable import LANZone

/// Admin API tokens (`HostStore+AdminTokens`) and the static-host rule the API shares with
/// `hosts add` (`setStaticHost`).
@Suite struct AdminTokenTests {
    @Test func aTokenIsFoundByItsSecretOnlyAndGoesWhenRevoked() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        let (token, secret) = try store.createAdminToken(name: "ops", readOnly: true, now: 100)
        #expect(secret.hasPrefix("lnm_\(token.id)_") && secret.count >= 4 + 9 + 32)
        #expect(try store.adminToken(secret: secret) == token)
        #expect(token.readOnly && token.name == "ops" && token.created == 100)
        // The same id with another secret, a cut secret, other shapes.
        let other = "lnm_\(token.id)_" + String(repeating: "A", count: 32)
        for wrong in [other, String(secret.dropLast()), "lnm_\(token.id)", "", secret + "x", "Bearer " + secret] {
            #expect(try store.adminToken(secret: wrong) == nil, "\(wrong)")
        }
        #expect(try store.adminTokens() == [token])
        #expect(try store.revokeAdminToken(id: token.id.uppercased()))
        #expect(try store.adminToken(secret: secret) == nil)
        #expect(try !store.revokeAdminToken(id: token.id))
    }

    @Test func setStaticHostFollowsTheHostsAddRule() throws {
        let directory = try TemporaryDirectory()
        let store = try HostStore(path: directory.databasePath)
        let origin = try DomainName("lan.")
        let added = try store.setStaticHost("Printer.lan", addresses: ["198.51.100.20", " 198.51.100.20 "], origin: origin)
        #expect(added == StaticHostChange(kind: .added, name: "Printer", fqdn: "Printer.lan.",
                                          addresses: [IPAddress("198.51.100.20")!]))
        #expect(try store.setStaticHost("Printer", addresses: ["198.51.100.20"], origin: origin).kind == .unchanged)
        #expect(try store.setStaticHost("printer", addresses: ["2001:db8::20"], origin: origin).kind == .updated)
        #expect(throws: ZoneError.outsideZone("printer.example.com.", "lan.")) {
            try store.setStaticHost("printer.example.com.", addresses: ["198.51.100.20"], origin: origin)
        }
        #expect(throws: ZoneError.invalidAddress("300.1.1.1")) {
            try store.setStaticHost("x", addresses: ["300.1.1.1"], origin: origin)
        }
        #expect(throws: ZoneError.noAddresses("x")) { try store.setStaticHost("x", addresses: [], origin: origin) }
    }
}
