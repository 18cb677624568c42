import LANZone
import Logging
import ServiceLifecycle

/// Keeps the served snapshot in step with the store: polls its change counter (cheap: one row)
/// and rebuilds the snapshot when another process, such as `lannamed hosts add`, changed it.
struct ZoneWatcher: Service {
    let store: HostStore
    let hub: SnapshotHub
    let config: ZoneConfig
    let interval: Double
    let logger: Logger

    /// Reads the store and builds a snapshot from it.
    static func build(store: HostStore, config: ZoneConfig) throws(ZoneError) -> ZoneSnapshot {
        let (hosts, state) = try store.snapshot()
        return ZoneSnapshot(config: config, hosts: hosts, state: state)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await self.poll() }
    }

    private func poll() async {
        var generation = hub.current.generation
        var failing = false
        do {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                } catch {
                    return
                }
                do {
                    let state = try store.state()
                    if failing {
                        logger.info("database readable again", metadata: ["path": "\(store.path)"])
                        failing = false
                    }
                    guard state.generation != generation else { continue }
                    let snapshot = try Self.build(store: store, config: config)
                    hub.publish(snapshot)
                    generation = snapshot.generation
                    logger.debug("zone reloaded", metadata: ["hosts": "\(snapshot.hostCount)", "serial": "\(snapshot.serial)"])
                } catch {
                    if !failing {
                        logger.error("cannot read the database; still answering from the last snapshot",
                                     metadata: ["error": "\(error)"])
                        failing = true
                    }
                }
            }
        }
    }
}
