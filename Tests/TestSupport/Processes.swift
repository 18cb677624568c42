import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts a program with posix_spawn, an empty signal mask and default signal actions, stdin from
/// /dev/null and stdout+stderr into `output`. The test runner's threads block SIGTERM, SIGUSR1 and
/// SIGUSR2, and Foundation's `Process` hands that mask down: servers such as NSD then ignore
/// SIGTERM, and udhcpc never sees the signals that make it renew and release.
package func cleanSpawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                        output: String, truncate: Bool) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | (truncate ? O_TRUNC : O_APPEND), 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
    let envp: [UnsafeMutablePointer<CChar>?]? = variables.map { $0.map { strdup($0) } + [nil] }
    defer {
        for pointer in argv { free(pointer) }
        for pointer in envp ?? [] { free(pointer) }
    }
    var pid: pid_t = 0
    let result: Int32
    if let envp {
        result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    } else {
        result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    }
    guard result == 0 else {
        throw HarnessError.daemonDidNotStart("posix_spawn \(executable): \(String(cString: strerror(result)))")
    }
    return pid
}

/// A child process started with `cleanSpawn`, reaped here with waitpid.
package final class Spawned {
    package let pid: pid_t
    /// Once it has exited: its exit code, or minus the signal that ended it.
    package private(set) var status: Int32?

    package init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                 output: String, truncate: Bool = false) throws {
        pid = try cleanSpawn(executable, arguments, environment: environment, output: output, truncate: truncate)
    }

    /// Reaps the child if it has exited.
    package var isRunning: Bool {
        guard status == nil else { return false }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid {
            // WIFEXITED / WEXITSTATUS by hand (the macros are not imported).
            status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : -(raw & 0x7F)
        } else if result < 0 {
            status = -1
        }
        return status == nil
    }

    /// Waits at most `limit` seconds for the child to exit, polling every 10 ms; whether it did.
    @discardableResult
    package func wait(upTo limit: Double) -> Bool {
        E2E.poll(every: 0.01, upTo: limit) { !isRunning } != nil
    }

    /// SIGTERM to this PID, at most `grace` seconds, then SIGKILL and at most `hard` seconds more.
    package func stop(grace: Double = 5, hard: Double = 3) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if !wait(upTo: grace) {
            kill(pid, SIGKILL)
            wait(upTo: hard)
        }
    }
}

/// One server process (lannamed, NSD, Knot, BIND, Unbound) started with `cleanSpawn` (clean
/// signal mask), stopped by its own PID. NSD forks: its descendants are looked up again at stop
/// time (NSD re-forks its serving child after every transfer) and signalled only while their
/// command line still names our config (`isOurs`), so a recycled PID is never touched.
package final class ServerProcess {
    package let executable: String
    package let arguments: [String]
    package let environment: [String: String]?
    package let outputPath: String
    package private(set) var spawned: Spawned?
    private var children: [Int32] = []

    package init(executable: String, arguments: [String], environment: [String: String]? = nil, outputPath: String) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.outputPath = outputPath
    }

    package var pid: Int32 { spawned?.pid ?? -1 }
    package var isRunning: Bool { spawned?.isRunning ?? false }

    /// Starts the process (output appended to `outputPath`), then waits at most `limit` seconds
    /// for `ready`; stops it and throws, with `describe()`, if it exits or never gets ready.
    package func launch(readyWithin limit: Double = 10, ready: () -> Bool, describe: () -> String) throws {
        guard !isRunning else { return }
        let process = try Spawned(executable, arguments, environment: environment, output: outputPath)
        spawned = process
        let waited = E2E.poll(every: 0.05, upTo: limit) {
            guard process.isRunning else { return true }
            return ready()
        }
        guard waited != nil, process.isRunning else {
            let text = describe()
            stop()
            let command = URL(fileURLWithPath: executable).lastPathComponent + " " + arguments.joined(separator: " ")
            throw HarnessError.daemonDidNotStart("\(command):\n\(text)")
        }
        rememberChildren()
    }

    package func rememberChildren() {
        guard let spawned else { return }
        for child in Self.descendants(of: spawned.pid) where !children.contains(child) { children.append(child) }
    }

    private var liveChildren: [Int32] { children.filter { Self.isOurs($0, config: arguments) } }

    /// Sends `signal` to our PID and to our children still there.
    package func signal(_ signal: Int32) {
        guard let spawned, spawned.isRunning else { return }
        kill(spawned.pid, signal)
        for child in liveChildren { kill(child, signal) }
    }

    /// SIGKILL (children too), and at most 5 s for the process to be gone.
    package func killHard() {
        guard let spawned, spawned.isRunning else { return }
        signal(SIGKILL)
        spawned.wait(upTo: 5)
    }

    /// SIGTERM only, to our PID: whether it exited within `limit`, its status, the seconds it took.
    package func terminate(limit: Double = 5) -> (exited: Bool, status: Int32, seconds: Double) {
        guard let spawned, spawned.isRunning else { return (true, spawned?.status ?? -1, 0) }
        let started = E2E.now()
        kill(spawned.pid, SIGTERM)
        let exited = spawned.wait(upTo: limit)
        return (exited, spawned.status ?? -1, E2E.now() - started)
    }

    /// SIGCONT (in case it is frozen), SIGTERM to our PID, at most 5 s, then SIGKILL (at most 3 s
    /// more); then the remembered children of ours that are still there, at most 3 s, then SIGKILL.
    package func stop() {
        guard let spawned else { return }
        if spawned.isRunning {
            rememberChildren()
            signal(SIGCONT)
            spawned.stop(grace: 5, hard: 3)
        }
        _ = E2E.poll(every: 0.01, upTo: 3) { liveChildren.isEmpty }
        for child in liveChildren { kill(child, SIGKILL) }
        children = []
    }

    /// The PIDs whose parent chain leads to `root` (read from /proc).
    package static func descendants(of root: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var parent: [Int32: Int32] = [:]
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { parent[pid] = ppid }
        }
        var found: [Int32] = []
        var frontier = [root]
        while let current = frontier.popLast() {
            for (pid, ppid) in parent where ppid == current && !found.contains(pid) {
                found.append(pid)
                frontier.append(pid)
            }
        }
        return found
    }

    /// Whether `pid` is still a process started with our config (so a recycled PID is never signalled).
    package static func isOurs(_ pid: Int32, config arguments: [String]) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
        let cmdline = String(decoding: data, as: UTF8.self)
        guard let config = arguments.first(where: { $0.hasSuffix(".conf") }) else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { return false }
        return cmdline.contains(config)
    }
}
