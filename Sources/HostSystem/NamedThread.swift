import CBatchIO
import Foundation

/// Runs `body` on a new thread that carries `name` (at most 15 bytes kept), as `top -H`, `perf`
/// and `/proc/PID/task/*/comm` show it. The thread names itself: on Linux, a `Thread.name` set
/// before `start()` never reaches the system thread.
public func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
    Thread {
        _ = lannamed_name_thread(name)
        body()
    }.start()
}
