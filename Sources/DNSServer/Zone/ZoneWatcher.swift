import LANZone
import Logging
import NIOPosix
import ServiceLifecycle

/// Keeps the served snapshot in step with the store when another process, such as
/// `lannamed hosts add`, changes it: polls the store's change counter (one row, cheap) and
/// rebuilds when it moved.
public struct ZoneWatcher: Service {
    let refresher: ZoneRefresher
    let interval: Double
    /// SQLite and the snapshot build block: they run here, off the event loops.
    let pool: NIOThreadPool
    let logger: Logger

    public init(refresher: ZoneRefresher, interval: Double, pool: NIOThreadPool, logger: Logger) {
        self.refresher = refresher
        self.interval = interval
        self.pool = pool
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.poll() }
    }

    private func poll() async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            } catch {
                return
            }
            do {
                let before = refresher.hub.current.generation
                let refresher = refresher
                let snapshot = try await pool.runIfActive { try refresher.refresh() }
                if failing {
                    logger.info("database readable again", metadata: ["path": "\(refresher.store.path)"])
                    failing = false
                }
                if snapshot.generation != before {
                    logger.debug("zone reloaded", metadata: ["hosts": "\(snapshot.hostCount)", "serial": "\(snapshot.serial)"])
                }
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
