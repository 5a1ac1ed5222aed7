import Foundation
import SluiceCore
import TrafficGen

/// Shared helpers: generate into a temporary directory (never the repo),
/// read pcap records back, and run the installed tools.
enum Fixtures {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("trafficgen-tests-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Generates a pcap into a fresh temporary file and returns its path.
    static func generate(_ options: TrafficOptions, name: String) throws -> (path: String, summary: TrafficSummary) {
        let path = directory.appendingPathComponent(name).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        defer { close(descriptor) }
        let writer = PcapWriter(fileDescriptor: descriptor, snapLength: options.snapLength,
                                nanosecondTimestamps: options.nanosecondTimestamps)
        let summary = try TrafficGenerator(options: options).run(writer: writer)
        return (path, summary)
    }

    static func options(packets: Int, seed: UInt64 = 1) -> TrafficOptions {
        var options = TrafficOptions()
        options.packets = packets
        options.seed = seed
        return options
    }

    /// One pcap record as stored.
    struct Record {
        var seconds: UInt32
        var fraction: UInt32
        var storedBytes: Int
        var wireBytes: Int
        var data: ArraySlice<UInt8>
    }

    /// Parses a little-endian classic pcap; fails the caller on any damage.
    static func records(_ bytes: [UInt8]) -> (magic: UInt32, snapLength: UInt32, linkType: UInt32, records: [Record])? {
        func u32(_ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        guard bytes.count >= 24 else { return nil }
        var result: [Record] = []
        var offset = 24
        while offset < bytes.count {
            guard offset + 16 <= bytes.count else { return nil }
            let stored = Int(u32(offset + 8))
            guard offset + 16 + stored <= bytes.count else { return nil }
            result.append(Record(seconds: u32(offset), fraction: u32(offset + 4), storedBytes: stored,
                                 wireBytes: Int(u32(offset + 12)), data: bytes[(offset + 16)..<(offset + 16 + stored)]))
            offset += 16 + stored
        }
        return (u32(0), u32(16), u32(20), result)
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Runs a program and returns its status, stdout and stderr.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment["TZ"] = "UTC"
        process.environment = environment
        // stderr goes to a file, so a chatty tool can never block on a full
        // pipe while we read stdout.
        let errPath = directory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errPath)
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) }
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// tshark with the checksum checks that are off by default switched on.
    static func tshark(_ path: String, _ extra: [String]) throws -> String {
        let result = try run("/usr/bin/tshark", ["-n", "-r", path,
                                                 "-o", "tcp.check_checksum:TRUE",
                                                 "-o", "udp.check_checksum:TRUE",
                                                 "-o", "ip.check_checksum:TRUE"] + extra)
        return result.stdout
    }

    /// The built `trafficgen`, next to the test bundle in the products directory.
    static var executable: String? {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("trafficgen").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
