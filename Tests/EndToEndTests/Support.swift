import SluiceCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where things are, and how to run them. The tools are the built
/// executables (`SLUICE_BIN`, default `<package root>/.build/debug`); the
/// captures are the shared public ones at `<package root>/../shared/pcaps`.
enum E2E {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binDirectory: String = {
        if let path = ProcessInfo.processInfo.environment["SLUICE_BIN"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".build/debug").path
    }()

    static let pcapsDirectory: String =
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/pcaps").resolvingSymlinksInPath().path

    static func tool(_ name: String) -> String { binDirectory + "/" + name }
    static var sniff: String { tool("sniff") }
    static var trafficgen: String { tool("trafficgen") }
    static var flowify: String { tool("flowify") }
    static var window5s: String { tool("window5s") }

    static func pcap(_ relative: String) -> String { pcapsDirectory + "/" + relative }

    /// Every capture under shared/pcaps, relative paths, sorted.
    static let allPcaps: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: pcapsDirectory) else { return [] }
        var found: [String] = []
        while let item = walker.nextObject() as? String {
            if item.hasSuffix(".pcap") || item.hasSuffix(".pcapng") { found.append(item) }
        }
        return found.sorted()
    }()

    static let wellFormedPcaps = allPcaps.filter { !$0.hasPrefix("malformed/") }
    static let malformedPcaps = allPcaps.filter { $0.hasPrefix("malformed/") }

    /// A fresh scratch directory under the system temporary directory.
    static func scratchDirectory(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "/sluice-e2e-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Locates a system program (tshark, tcpdump, capinfos) on PATH and the sbin directories.
    static func system(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// The outcome of one program run.
struct RunResult: Sendable {
    var status: Int32
    /// True when the program was ended by a signal (status is then the signal number).
    var signaled: Bool
    /// True when we killed it at the deadline.
    var timedOut: Bool
    var stdout: Data
    var stderr: String
    var seconds: Double

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var lines: [Substring] { stdoutText.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// Runs `program` with stdout and stderr going to files (so that a chatty
/// program can never block on a full pipe), stdin from a file or /dev/null,
/// and kills it with SIGKILL at `timeout` seconds.
func run(_ program: String, _ arguments: [String], stdinPath: String? = nil,
         keepStdout: Bool = true, timeout: Double = 120) throws -> RunResult {
    let scratch = NSTemporaryDirectory() + "/sluice-e2e-run-\(UUID().uuidString)"
    let outPath = scratch + ".out"
    let errPath = scratch + ".err"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["LC_ALL"] = "C"
    environment["TZ"] = "UTC"
    process.environment = environment
    let outHandle = keepStdout ? try FileHandle(forWritingTo: URL(fileURLWithPath: outPath)) : FileHandle.nullDevice
    let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let inHandle = try stdinPath.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = inHandle
    let start = monotonicNow()
    try process.run()
    var timedOut = false
    while process.isRunning {
        if monotonicNow() - start > timeout {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(2_000)
    }
    process.waitUntilExit()
    let seconds = monotonicNow() - start
    if keepStdout { try? outHandle.close() }
    try? errHandle.close()
    if stdinPath != nil { try? inHandle.close() }
    let stdout = keepStdout ? (FileManager.default.contents(atPath: outPath) ?? Data()) : Data()
    let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
    return RunResult(status: process.terminationStatus,
                     signaled: process.terminationReason == .uncaughtSignal,
                     timedOut: timedOut, stdout: stdout, stderr: stderr, seconds: seconds)
}


/// One NDJSON record from sniff, kept as the raw text of each top-level
/// value so that numbers are compared digit for digit (a timestamp with
/// nanosecond digits does not survive a Double).
struct Record {
    var fields: [String: String] = [:]

    /// Parses the flat objects Sluice tools write: string, number and
    /// boolean values and arrays (kept as their text; arrays of arrays,
    /// such as window records' top_peers, included), no nested objects.
    /// Returns nil for anything else.
    init?(_ line: Substring) {
        var index = line.startIndex
        func skipSpaces() { while index < line.endIndex, line[index] == " " { index = line.index(after: index) } }
        func expect(_ character: Character) -> Bool {
            skipSpaces()
            guard index < line.endIndex, line[index] == character else { return false }
            index = line.index(after: index)
            return true
        }
        func string() -> String? {
            guard expect("\"") else { return nil }
            var text = ""
            while index < line.endIndex, line[index] != "\"" {
                if line[index] == "\\" { index = line.index(after: index); guard index < line.endIndex else { return nil } }
                text.append(line[index])
                index = line.index(after: index)
            }
            guard index < line.endIndex else { return nil }
            index = line.index(after: index)
            return text
        }
        guard expect("{") else { return nil }
        if expect("}") { return }
        while true {
            guard let key = string(), expect(":") else { return nil }
            skipSpaces()
            guard index < line.endIndex else { return nil }
            if line[index] == "\"" {
                guard let value = string() else { return nil }
                fields[key] = value
            } else if line[index] == "[" {
                // An array (flowify's splt_*, window records' top_*), kept as text.
                let start = index
                var depth = 0
                var inString = false
                while index < line.endIndex {
                    let character = line[index]
                    if inString {
                        if character == "\\" { index = line.index(after: index) } else if character == "\"" { inString = false }
                    } else if character == "\"" {
                        inString = true
                    } else if character == "[" {
                        depth += 1
                    } else if character == "]" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    guard index < line.endIndex else { return nil }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { return nil }
                index = line.index(after: index)
                fields[key] = String(line[start..<index])
            } else {
                let start = index
                while index < line.endIndex, line[index] != ",", line[index] != "}" { index = line.index(after: index) }
                fields[key] = String(line[start..<index]).trimmingCharacters(in: .whitespaces)
            }
            if expect(",") { continue }
            guard expect("}") else { return nil }
            return
        }
    }

    subscript(_ key: String) -> String? { fields[key] }
    var type: String? { fields["type"] }
}

/// A tool's run, its stdout as lines and parsed records.
struct ToolOutput: Sendable {
    var status: Int32
    var signaled: Bool
    var stderr: String
    var lines: [String]

    init(_ result: RunResult) {
        status = result.status
        signaled = result.signaled
        stderr = result.stderr
        lines = result.lines.map(String.init)
    }

    var records: [Record] { lines.compactMap { Record(Substring($0)) } }
}

/// Writes NDJSON lines, each ended by a newline, to a file.
func writeLines(_ lines: some Sequence<String>, to path: String) throws {
    try lines.map { $0 + "\n" }.joined().write(toFile: path, atomically: false, encoding: .utf8)
}

func sniffFile(_ path: String, _ extra: [String] = ["--non-ip"], timeout: Double = 120) throws -> ToolOutput {
    let result = try run(E2E.sniff, extra + ["-r", path], timeout: timeout)
    return ToolOutput(result)
}

/// Equal decimal numbers written differently ("1.500000" and "1.5000").
func sameDecimal(_ a: String, _ b: String) -> Bool {
    func normal(_ text: String) -> String {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var whole = String(parts[0])
        while whole.count > 1, whole.hasPrefix("0") { whole.removeFirst() }
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }
    return normal(a) == normal(b)
}

// SplitMix64 comes from SluiceCore: seeded, so a failing random case can be
// reproduced from the seed it prints.
