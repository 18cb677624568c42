import Logging
import ServiceLifecycle

/// Probes upstreams marked down until they answer again, and logs every change of an upstream's
/// state, so the log tells which upstream is in use.
public struct UpstreamMonitor: Service {
    let forwarder: Forwarder
    let logger: Logger

    public init(forwarder: Forwarder, logger: Logger) {
        self.forwarder = forwarder
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await forwarder.probeDownUpstreams() }
                group.addTask { await self.watch() }
            }
        }
    }

    private func watch() async {
        var last: [String: Bool] = [:]
        while !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(500)) } catch { return }
            for (upstream, health) in forwarder.status() {
                let key = upstream.description
                if last[key] != health.isUp {
                    if last[key] != nil || !health.isUp {
                        if health.isUp {
                            logger.notice("upstream is back", metadata: ["upstream": "\(key)"])
                        } else {
                            logger.warning("upstream marked down; probing it every second", metadata: [
                                "upstream": "\(key)", "failures": "\(health.consecutiveFailures)"])
                        }
                    }
                    last[key] = health.isUp
                }
            }
        }
    }
}
