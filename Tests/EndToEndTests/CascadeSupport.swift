import Foundation
import SluiceCore
import Testing

/// The PostgreSQL cluster the tests run cascade against: the one `make
/// test` starts (bin/sluice-pg in $SLUICE_TEST_PG_DIR), started here too if
/// the tests run alone. Each test gets a database of its own.
enum TestCluster {
    /// Under /tmp rather than the checkout: as root, the server runs as an
    /// unprivileged user, who may not reach into the checkout's folders.
    static let directory = ProcessInfo.processInfo.environment["SLUICE_TEST_PG_DIR"] ?? "/tmp/sluice-test-pg-\(getuid())"
    static let sluicePg = E2E.packageRoot.appendingPathComponent("bin/sluice-pg").path

    /// Starts (or finds running) the cluster in `directory`.
    static func start(_ directory: String) throws {
        let result = try shell("SLUICE_PG_DIR=\"$1\" sh \"$2\" start", [directory, sluicePg], timeout: 120)
        guard result.status == 0 else { throw ClusterError(message: "sluice-pg start: \(result.stderr)") }
    }

    static func stop(_ directory: String) throws {
        let result = try shell("SLUICE_PG_DIR=\"$1\" sh \"$2\" stop", [directory, sluicePg], timeout: 120)
        guard result.status == 0 else { throw ClusterError(message: "sluice-pg stop: \(result.stderr)") }
    }

    static func destroy(_ directory: String) {
        _ = try? shell("SLUICE_PG_DIR=\"$1\" sh \"$2\" destroy", [directory, sluicePg], timeout: 120)
    }

    private static let shared: Result<Void, Error> = Result { try start(directory) }

    /// A new empty database on the shared cluster (or on the cluster in
    /// `directory`); returns its conninfo.
    static func database(in directory: String = directory) throws -> String {
        if directory == Self.directory { try shared.get() }
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        _ = try psql("host=\(directory) user=sluice dbname=sluice", "CREATE DATABASE \(name)")
        return "host=\(directory) user=sluice dbname=\(name)"
    }

    /// Runs SQL with psql (unaligned, tuples only); returns its output.
    @discardableResult
    static func psql(_ conninfo: String, _ sql: String) throws -> String {
        let result = try run("/bin/sh", ["-c", "psql -X -q -A -t -v ON_ERROR_STOP=1 -d \"$1\" -c \"$2\"", "sh", conninfo, sql], timeout: 120)
        guard result.status == 0 else { throw ClusterError(message: "psql: \(result.stderr)") }
        return result.stdoutText
    }

    /// Every stored window in key order, as COPY text: two databases with
    /// the same dump hold the same windows, to the byte. `columns` picks
    /// columns (default all).
    static func dump(_ conninfo: String, columns: String = "*") throws -> String {
        try psql(conninfo, "COPY (SELECT \(columns) FROM sluice_windows ORDER BY level_s, sensor, key_kind, key_value, window_start) TO STDOUT")
    }
}

struct ClusterError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension E2E {
    static var cascade: String { tool("cascade") }
}

/// cascade over `lines` against the database `conninfo`.
func cascade(lines input: [String], db conninfo: String, _ arguments: [String] = [], timeout: Double = 300) throws -> ToolOutput {
    let directory = E2E.scratchDirectory("cascade")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/input.ndjson"
    try writeLines(input, to: path)
    return ToolOutput(try run(E2E.cascade, ["--db", conninfo, "--sensor", "test"] + arguments, stdinPath: path, timeout: timeout))
}

extension BucketTotals {
    /// The same sums over `seconds`-long buckets, from the window records of
    /// one view and one level.
    init(windows: [Record], view: String, level: Int) {
        self.init()
        for window in windows where window["key"] == view && window.int("level") == level {
            guard let start = window.wholeSeconds("window_start") else { continue }
            add(bucket: start / level * level, packets: window.int("packets_out") + window.int("packets_in"),
                bytes: window.int("bytes_out") + window.int("bytes_in"))
        }
    }
}

/// Runs `sh -c script` with `arguments` and waits with waitpid, output to
/// files. For scripts that start a server: Foundation's Process may never
/// see such a shell end (it stays a zombie while the daemon it started
/// lives on).
func shell(_ script: String, _ arguments: [String], timeout: Double = 300) throws -> RunResult {
    let scratch = NSTemporaryDirectory() + "/sluice-e2e-shell-\(UUID().uuidString)"
    defer {
        try? FileManager.default.removeItem(atPath: scratch + ".out")
        try? FileManager.default.removeItem(atPath: scratch + ".err")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, scratch + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, scratch + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ["/bin/sh", "-c", script, "sh"] + arguments
    var pointers = argv.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    var pid: pid_t = 0
    let start = monotonicNow()
    guard posix_spawn(&pid, "/bin/sh", &actions, nil, &pointers, environ) == 0 else {
        throw ClusterError(message: "could not start /bin/sh")
    }
    var status: Int32 = 0
    var timedOut = false
    while waitpid(pid, &status, WNOHANG) == 0 {
        if monotonicNow() - start > timeout {
            timedOut = true
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            break
        }
        usleep(10_000)
    }
    let exited = status & 0x7F == 0
    return RunResult(status: exited ? (status >> 8) & 0xFF : status & 0x7F, signaled: !exited, timedOut: timedOut,
                     stdout: FileManager.default.contents(atPath: scratch + ".out") ?? Data(),
                     stderr: String(decoding: FileManager.default.contents(atPath: scratch + ".err") ?? Data(), as: UTF8.self),
                     seconds: monotonicNow() - start)
}
