import Foundation
import TestSupport
import Testing

/// Every parameter form of the dyndns2 dialect with curl, the answers and status codes clients
/// parse, and bad input that changes nothing.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(2)))
struct DynDNSProtocolTests {
    @Test func parameterFormsAndAnswers() throws {
        let server = try DynDNSServer(extra: ["--trusted-proxy", "127.0.0.0/8"])
        defer { server.cleanup() }
        let basic = ["-u", "shop:\(server.secret)"]

        // No credentials: a challenge, so wget, uclient-fetch and MikroTik send them.
        let challenge = server.get("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.1")
        #expect(challenge.status == 401 && challenge.body == "badauth", "\(challenge)")
        #expect(challenge.headers.contains("WWW-Authenticate: Basic realm=\"lannamed\""), "\(challenge.headers)")
        let wrong = server.get("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.1", ["-u", "shop:nottheone"])
        #expect(wrong.status == 401 && wrong.body == "badauth")

        // Basic auth, one family at a time (the other is kept).
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.7", basic).body == "good 198.51.100.7")
        #expect(server.answers("shop", "A") == ["198.51.100.7"])
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.7", basic).body == "nochg 198.51.100.7")
        #expect(server.get("/update?hostname=shop.dyn.example.net&myipv6=2001:db8::7", basic).body == "good 2001:db8::7")
        #expect(server.answers("shop", "A") == ["198.51.100.7"] && server.answers("shop", "AAAA") == ["2001:db8::7"])

        // Token header and query credentials; the hostname from the Basic user.
        #expect(server.get("/nic/update?hostname=nas.dyn.example.net&myip=198.51.100.8", ["-H", "Authorization: Token \(server.secret)"]).status == 200)
        #expect(server.answers("nas", "A") == ["198.51.100.8"])
        #expect(server.get("/nic/update?hostname=nas.dyn.example.net&myip=198.51.100.9&username=shop&password=\(server.secret)").status == 200)
        #expect(server.answers("nas", "A") == ["198.51.100.9"])
        #expect(server.get("/nic/update?myip=198.51.100.10", ["-u", "nas.dyn.example.net:\(server.secret)"]).status == 200)
        #expect(server.answers("nas", "A") == ["198.51.100.10"])

        // A list of hostnames with a mixed list of addresses; expanded IPv6 with escaped colons.
        let both = server.get("/nic/update?hostname=shop.dyn.example.net,nas.dyn.example.net&myip=198.51.100.11,2001%3A0db8%3A0000%3A0000%3A0000%3A0000%3A0000%3A0011", basic)
        #expect(both.status == 200 && both.body.split(separator: "\n").count == 2, "\(both)")
        #expect(server.answers("shop", "A") == ["198.51.100.11"] && server.answers("nas", "AAAA") == ["2001:db8::11"])

        // preserve, an empty value deletes, a prefix keeps each host's interface part.
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net&myipv4=preserve&myipv6=2001:db8::12", basic).status == 200)
        #expect(server.answers("shop", "A") == ["198.51.100.11"] && server.answers("shop", "AAAA") == ["2001:db8::12"])
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net,nas.dyn.example.net&myipv4=preserve&myipv6=2001:db8:1:2::/64", basic).status == 200)
        #expect(server.answers("shop", "AAAA") == ["2001:db8:1:2::12"] && server.answers("nas", "AAAA") == ["2001:db8:1:2::11"])
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net&myipv6=&myipv4=preserve", basic).status == 200)
        #expect(server.answers("shop", "AAAA").isEmpty && server.answers("shop", "A") == ["198.51.100.11"])

        // Per-hostname values.
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net,nas.dyn.example.net&myipv4=198.51.100.13&myipv4:nas.dyn.example.net=198.51.100.14", basic).status == 200)
        #expect(server.answers("shop", "A") == ["198.51.100.13"] && server.answers("nas", "A") == ["198.51.100.14"])

        // No address given: the client's own, or the one a trusted proxy names.
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net", basic).body == "good 127.0.0.1")
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net", basic + ["-H", "X-Forwarded-For: 203.0.113.9"]).body == "good 203.0.113.9")
        #expect(server.answers("shop", "A") == ["203.0.113.9"])

        // Refusals change nothing.
        let serial = try #require(server.daemon.serial(DynDNSServer.zone))
        let refusals: [(String, [String], Int, String)] = [
            ("/nic/update?hostname=other.dyn.example.net&myip=198.51.100.99", basic, 404, "nohost"),
            ("/nic/update?hostname=shop.dyn.example.net,other.dyn.example.net&myip=198.51.100.99", basic, 404, "nohost"),
            ("/nic/update?hostname=b%C3%BCcher.dyn.example.net&myip=198.51.100.99", basic, 400, "notfqdn"),
            ("/nic/update?hostname=shop.dyn.example.net&myip=999.1.1.1", basic, 400, ""),
            ("/nic/update?hostname=shop.dyn.example.net&myip=%zz", basic, 400, ""),
            ("/nic/update?hostname=" + Array(repeating: "shop.dyn.example.net", count: 30).joined(separator: ",") + "&myip=198.51.100.99",
             basic, 400, "numhost"),
            ("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.99", basic + ["-X", "GET", "--data-binary", "x=1"], 413, ""),
            ("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.99", basic + ["-H", "X-Big: " + String(repeating: "a", count: 20_000)], 400, ""),
        ]
        for (path, extra, status, word) in refusals {
            let reply = server.get(path, extra)
            #expect(reply.status == status, "\(path.prefix(80)): \(reply)")
            if !word.isEmpty { #expect(reply.body == word, "\(path.prefix(80)): \(reply.body)") }
            for success in ["good", "nochg", "ok", "true", "updated", "success"] {
                #expect(!reply.body.lowercased().contains(success), "\(reply.body)")
            }
        }
        #expect(server.daemon.serial(DynDNSServer.zone) == serial)
        #expect(server.answers("shop", "A") == ["203.0.113.9"])
    }

    @Test func suspendedAccountsAndTooFastClients() throws {
        let server = try DynDNSServer(extra: ["--trusted-proxy", "127.0.0.0/8"])
        defer { server.cleanup() }
        let hosted = ["--hosted-zone", DynDNSServer.zone]
        let basic = ["-u", "shop:\(server.secret)"]
        #expect(server.get("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.7", basic).status == 200)

        // Suspended: the name goes (NXDOMAIN), updates get badauth; resumed: it comes back.
        #expect(server.daemon.command("ddns", ["account", "suspend", "shop"], extra: hosted).status == 0)
        let gone = XFR.waitForSerial(atLeast: 0, timeout: 5) {
            server.daemon.dig(["+norec", "shop.dyn.example.net.", "A"]).status == "NXDOMAIN" ? 1 : nil
        }
        #expect(gone != nil)
        let suspended = server.get("/nic/update?hostname=shop.dyn.example.net&myip=198.51.100.8", basic)
        #expect(suspended.status == 401 && suspended.body == "badauth", "\(suspended)")
        #expect(server.daemon.command("ddns", ["account", "resume", "shop"], extra: hosted).status == 0)
        let back = XFR.waitForSerial(atLeast: 0, timeout: 5) { server.answers("shop", "A") == ["198.51.100.7"] ? 1 : nil }
        #expect(back != nil)

        // A plan with a minimum interval: a second change within it is abuse, for a while.
        #expect(server.daemon.command("ddns", ["plan", "add", "slow", "--max-hosts", "1", "--min-interval", "300"], extra: hosted).status == 0)
        #expect(server.daemon.command("ddns", ["account", "add", "cafe", "--plan", "slow"], extra: hosted).status == 0)
        #expect(server.daemon.command("ddns", ["host", "add", "cafe.dyn.example.net", "--account", "cafe"], extra: hosted).status == 0)
        let cafe = try DynDNSServer.token(server.daemon, account: "cafe")
        let first = server.get("/nic/update?myip=198.51.100.20", ["-u", "cafe.dyn.example.net:\(cafe)"])
        #expect(first.body == "good 198.51.100.20", "\(first)")
        let tooFast = server.get("/nic/update?myip=198.51.100.21", ["-u", "cafe.dyn.example.net:\(cafe)"])
        #expect(tooFast.status == 429 && tooFast.body == "abuse", "\(tooFast)")
        #expect(server.answers("cafe", "A") == ["198.51.100.20"])

        // Repeated bad secrets from one address are slowed down: abuse without checking.
        var statuses: [Int] = []
        for _ in 0..<7 {
            statuses.append(server.get("/nic/update?myip=198.51.100.22", ["-u", "cafe:wrong-secret", "-H", "X-Forwarded-For: 203.0.113.66"]).status)
        }
        #expect(statuses.prefix(5).allSatisfy { $0 == 401 } && statuses.last == 429, "\(statuses)")
        #expect(server.get("/nic/update?myip=198.51.100.22", ["-u", "shop:\(server.secret)", "-H", "X-Forwarded-For: 198.51.100.77"]).status != 429,
                "another client is not slowed down")
    }
}
