import ArgumentParser
import DNSWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ServerMetrics

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The running daemon's zones, upstreams, queries and DHCP in a few lines (read from its /metrics).",
        discussion: "Asks the HTTP listener of the config (default [::]:8053) on loopback; /metrics answers loopback without a token.")
    @Option(help: "The daemon's HTTP listener, e.g. http://127.0.0.1:8053 (default: from the config).") var url: String?
    @OptionGroup var options: StoreOptions

    func run() async throws {
        let base: String
        if let url {
            base = url
        } else {
            let settings: Settings
            do { settings = try options.settings() } catch { throw fail(error.description) }
            guard let listen = settings.http.listen else {
                throw fail("the HTTP listener is off in the config ([http] listen = \"off\"); status reads /metrics from it")
            }
            base = "http://\(Self.loopbackAuthority(listen))"
        }
        guard let endpoint = URL(string: base.hasSuffix("/") ? base + "metrics" : base + "/metrics") else {
            throw fail("\(base) is not a URL")
        }
        let text: String
        do {
            let (data, response) = try await URLSession.shared.data(from: endpoint)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else {
                throw fail("\(endpoint) answered \(status)\(status == 403 ? ": this address is not in the admin access list" : "")")
            }
            text = String(decoding: data, as: UTF8.self)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("no daemon answers at \(endpoint) (\(error.localizedDescription)); is `lannamed run` up?")
        }
        printOut(StatusReport.render(MetricsSample.parse(text)))
    }

    /// Where to ask a listener from this machine: a wildcard address means loopback (`[::]` takes
    /// IPv4 too on Linux).
    static func loopbackAuthority(_ listen: Endpoint) -> String {
        switch listen.address {
        case _ where listen.isWildcard: "127.0.0.1:\(listen.port)"
        case .v4(let v4): "\(v4):\(listen.port)"
        case .v6(let v6): "[\(v6)]:\(listen.port)"
        }
    }
}
