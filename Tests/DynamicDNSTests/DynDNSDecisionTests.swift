import Foundation
import Testing
import DNSWire
@testable import DynamicDNS

private func name(_ text: String) -> DomainName { try! DomainName(text) }
private func v4(_ text: String) -> IPv4Address { IPv4Address(text)! }
private func v6(_ text: String) -> IPv6Address { IPv6Address(text)! }

private let limiter = AbuseLimiter(requestLimit: 100, minimumBlock: 60)

private func credential(
    status: DynDNSCredential.AccountStatus = .active, allowed: [String] = [], sources: [String] = [], interval: Double = 60,
    hosts: [DynDNSHost]? = nil
) -> DynDNSCredential {
    DynDNSCredential(
        tokenID: "t1", account: "alice", status: status, allowedHosts: allowed.map(name),
        allowedSources: sources.map { try! AddressPrefix(parsing: $0) }, minimumInterval: interval,
        hosts: hosts ?? [
            DynDNSHost(name: name("a.example."), ipv4: [v4("192.0.2.1")], ipv6: [v6("2001:db8:1:1::a")], lastUpdate: 0),
            DynDNSHost(name: name("b.example."), ipv4: [], ipv6: [v6("2001:db8:1:1::b"), v6("2001:db8:1:1::bb")], lastUpdate: nil),
            DynDNSHost(name: name("c.example."), ipv4: [v4("192.0.2.3")], lastUpdate: 0),
        ])
}

private func decide(
    _ query: String?, credential: DynDNSCredential = credential(), user: String? = nil, from: String = "198.51.100.7",
    tokenState: RateState? = nil, now: Double = 1000
) throws -> DynDNSDecision {
    var headers: [(name: String, value: String)] = []
    headers.append((name: "Authorization", value: "Basic " + Data("\(user ?? ""):secret".utf8).base64EncodedString()))
    let request = try DynDNSRequest(path: "/nic/update", rawQuery: query, headers: headers, peer: IPAddress(from)!, trustedProxies: [])
    return DynDNSDecision(request: request, credential: credential, tokenState: tokenState, limiter: limiter, now: now)
}

@Suite("DynDNSDecision")
struct DynDNSDecisionTests {
    @Test func goodWithTheNewAddressAndTheOtherFamilyKept() throws {
        let decision = try decide("hostname=a.example&myip=192.0.2.99")
        #expect(decision.answer.http.body == "good 192.0.2.99")
        #expect(decision.changes == [DynDNSChange(name: name("a.example."), ipv4: [v4("192.0.2.99")], ipv6: [v6("2001:db8:1:1::a")])])
        #expect(decision.rateUpdates["token:t1"]?.count == 1)
    }

    @Test func nochgWhenTheAddressesAreThoseAlready() throws {
        let decision = try decide("hostname=a.example&myip=192.0.2.1,2001:db8:1:1::a")
        #expect(decision.answer.http.body == "nochg 192.0.2.1,2001:db8:1:1::a")
        #expect(decision.answer.http.status == 200)
        #expect(decision.changes.isEmpty)
    }

    @Test func emptyValueDeletesTheFamily() throws {
        let decision = try decide("hostname=a.example&myipv4=192.0.2.1&myipv6=")
        #expect(decision.answer.http.body == "good 192.0.2.1")
        #expect(decision.changes == [DynDNSChange(name: name("a.example."), ipv4: [v4("192.0.2.1")], ipv6: [])])
    }

    @Test func clientAddressWhenNoneIsGiven() throws {
        let decision = try decide("hostname=c.example", from: "2001:db8:9::1")
        #expect(decision.answer.http.body == "good 2001:db8:9::1")
        #expect(decision.changes == [DynDNSChange(name: name("c.example."), ipv4: [v4("192.0.2.3")], ipv6: [v6("2001:db8:9::1")])])
    }

    @Test func prefixKeepsEachHostsInterfaceIdentifier() throws {
        let decision = try decide("hostname=a.example,b.example,c.example&myipv6=2001:db8:2:2::/64")
        #expect(decision.changes == [
            DynDNSChange(name: name("a.example."), ipv4: [v4("192.0.2.1")], ipv6: [v6("2001:db8:2:2::a")]),
            DynDNSChange(name: name("b.example."), ipv4: [], ipv6: [v6("2001:db8:2:2::b"), v6("2001:db8:2:2::bb")]),
        ])
        // c has no IPv6 address to keep an identifier of: it stays without one, unchanged.
        #expect(decision.answer.http.body == "good 2001:db8:2:2::a\ngood 2001:db8:2:2::b,2001:db8:2:2::bb\nnochg")
    }

    @Test(arguments: [
        ("2001:db8:2:2::/56", "2001:db8:2:1::a"),
        ("2001:db8:ffff:ffff:ffff::/80", "2001:db8:ffff:ffff:ffff::a"),
        ("2001:db8:2:2:3:3:3:3/128", "2001:db8:2:2:3:3:3:3"),
        ("::/0", "2001:db8:1:1::a"),
    ])
    func prefixLengths(prefix: String, result: String) throws {
        let decision = try decide("hostname=a.example&myipv6=\(prefix)")
        let expected = [v6(result)]
        #expect((decision.changes.first?.ipv6 ?? [v6("2001:db8:1:1::a")]) == expected)
    }

    @Test func perHostAddresses() throws {
        let decision = try decide("hostname=a.example,c.example&myipv4=192.0.2.50&myipv4:c.example=192.0.2.60")
        #expect(decision.answer.http.body == "good 192.0.2.50\ngood 192.0.2.60")
        #expect(decision.changes.map(\.ipv4) == [[v4("192.0.2.50")], [v4("192.0.2.60")]])
    }

    @Test func aListIsAllOrNothing() throws {
        let decision = try decide("hostname=a.example,z.example&myip=192.0.2.99")
        #expect(decision.answer == .nohost)
        #expect(decision.changes.isEmpty)
    }

    @Test func tokenLimitedToSomeHosts() throws {
        let limited = credential(allowed: ["a.example."])
        #expect(try decide("hostname=a.example&myip=192.0.2.99", credential: limited).answer.isSuccess)
        #expect(try decide("hostname=c.example&myip=192.0.2.99", credential: limited).answer == .nohost)
    }

    @Test func perHostParameterForAHostOutsideTheRequest() throws {
        #expect(try decide("hostname=a.example&myipv4:c.example=192.0.2.9").answer == .nohost)
        #expect(try decide("hostname=a.example&myipv4:z.example=192.0.2.9").answer == .nohost)
    }

    @Test func hostnameFromTheBasicUser() throws {
        let decision = try decide("myip=192.0.2.99", user: "C.example")
        #expect(decision.changes.map(\.name) == [name("c.example.")])
        #expect(try decide("myip=192.0.2.99", user: "z.example").answer == .nohost)
    }

    @Test func hostnameFromTheTokensOnlyHost() throws {
        let decision = try decide("myip=192.0.2.99", credential: credential(allowed: ["b.example."]), user: "alice")
        #expect(decision.changes.map(\.name) == [name("b.example.")])
        #expect(try decide("myip=192.0.2.99", user: "alice").answer == .notfqdn)
    }

    @Test(arguments: [DynDNSCredential.AccountStatus.suspended, .expired])
    func inactiveAccountsAreBadauth(status: DynDNSCredential.AccountStatus) throws {
        let decision = try decide("hostname=a.example&myip=192.0.2.99", credential: credential(status: status))
        #expect(decision.answer == .badauth)
        #expect(decision.changes.isEmpty)
    }

    @Test func sourceSubnets() throws {
        let limited = credential(sources: ["198.51.100.0/24", "2001:db8:9::/48"])
        #expect(try decide("hostname=a.example&myip=192.0.2.99", credential: limited, from: "198.51.100.200").answer.isSuccess)
        #expect(try decide("hostname=a.example&myip=192.0.2.99", credential: limited, from: "::ffff:198.51.100.200").answer.isSuccess)
        #expect(try decide("hostname=a.example&myip=192.0.2.99", credential: limited, from: "2001:db8:9:1::1").answer.isSuccess)
        #expect(try decide("hostname=a.example&myip=192.0.2.99", credential: limited, from: "203.0.113.1").answer == .badauth)
    }

    @Test func changingTooSoonIsAbuseAndBlocksTheToken() throws {
        // a changed at 0, interval 300: at 100 a change is refused and the token blocked until 100 + 300.
        let slow = credential(interval: 300)
        let decision = try decide("hostname=a.example,c.example&myip=192.0.2.99", credential: slow, now: 100)
        #expect(decision.answer == .abuse(retryAfter: 300))
        #expect(decision.changes.isEmpty)
        #expect(decision.rateUpdates["token:t1"]?.blockedUntil == 400)
        // While blocked, even a request that changes nothing is refused.
        let blocked = try decide("hostname=a.example&myipv4=preserve", credential: slow, tokenState: decision.rateUpdates["token:t1"], now: 399)
        #expect(blocked.answer == .abuse(retryAfter: 1))
        // Afterwards it goes through.
        let later = try decide("hostname=a.example&myip=192.0.2.99", credential: slow, tokenState: decision.rateUpdates["token:t1"], now: 400)
        #expect(later.answer.isSuccess)
    }

    @Test func sameAddressesSoonAfterAreFine() throws {
        let decision = try decide("hostname=a.example&myip=192.0.2.1", credential: credential(interval: 300), now: 10)
        #expect(decision.answer.http.body == "nochg 192.0.2.1")
    }

    @Test func aShortIntervalStillBlocksForTheMinimum() throws {
        let decision = try decide("hostname=a.example&myip=192.0.2.99", credential: credential(interval: 5), now: 2)
        #expect(decision.answer == .abuse(retryAfter: 60))
    }

    @Test func requestLimitPerToken() throws {
        let tight = AbuseLimiter(requestLimit: 2, requestWindow: 60, minimumBlock: 60)
        let request = try DynDNSRequest(
            path: "/", rawQuery: "hostname=a.example&myip=192.0.2.1", headers: [(name: "Authorization", value: "Token x")],
            peer: IPAddress("198.51.100.7")!, trustedProxies: [])
        var state: RateState?
        var answers: [DynDNSAnswer] = []
        for second in 0..<3 {
            let decision = DynDNSDecision(request: request, credential: credential(), tokenState: state, limiter: tight, now: Double(second))
            answers.append(decision.answer)
            state = decision.rateUpdates["token:t1"] ?? state
        }
        #expect(answers.map(\.code) == ["nochg", "nochg", "abuse"])
        #expect(state?.blockedUntil == 62)
    }
}
