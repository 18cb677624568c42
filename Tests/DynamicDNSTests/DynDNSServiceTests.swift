import Foundation
import Testing
import DNSWire
@testable import DynamicDNS

private func name(_ text: String) -> DomainName { try! DomainName(text) }

private func makeBackend() -> MemoryBackend {
    MemoryBackend(credentials: [
        "s3cret": DynDNSCredential(
            tokenID: "t1", account: "alice", minimumInterval: 60,
            hosts: [DynDNSHost(name: name("home.example."), ipv4: [IPv4Address("192.0.2.1")!])]),
    ])
}

private func basic(_ userPassword: String) -> (name: String, value: String) {
    (name: "Authorization", value: "Basic " + Data(userPassword.utf8).base64EncodedString())
}

@Suite("DynDNSService")
struct DynDNSServiceTests {
    let limiter = AbuseLimiter(failureLimit: 3, failureWindow: 300, failureBlock: 900)

    @Test func updateEndToEnd() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend, limiter: limiter)
        let first = await service.handle(
            path: "/nic/update", rawQuery: "hostname=home.example&myip=192.0.2.99", headers: [basic("home.example:s3cret")],
            peer: IPAddress("198.51.100.7")!, now: 1000)
        #expect(first.http.status == 200)
        #expect(first.http.body == "good 192.0.2.99")
        #expect(await backend.applied.count == 1)
        // The store now holds it: the same request again is nochg.
        let second = await service.handle(
            path: "/update", rawQuery: "myip=192.0.2.99", headers: [basic("home.example:s3cret")],
            peer: IPAddress("198.51.100.7")!, now: 1010)
        #expect(second.http.body == "nochg 192.0.2.99")
        #expect(await backend.applied.count == 1)
    }

    /// An account may have 100,000 hosts: the lookup asks for the ones the request names, and a
    /// change carries its rate state into its own write.
    @Test func theLookupNamesTheRequestsHostsAndTheWriteCarriesTheRateState() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend, limiter: limiter)
        let peer = IPAddress("198.51.100.7")!
        _ = await service.handle(path: "/nic/update", rawQuery: "hostname=home.example&myipv4:other.example=192.0.2.5",
                                 headers: [basic("x:s3cret")], peer: peer, now: 1000)
        _ = await service.handle(path: "/nic/update", rawQuery: "myip=192.0.2.98", headers: [basic("home.example:s3cret")],
                                 peer: peer, now: 1010)
        #expect(await backend.applied.count == 1)
        #expect(await backend.states[AbuseLimiter.tokenKey("t1")]?.count == 2)
        _ = await service.handle(path: "/nic/update", rawQuery: "myip=192.0.2.98", headers: [basic("anyone:s3cret")],
                                 peer: peer, now: 1020)
        #expect(await backend.lookedUp == [[name("home.example."), name("other.example.")], [name("home.example.")], nil])
        #expect(await backend.applied.count == 1)
        #expect(await backend.states[AbuseLimiter.tokenKey("t1")]?.count == 3)
    }

    @Test func noCredentialsGetsTheChallenge() async {
        let service = DynDNSService(backend: makeBackend())
        let outcome = await service.handle(path: "/nic/update", rawQuery: "hostname=home.example", headers: [],
                                           peer: IPAddress("198.51.100.7")!, now: 0)
        #expect(outcome.http.status == 401)
        #expect(outcome.http.header("WWW-Authenticate") == "Basic realm=\"lannamed\"")
    }

    @Test func repeatedBadauthBlocksTheSourceWithoutCheckingTheSecret() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend, limiter: limiter)
        func attempt(_ password: String, from: String, at now: Double) async -> DynDNSService.Outcome {
            await service.handle(path: "/nic/update", rawQuery: "hostname=home.example&password=\(password)", headers: [],
                                 peer: IPAddress(from)!, now: now)
        }
        for second in 0..<3 {
            #expect(await attempt("wrong", from: "2001:db8:5:5::1", at: Double(second)).answer == .badauth)
        }
        #expect(await backend.lookups == 3)
        // Blocked: even the right secret, from another address of the same /64, is not looked up.
        let blocked = await attempt("s3cret", from: "2001:db8:5:5::2", at: 10)
        #expect(blocked.answer == .abuse(retryAfter: 892))
        #expect(blocked.http.status == 429)
        #expect(await backend.lookups == 3)
        // Another network is not affected.
        #expect(await attempt("s3cret", from: "2001:db8:5:6::1", at: 10).answer.isSuccess)
        // After the block, the source may try again.
        #expect(await attempt("s3cret", from: "2001:db8:5:5::2", at: 903).answer.isSuccess)
        #expect(await backend.states["src:2001:db8:5:5::/64"]?.blockedUntil == 902)
    }

    @Test func unreadableAuthorizationCountsAsAFailure() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend, limiter: limiter)
        let outcome = await service.handle(path: "/", rawQuery: nil, headers: [(name: "Authorization", value: "Basic %%%")],
                                           peer: IPAddress("198.51.100.9")!, now: 0)
        #expect(outcome.answer == .badauth)
        #expect(await backend.states["src:198.51.100.9/32"]?.count == 1)
    }

    @Test func protocolErrorsComeBeforeTheLookup() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend)
        let outcome = await service.handle(path: "/", rawQuery: "hostname=home.example&myip=999.1.1.1&password=s3cret",
                                           headers: [], peer: IPAddress("198.51.100.7")!, now: 0)
        #expect(outcome.http.status == 400)
        #expect(outcome.http.body == "badrequest")
        #expect(await backend.lookups == 0)
    }

    @Test func storeFailures() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend)
        await backend.setRefuseWrites(true)
        let refused = await service.handle(path: "/", rawQuery: "myip=192.0.2.5", headers: [basic("home.example:s3cret")],
                                           peer: IPAddress("198.51.100.7")!, now: 1000)
        #expect(refused.answer == .dnserr)
        #expect(refused.http.status == 500)
        await backend.setFailLookups(true)
        let unreachable = await service.handle(path: "/", rawQuery: "myip=192.0.2.5", headers: [basic("home.example:s3cret")],
                                               peer: IPAddress("198.51.100.7")!, now: 1000)
        #expect(unreachable.answer == .serverError)
        #expect(unreachable.http.status == 503)
        #expect(unreachable.http.body == "911")
    }

    @Test func clientAddressThroughATrustedProxy() async {
        let backend = makeBackend()
        let service = DynDNSService(backend: backend, trustedProxies: [try! AddressPrefix(parsing: "10.0.0.0/8")])
        let outcome = await service.handle(
            path: "/nic/update", rawQuery: nil,
            headers: [basic("home.example:s3cret"), (name: "X-Forwarded-For", value: "203.0.113.5, 10.1.1.1")],
            peer: IPAddress("10.0.0.2")!, now: 1000)
        #expect(outcome.http.body == "good 203.0.113.5")
        #expect(outcome.logLine.contains("client=203.0.113.5"))
    }

    @Test func logLineRedactsSecrets() async {
        let service = DynDNSService(backend: makeBackend())
        let outcome = await service.handle(
            path: "/nic/update", rawQuery: "hostname=home.example&username=home.example&password=s3cret&myip=192.0.2.7&Token=abc&%70assword=zz",
            headers: [basic("home.example:s3cret"), (name: "User-Agent", value: "ddclient/3.11")],
            peer: IPAddress("198.51.100.7")!, now: 1000)
        #expect(outcome.answer.isSuccess)
        #expect(!outcome.logLine.contains("s3cret"))
        #expect(!outcome.logLine.contains("abc"))
        #expect(!outcome.logLine.contains("zz"))
        #expect(!outcome.logLine.contains(Data("home.example:s3cret".utf8).base64EncodedString()))
        #expect(outcome.logLine.contains("password=***"))
        #expect(outcome.logLine.contains("auth=basic user=home.example"))
        #expect(outcome.logLine.contains("-> good 200"))
    }

    @Test func aSecretGivenAsTheUserIsNotLoggedEither() async {
        let service = DynDNSService(backend: makeBackend())
        let outcome = await service.handle(path: "/", rawQuery: "hostname=home.example", headers: [basic("s3cret:s3cret")],
                                           peer: IPAddress("198.51.100.7")!, now: 1000)
        #expect(outcome.answer.isSuccess)
        #expect(!outcome.logLine.contains("s3cret"))
        #expect(outcome.logLine.contains("user=***"))
    }

    @Test(arguments: [
        ("password=a&x=1", "password=***&x=1"),
        ("PASSWORD=a", "PASSWORD=***"),
        ("password", "password=***"),
        ("password=%zz&token=t&hostname=h", "password=***&token=***&hostname=h"),
        ("hostname=a.example", "hostname=a.example"),
    ])
    func redaction(raw: String, expected: String) {
        #expect(DynDNSService.redacted(raw) == expected)
    }

    @Test func logLineHasNoControlBytes() async {
        let service = DynDNSService(backend: makeBackend())
        let outcome = await service.handle(path: "/x\n\u{1b}[31m", rawQuery: "hostname=%0a", headers: [],
                                           peer: IPAddress("198.51.100.7")!, now: 0)
        #expect(outcome.http.status == 400)
        #expect(!outcome.logLine.unicodeScalars.contains { $0.value < 0x20 })
    }

    /// Random parameters and credentials: every answer is either a 200 success or a non-2xx
    /// failure whose body holds no success word, and no secret parameter reaches the log.
    @Test func randomRequestsGetWellFormedAnswers() async {
        let service = DynDNSService(backend: makeBackend(), limiter: AbuseLimiter(failureLimit: 1_000_000, requestLimit: 1_000_000))
        var generator = SplitMix(seed: 11)
        let keys = ["hostname", "myip", "myipv4", "myipv6", "ip", "ipv6", "username", "myipv4:home.example", "wildcard", "%zz", "MyIP"]
        let values = ["home.example", "192.0.2.1", "2001:db8::1", "2001:db8::/64", "preserve", "", "YES", "%3a", "%", "\u{0}",
                      "\u{FC}", "192.0.2.1,2001%3adb8::9", "999.1.1.1", "a,b,c"]
        let secretKeys = ["password", "PASSWORD", "%70assword", "token"]
        var successes = 0, failures = 0
        for round in 0..<500 {
            let count = Int(generator.next() % 6)
            var parameters = (0..<count).map { _ in
                keys[Int(generator.next() % UInt64(keys.count))] + "=" + values[Int(generator.next() % UInt64(values.count))]
            }
            if generator.next() % 2 == 0 {
                parameters.insert(secretKeys[Int(generator.next() % 4)] + "=s3cret", at: Int(generator.next() % UInt64(parameters.count + 1)))
            }
            let query = parameters.joined(separator: "&")
            var headers: [(name: String, value: String)] = []
            switch generator.next() % 4 {
            case 0: headers.append(basic("home.example:s3cret"))
            case 1: headers.append((name: "Authorization", value: "Token s3cret"))
            case 2: headers.append((name: "Authorization", value: values[Int(generator.next() % UInt64(values.count))]))
            default: break
            }
            let outcome = await service.handle(path: "/nic/update", rawQuery: query, headers: headers,
                                               peer: IPAddress("198.51.100.7")!, now: Double(round) * 1000)
            let http = outcome.http
            if outcome.answer.isSuccess {
                successes += 1
                #expect(http.status == 200)
                #expect(http.body.hasPrefix("good") || http.body.hasPrefix("nochg"))
            } else {
                failures += 1
                #expect(!(200..<300).contains(http.status))
                for word in ["good", "nochg", "ok", "true", "updated", "success"] {
                    #expect(!http.body.lowercased().contains(word), "\(query)")
                }
            }
            #expect(!outcome.logLine.contains("s3cret"), "\(query)")
        }
        // Both kinds were met.
        #expect(successes > 20)
        #expect(failures > 20)
    }
}
