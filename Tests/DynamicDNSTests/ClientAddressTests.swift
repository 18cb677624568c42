import Testing
import DNSWire
@testable import DynamicDNS

@Suite("ClientAddress")
struct ClientAddressTests {
    static let proxies = [try! AddressPrefix(parsing: "10.0.0.0/8"), try! AddressPrefix(parsing: "2001:db8:ff::/48")]

    @Test(arguments: [
        // Untrusted peer: its X-Forwarded-For is the client's own claim, ignored.
        ("203.0.113.9", ["192.0.2.1"], "203.0.113.9"),
        // Trusted peer: the right-most untrusted entry.
        ("10.0.0.1", ["192.0.2.1"], "192.0.2.1"),
        ("10.0.0.1", ["6.6.6.6, 192.0.2.1, 10.9.9.9"], "192.0.2.1"),
        ("10.0.0.1", ["6.6.6.6", "192.0.2.1,10.9.9.9"], "192.0.2.1"),
        ("2001:db8:ff::1", ["[2001:db8:1::5]:4711"], "2001:db8:1::5"),
        ("10.0.0.1", ["192.0.2.1:4711"], "192.0.2.1"),
        ("10.0.0.1", ["  2001:db8:1::5  "], "2001:db8:1::5"),
        ("::ffff:10.0.0.1", ["::ffff:192.0.2.1"], "192.0.2.1"),
        // Only proxies: the left-most of them.
        ("10.0.0.1", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        // No header: the proxy itself.
        ("10.0.0.1", [], "10.0.0.1"),
        // Garbage ends the chain at the last believed hop.
        ("10.0.0.1", ["192.0.2.1, unknown, 10.2.2.2"], "10.2.2.2"),
        ("10.0.0.1", ["192.0.2.1,"], "10.0.0.1"),
        ("10.0.0.1", ["fe80::1%eth0"], "10.0.0.1"),
    ])
    func resolve(peer: String, forwardedFor: [String], expected: String) {
        let address = ClientAddress.resolve(peer: IPAddress(peer)!, forwardedFor: forwardedFor, trustedProxies: Self.proxies)
        #expect(address == IPAddress(expected)!)
    }

    @Test func headersByAnyCase() {
        let address = ClientAddress.resolve(
            peer: IPAddress("10.0.0.1")!, headers: [(name: "x-forwarded-FOR", value: "192.0.2.8")], trustedProxies: Self.proxies)
        #expect(address == IPAddress("192.0.2.8")!)
    }
}
