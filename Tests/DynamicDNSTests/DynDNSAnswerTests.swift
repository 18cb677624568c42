import Testing
import DNSWire
@testable import DynamicDNS

@Suite("DynDNSAnswer")
struct DynDNSAnswerTests {
    static let failures: [(DynDNSAnswer, Int, String)] = [
        (.credentialsRequired, 401, "badauth"),
        (.badauth, 401, "badauth"),
        (.notfqdn, 400, "notfqdn"),
        (.nohost, 404, "nohost"),
        (.numhost, 400, "numhost"),
        (.abuse(retryAfter: 30), 429, "abuse"),
        (.badagent, 403, "badagent"),
        (.dnserr, 500, "dnserr"),
        (.serverError, 503, "911"),
        (.malformed, 400, "badrequest"),
    ]

    @Test(arguments: failures)
    func failureStatusAndBody(answer: DynDNSAnswer, status: Int, body: String) {
        let http = answer.http
        #expect(http.status == status)
        #expect(http.body == body)
        #expect(!answer.isSuccess)
        // inadyn matches substrings; OPNsense reads only the status.
        for word in ["good", "nochg", "ok", "true", "updated", "success"] {
            #expect(!http.body.lowercased().contains(word))
        }
        #expect(!(200..<300).contains(http.status))
        #expect(http.header("content-type") == "text/plain; charset=utf-8")
    }

    @Test(arguments: [DynDNSAnswer.credentialsRequired, .badauth])
    func challengeOnEvery401(answer: DynDNSAnswer) {
        #expect(answer.http.header("WWW-Authenticate") == "Basic realm=\"lannamed\"")
    }

    @Test(arguments: [DynDNSAnswer.notfqdn, .nohost, .numhost, .dnserr, .malformed, .badagent])
    func noChallengeOtherwise(answer: DynDNSAnswer) {
        #expect(answer.http.header("WWW-Authenticate") == nil)
    }

    @Test func abuseSaysWhenToRetry() {
        #expect(DynDNSAnswer.abuse(retryAfter: 42).http.header("Retry-After") == "42")
        #expect(DynDNSAnswer.abuse(retryAfter: 0).http.header("Retry-After") == "1")
    }

    @Test func successIsOneLinePerHostWithThisRequestsAddresses() throws {
        let answer = DynDNSAnswer.updated([
            .init(name: DomainName("a.example."), changed: true, addresses: [IPAddress("192.0.2.1")!]),
            .init(name: DomainName("b.example."), changed: false, addresses: [IPAddress("192.0.2.1")!, IPAddress("2001:db8::1")!]),
            .init(name: DomainName("c.example."), changed: true, addresses: []),
        ])
        #expect(answer.http.status == 200)
        #expect(answer.http.body == "good 192.0.2.1\nnochg 192.0.2.1,2001:db8::1\ngood")
        #expect(answer.isSuccess)
        #expect(answer.code == "good")
        #expect(answer.http.header("WWW-Authenticate") == nil)
    }

    @Test func singleHostBodyIsExactlyGoodAndTheAddress() throws {
        // pfSense compares the whole body with `good <the IP it sent>`.
        let answer = DynDNSAnswer.updated([.init(name: DomainName("a.example."), changed: true, addresses: [IPAddress("192.0.2.1")!])])
        #expect(answer.http.body == "good 192.0.2.1")
    }
}
