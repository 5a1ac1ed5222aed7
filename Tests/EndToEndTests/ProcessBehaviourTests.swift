import SluiceCore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// (e) Unix manners of sniff as a process: a reader that goes away, a full
/// disk, SIGTERM on a pipe that stays open (STYLE.md habits 4 and 5,
/// ARCHITECTURE.md principle 8).
@Suite struct ProcessBehaviourTests {
    /// Writes `packets` generated packets to a scratch file and returns its path.
    static func generated(_ packets: Int, seed: Int = 1) throws -> String {
        let path = E2E.scratchDirectory("gen") + "/gen-\(packets)-\(seed).pcap"
        let result = try run(E2E.trafficgen, ["--packets", String(packets), "--seed", String(seed), "-w", path])
        try #require(result.status == 0, "trafficgen failed: \(result.stderr)")
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    // Expected: `sniff -r big | head -1` gives one line, and sniff itself
    // (its status captured inside the pipeline, so no pipefail is needed)
    // ends with status 0 and says nothing: EPIPE is a quiet end, not an error.
    @Test func headOneEndsQuietly() throws {
        let big = try Self.generated(200_000)
        defer { Self.remove(big) }
        let directory = (big as NSString).deletingLastPathComponent
        let script = #"{ "$1" -r "$2" 2>"$3/err"; echo $? >"$3/status"; } | head -1"#
        let result = try run("/bin/sh", ["-c", script, "sh", E2E.sniff, big, directory], timeout: 120)
        #expect(result.lines.count == 1)
        let status = try String(contentsOfFile: directory + "/status", encoding: .utf8)
        let stderr = try String(contentsOfFile: directory + "/err", encoding: .utf8)
        #expect(status == "0\n", "sniff status \(status)")
        #expect(stderr.isEmpty, "stderr: \(stderr)")
    }

    // Expected: on a full device the write fails, sniff says
    // "sniff: write error: No space left on device" and exits 1; both with
    // more output than a buffer (1000 packets) and with one record, which
    // only the final flush writes.
    @Test(arguments: ["generated", "linktypes/tcpdump_LINKTYPE_IPV4.pcap"])
    func fullDiskIsAnError(input: String) throws {
        let path = input == "generated" ? try Self.generated(1000) : E2E.pcap(input)
        defer { if input == "generated" { Self.remove(path) } }
        let result = try run("/bin/sh", ["-c", #"exec "$1" -q -r "$2" >/dev/full"#, "sh", E2E.sniff, path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("sniff: write error: No space left on device"), "stderr: \(result.stderr)")
    }

    // Expected: SIGTERM while `sniff -r -` waits on a pipe that is still
    // open makes it write the records of every packet it has read (all
    // 1000 sent, a second earlier) and exit 0 within 2 s: a stop asked for
    // is not an error (ARCHITECTURE.md: "SIGINT/SIGTERM drain and flush").
    @Test func sigtermOnAnOpenPipeFlushesAndExitsZero() throws {
        let path = try Self.generated(1000)
        defer { Self.remove(path) }
        let pcap = try #require(FileManager.default.contents(atPath: path))
        let directory = (path as NSString).deletingLastPathComponent
        let outPath = directory + "/out", errPath = directory + "/err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        // Spawned directly rather than through Foundation's Process: the
        // test runner blocks SIGTERM in its threads and Process passes that
        // mask on, so the child would never see the signal (observed:
        // SigBlk fffffffe3bfbea27 in the child's /proc status).
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let child = try spawnWithDefaultSignals(E2E.sniff, ["-r", "-"], stdin: fds[0], stdoutPath: outPath, stderrPath: errPath)
        close(fds[0])
        let writeEnd = fds[1]
        writeInBackground(pcap, to: writeEnd)
        sleep(1)
        kill(child, SIGTERM)
        let ending = waitForExit(child, timeout: 2)
        let stillRunning = ending == nil
        if stillRunning { kill(child, SIGKILL) }
        let final = ending ?? waitForExit(child, timeout: 10)
        close(writeEnd)
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        let lines = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
            .split(separator: "\n")
        #expect(!stillRunning, "sniff still running 2 s after SIGTERM")
        #expect(final?.signaled == false, "sniff died by signal \(final?.status ?? -1)")
        #expect(final?.status == 0, "status \(final?.status ?? -1); stderr: \(stderr)")
        #expect(lines.count == 1000, "records written: \(lines.count)")
    }
}

/// (f) trafficgen and sniff agree: a generated file holds exactly the
/// requested number of packets. Expected: `--packets N`, as counted by sniff
/// (`--non-ip`, one record per frame) and, independently, by tshark.
@Suite struct TrafficgenSniffTests {
    @Test(arguments: [(1, 1), (997, 7), (20_000, 3)])
    func sniffCountsTheRequestedPackets(packets: Int, seed: Int) throws {
        let path = try ProcessBehaviourTests.generated(packets, seed: seed)
        defer { ProcessBehaviourTests.remove(path) }
        let output = try sniffFile(path)
        #expect(output.status == 0, "stderr: \(output.stderr)")
        #expect(output.records.count == packets)
        #expect(output.records.allSatisfy { $0.type == "packet" && $0["decode_error"] == nil })
        #expect(try Tshark.frames(path).count == packets)
    }

    // Expected: nanosecond files have 9 fraction digits in ts, and the same count.
    @Test func nanosecondFile() throws {
        let path = E2E.scratchDirectory("gen") + "/nano.pcap"
        defer { ProcessBehaviourTests.remove(path) }
        let result = try run(E2E.trafficgen, ["--packets", "500", "--nanosecond", "-w", path])
        try #require(result.status == 0)
        let records = try sniffFile(path).records
        #expect(records.count == 500)
        let frames = try Tshark.frames(path)
        #expect(zip(records, frames).allSatisfy { record, frame in
            record["ts"].map { $0.split(separator: ".").last?.count == 9 } == true
                && sameDecimal(record["ts"] ?? "", frame.first("frame.time_epoch") ?? "")
        })
    }
}

/// Writes `data` to `descriptor` from another thread, as fast as the
/// reader at the other end takes it; stops at the first failed write.
func writeInBackground(_ data: Data, to descriptor: Int32) {
    DispatchQueue.global().async {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

/// posix_spawn with every signal at its default action and none blocked,
/// stdin from `stdin`, stdout and stderr to files. Returns the pid.
func spawnWithDefaultSignals(_ program: String, _ arguments: [String], stdin: Int32,
                             stdoutPath: String, stderrPath: String) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t(), all = sigset_t()
    sigemptyset(&empty)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let error = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
    guard error == 0 else { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO) }
    return pid
}

/// Waits up to `timeout` seconds; nil if the process is still running.
func waitForExit(_ pid: pid_t, timeout: Double) -> (status: Int32, signaled: Bool)? {
    let start = monotonicNow()
    var status: Int32 = 0
    while monotonicNow() - start < timeout {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            let signal = status & 0x7F
            return signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
        }
        usleep(10_000)
    }
    return nil
}
