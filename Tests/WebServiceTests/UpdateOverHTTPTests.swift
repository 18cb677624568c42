import DNSWire
import DynamicDNS
import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import WebService

/// One account with one host; changes are kept so the next request sees them.
final class OneHostBackend: DynDNSBackend {
    private let credential = NIOLockedValueBox(DynDNSCredential(
        tokenID: "t1", account: "alice", hosts: [DynDNSHost(name: "home.example.", ipv4: [IPv4Address("192.0.2.1")!])]))
    private let states = NIOLockedValueBox<[String: RateState]>([:])

    func credential(secret: String, user: String?, hosts: [DomainName]?) async throws -> DynDNSCredential? {
        guard secret == "s3cret" else { return nil }
        var found = credential.withLockedValue { $0 }
        found.tokenState = states.withLockedValue { $0[AbuseLimiter.tokenKey(found.tokenID)] }
        return found
    }

    func rateStates(_ keys: [String]) async throws -> [String: RateState] {
        states.withLockedValue { $0.filter { keys.contains($0.key) } }
    }

    func saveRateStates(_ new: [String: RateState]) async throws {
        states.withLockedValue { $0.merge(new) { _, latest in latest } }
    }

    func apply(_ changes: [DynDNSChange], account: String, token: String, rateStates: [String: RateState], now: Double) async -> Bool {
        states.withLockedValue { $0.merge(rateStates) { _, latest in latest } }
        credential.withLockedValue { credential in
            for change in changes {
                guard let index = credential.hosts.firstIndex(where: { $0.name == change.name }) else { continue }
                credential.hosts[index].ipv4 = change.ipv4
                credential.hosts[index].ipv6 = change.ipv6
                credential.hosts[index].lastUpdate = now
            }
        }
        return true
    }
}

/// The web service with the dyndns2 service behind it, as the daemon wires them.
@Suite("Updates over HTTP")
struct UpdateOverHTTPTests {
    static func handler(_ service: DynDNSService) -> @Sendable (HTTPUpdateRequest) async -> HTTPUpdateResponse {
        { request in
            let outcome = await service.handle(
                path: request.path, rawQuery: request.rawQuery, headers: request.headers, peer: request.clientAddress, now: 1000)
            return HTTPUpdateResponse(outcome.http)
        }
    }

    @Test func clientsThatAuthenticateOnlyAfterTheChallenge() async throws {
        // curl --anyauth, like wget and uclient-fetch, sends the password only after a 401 with
        // WWW-Authenticate: without the challenge it would never authenticate.
        let service = DynDNSService(backend: OneHostBackend())
        try await withServer(handler: Self.handler(service)) { _, port in
            let url = "http://127.0.0.1:\(port)/nic/update?hostname=home.example&myip=192.0.2.77"
            let response = try await curl(url, ["--anyauth", "-u", "home.example:s3cret"])
            #expect(response.earlier == [401])
            #expect(response.status == 200)
            #expect(response.body == "good 192.0.2.77")
            let again = try await curl(url, ["-u", "home.example:s3cret"])
            #expect(again.body == "nochg 192.0.2.77")
            let wrong = try await curl(url, ["-u", "home.example:wrong"])
            #expect(wrong.status == 401)
            #expect(wrong.body == "badauth")
        }
    }

    @Test func ownAddressWhenNoneIsGiven() async throws {
        let service = DynDNSService(backend: OneHostBackend())
        try await withServer(handler: Self.handler(service)) { _, port in
            let response = try await curl("http://127.0.0.1:\(port)/update?hostname=home.example&username=alice&password=s3cret")
            #expect(response.status == 200)
            #expect(response.body == "good 127.0.0.1")
        }
    }
}
