import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a program with posix_spawn, an empty signal mask and default signal actions, stdin from
/// /dev/null and stdout+stderr into `output`. The test runner's threads block SIGTERM, SIGUSR1 and
/// SIGUSR2, and Foundation's `Process` hands that mask down: servers such as NSD then ignore
/// SIGTERM, and udhcpc never sees the signals that make it renew and release.
func cleanSpawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
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
    guard result == 0 else { throw CleanSpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
    return pid
}

struct CleanSpawnError: Error, CustomStringConvertible {
    var description: String
}
