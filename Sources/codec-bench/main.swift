// codec-bench: throughput of the NDJSON codec on packet records, the hot
// path of every Sluice tool.
//
//     swift build -c release --product codec-bench
//     .build/release/codec-bench [lines [write|memory|file|pipe ...]]
//
// Generates `lines` (default 1,000,000) varied packet records in memory from
// a fixed seed, then times
//   - NDJSONWriter writing them to /dev/null,
//   - JSONLineParser over the lines in memory (split with memchr),
//   - LineReader + JSONLineParser over a file in /tmp and over a pipe fed by cat,
// each parse reading the fields a downstream tool reads, typed, by slot.
// Prints lines/s, MB/s and ns/line by the wall clock (CLOCK_MONOTONIC), and
// ns/line and lines/s in this thread's CPU time, which is steadier on a busy
// machine (for the pipe it leaves out cat's share); the best of a few runs
// where cheap.
// Everything here is bench scaffolding; the code under test is SluiceCore.

import SluiceCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: Sample records

// SplitMix64 (SluiceCore), seeded: every run sees the same lines.
extension SplitMix64 {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Address strings back to back in one buffer, as a capture tool would
/// format them, so writing a record does no String work.
final class AddressPool {
    var bytes: [UInt8] = []
    var offsets: [Int] = [0]
    func add(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        offsets.append(bytes.count)
    }
    var count: Int { offsets.count - 1 }
}

enum Transport: UInt8 { case tcp, udp, icmp }

struct PacketRecord {
    var timestampNanoseconds: Int64
    var length: Int32
    var captureLength: Int32
    var source: UInt16
    var destination: UInt16
    var transport: Transport
    var ttl: UInt8
    var ipLength: Int32
    var sourcePort: UInt16
    var destinationPort: UInt16
    var tcpFlags: UInt8
    var tcpSequence: UInt32
    var tcpAcknowledgement: UInt32
    var tcpWindow: UInt16
    var payloadLength: Int32
    var icmpType: UInt8
    var icmpCode: UInt8
    var vlan: Int16 // -1: none
    var hasInterface: Bool
    var hasDecodeError: Bool
}

func makeAddresses(_ random: inout SplitMix64) -> AddressPool {
    let pool = AddressPool()
    for _ in 0..<192 {
        let net = ["10.0", "192.168", "172.16", "198.51"][random.below(4)]
        pool.add("\(net).\(random.below(256)).\(random.below(255) + 1)")
    }
    for _ in 0..<64 {
        pool.add("2001:db8::\(String(random.below(65536), radix: 16))")
    }
    pool.add("2001:db8:85a3::8a2e:370:7334")
    pool.add("fe80::1ff:fe23:4567:890a")
    return pool
}

func makeRecords(count: Int, addresses: AddressPool, random: inout SplitMix64) -> [PacketRecord] {
    let v4Count = 192
    let v6Count = addresses.count - v4Count
    let ports: [UInt16] = [443, 80, 53, 22, 123, 8080, 5432, 3389]
    var records: [PacketRecord] = []
    records.reserveCapacity(count)
    var now: Int64 = 1_767_225_600 * 1_000_000_000
    for _ in 0..<count {
        now += Int64(random.below(200_000)) * 1000 // microsecond sources
        let roll = random.below(100)
        let transport: Transport = roll < 70 ? .tcp : roll < 95 ? .udp : .icmp
        let v6 = random.below(100) < 15
        let source = v6 ? v4Count + random.below(v6Count) : random.below(v4Count)
        let destination = v6 ? v4Count + random.below(v6Count) : random.below(v4Count)
        let length = Int32(60 + random.below(1455))
        let payload = max(0, length - 14 - 20 - (transport == .tcp ? 32 : 8))
        records.append(PacketRecord(
            timestampNanoseconds: now,
            length: length,
            captureLength: min(length, 128),
            source: UInt16(source),
            destination: UInt16(destination),
            transport: transport,
            ttl: [64, 128, 255, 57][random.below(4)],
            ipLength: length - 14,
            sourcePort: UInt16(32768 + random.below(28000)),
            destinationPort: ports[random.below(ports.count)],
            tcpFlags: [16, 24, 2, 18, 17, 4][random.below(6)],
            tcpSequence: UInt32(truncatingIfNeeded: random.next()),
            tcpAcknowledgement: UInt32(truncatingIfNeeded: random.next()),
            tcpWindow: UInt16(random.below(65536)),
            payloadLength: payload,
            icmpType: [0, 8, 3, 11][random.below(4)],
            icmpCode: UInt8(random.below(4)),
            vlan: random.below(100) < 3 ? Int16(random.below(4094) + 1) : -1,
            hasInterface: random.below(100) < 20,
            hasDecodeError: random.below(1000) < 5))
    }
    return records
}

func write(_ record: PacketRecord, to writer: NDJSONWriter, addresses: AddressPool) {
    writer.beginRecord(type: "packet")
    writer.field("ts", timestamp: Timestamp(nanoseconds: record.timestampNanoseconds), fractionDigits: 6)
    writer.field("len", Int(record.length))
    writer.field("caplen", Int(record.captureLength))
    if record.hasInterface { writer.field("iface", string: "eth0") }
    if record.vlan >= 0 { writer.field("vlan", Int(record.vlan)) }
    addresses.bytes.withUnsafeBufferPointer { pool in
        let source = Int(record.source), destination = Int(record.destination)
        writer.field("src", string: UnsafeBufferPointer(rebasing: pool[addresses.offsets[source]..<addresses.offsets[source + 1]]))
        writer.field("dst", string: UnsafeBufferPointer(rebasing: pool[addresses.offsets[destination]..<addresses.offsets[destination + 1]]))
    }
    switch record.transport {
    case .tcp: writer.field("proto", 6)
    case .udp: writer.field("proto", 17)
    case .icmp: writer.field("proto", 1)
    }
    writer.field("ttl", Int(record.ttl))
    writer.field("ip_len", Int(record.ipLength))
    switch record.transport {
    case .tcp:
        writer.field("sport", Int(record.sourcePort))
        writer.field("dport", Int(record.destinationPort))
        writer.field("tcp_flags", Int(record.tcpFlags))
        writer.field("tcp_seq", Int(record.tcpSequence))
        writer.field("tcp_ack", Int(record.tcpAcknowledgement))
        writer.field("tcp_win", Int(record.tcpWindow))
    case .udp:
        writer.field("sport", Int(record.sourcePort))
        writer.field("dport", Int(record.destinationPort))
    case .icmp:
        writer.field("icmp_type", Int(record.icmpType))
        writer.field("icmp_code", Int(record.icmpCode))
    }
    writer.field("payload_len", Int(record.payloadLength))
    if record.hasDecodeError { writer.field("decode_error", string: "truncated \"tcp\" header\tat offset 54") }
}

// MARK: Reading, as a downstream tool does

enum Slot {
    static let type = 0, ts = 1, len = 2, caplen = 3, src = 4, dst = 5, proto = 6, ttl = 7,
               ipLen = 8, sport = 9, dport = 10, tcpFlags = 11, tcpSeq = 12, tcpAck = 13,
               tcpWin = 14, payloadLen = 15, icmpType = 16, icmpCode = 17, vlan = 18,
               iface = 19, decodeError = 20
}

let packetKeys = FieldKeys([
    "type", "ts", "len", "caplen", "src", "dst", "proto", "ttl", "ip_len", "sport", "dport",
    "tcp_flags", "tcp_seq", "tcp_ack", "tcp_win", "payload_len", "icmp_type", "icmp_code",
    "vlan", "iface", "decode_error",
])

/// Every field of a packet record, typed; returns a checksum so none of
/// it can be optimised away.
@inline(__always)
func readPacket(_ parser: JSONLineParser) throws(FieldError) -> UInt64 {
    var sum: UInt64 = 0
    let type = try parser.requireStringBytes(Slot.type)
    sum &+= UInt64(type.count)
    sum &+= UInt64(bitPattern: try parser.requireTimestamp(Slot.ts).nanoseconds)
    sum &+= UInt64(bitPattern: try parser.requireInt(Slot.len))
    sum &+= UInt64(bitPattern: try parser.requireInt(Slot.caplen))
    sum &+= UInt64(try parser.requireStringBytes(Slot.src).count)
    sum &+= UInt64(try parser.requireStringBytes(Slot.dst).count)
    sum &+= UInt64(bitPattern: try parser.requireInt(Slot.proto))
    sum &+= UInt64(bitPattern: try parser.requireInt(Slot.ttl))
    sum &+= UInt64(bitPattern: try parser.requireInt(Slot.ipLen))
    sum &+= UInt64(bitPattern: try parser.int(Slot.sport) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.dport) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.tcpFlags) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.tcpSeq) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.tcpAck) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.tcpWin) ?? 0)
    sum &+= UInt64(bitPattern: try parser.requireInt(Slot.payloadLen))
    sum &+= UInt64(bitPattern: try parser.int(Slot.icmpType) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.icmpCode) ?? 0)
    sum &+= UInt64(bitPattern: try parser.int(Slot.vlan) ?? 0)
    sum &+= UInt64(try parser.stringBytes(Slot.iface)?.count ?? 0)
    sum &+= UInt64(try parser.stringBytes(Slot.decodeError)?.count ?? 0)
    return sum
}

enum BenchFailure: Error { case message(String) }

func parseLine(_ line: UnsafeBufferPointer<UInt8>, _ parser: JSONLineParser, _ number: Int) throws -> UInt64 {
    do {
        try parser.parse(line)
    } catch {
        throw BenchFailure.message(error.message(line: number))
    }
    do {
        return try readPacket(parser)
    } catch {
        throw BenchFailure.message("line \(number): \(error.message)")
    }
}

// MARK: Timing

func monotonicSeconds() -> Double { seconds(of: CLOCK_MONOTONIC) }

/// CPU time of this thread: on a machine shared with other work, the
/// figure that does not count time spent waiting for a core.
func cpuSeconds() -> Double { seconds(of: CLOCK_THREAD_CPUTIME_ID) }

func seconds(of clock: clockid_t) -> Double {
    var now = timespec()
    clock_gettime(clock, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

struct Result {
    var name: String
    var lines: Int
    var bytes: Int
    var seconds: Double
    var cpuSeconds: Double
}

/// The fastest of `runs` runs of `body`, in wall-clock and in CPU time.
func best(of runs: Int, _ body: () throws -> (lines: Int, bytes: Int)) rethrows
    -> (lines: Int, bytes: Int, seconds: Double, cpuSeconds: Double) {
    var fastest = Double.infinity
    var fastestCPU = Double.infinity
    var outcome = (lines: 0, bytes: 0)
    for _ in 0..<runs {
        let start = monotonicSeconds()
        let startCPU = cpuSeconds()
        outcome = try body()
        fastestCPU = min(fastestCPU, cpuSeconds() - startCPU)
        fastest = min(fastest, monotonicSeconds() - start)
    }
    return (outcome.lines, outcome.bytes, fastest, fastestCPU)
}

func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * scale).rounded()
    let whole = Int(scaled / scale)
    guard decimals > 0 else { return String(whole) }
    let fraction = Int(scaled) - whole * Int(scale)
    let digits = String(fraction)
    return "\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
}

// MARK: Main

func run() throws {
    let arguments = CommandLine.arguments
    let lineCount = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
    let chosen = Set(arguments.dropFirst(2))
    func wanted(_ name: String) -> Bool { chosen.isEmpty || chosen.contains(name) }

    var random = SplitMix64(seed: 20260101)
    let addresses = makeAddresses(&random)
    let records = makeRecords(count: lineCount, addresses: addresses, random: &random)
    var results: [Result] = []

    // Write: to /dev/null, the cost of formatting and buffering alone.
    let devNull = open("/dev/null", O_WRONLY)
    guard devNull >= 0 else { throw BenchFailure.message("cannot open /dev/null") }
    let writeRun = try best(of: wanted("write") ? 3 : 0) { () throws -> (lines: Int, bytes: Int) in
        let writer = NDJSONWriter(fileDescriptor: devNull)
        for record in records {
            write(record, to: writer, addresses: addresses)
            try writer.endRecord()
        }
        try writer.flush()
        return (writer.recordCount, 0)
    }
    close(devNull)

    // The same records into a file, the input of the parse runs.
    let path = "/tmp/codec-bench-\(getpid()).ndjson"
    let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard file >= 0 else { throw BenchFailure.message("cannot create \(path)") }
    defer { unlink(path) }
    do {
        let writer = NDJSONWriter(fileDescriptor: file)
        for record in records {
            write(record, to: writer, addresses: addresses)
            try writer.endRecord()
        }
        try writer.flush()
    }
    let totalBytes = Int(lseek(file, 0, SEEK_END))
    close(file)
    results.append(Result(name: "write  NDJSONWriter -> /dev/null", lines: writeRun.lines, bytes: totalBytes, seconds: writeRun.seconds, cpuSeconds: writeRun.cpuSeconds))

    // The file in memory.
    let memory = UnsafeMutablePointer<UInt8>.allocate(capacity: totalBytes)
    defer { memory.deallocate() }
    do {
        let input = open(path, O_RDONLY)
        var offset = 0
        while offset < totalBytes {
            let got = read(input, memory + offset, totalBytes - offset)
            guard got > 0 else { throw BenchFailure.message("short read of \(path)") }
            offset += got
        }
        close(input)
    }

    let parser = JSONLineParser(keys: packetKeys)
    var checksums: [UInt64] = []

    // Parse in memory: the parser alone, lines split with memchr.
    let memoryRun = try best(of: wanted("memory") ? 3 : 0) { () throws -> (lines: Int, bytes: Int) in
        var sum: UInt64 = 0
        var lines = 0
        var start = 0
        while start < totalBytes {
            let newline = memchr(memory + start, 0x0A, totalBytes - start)!.assumingMemoryBound(to: UInt8.self) - memory
            lines += 1
            sum &+= try parseLine(UnsafeBufferPointer(start: memory + start, count: newline - start), parser, lines)
            start = newline + 1
        }
        checksums.append(sum)
        return (lines, totalBytes)
    }
    results.append(Result(name: "parse  in-memory buffer", lines: memoryRun.lines, bytes: memoryRun.bytes, seconds: memoryRun.seconds, cpuSeconds: memoryRun.cpuSeconds))

    // Parse through LineReader from a file (in the page cache).
    func readAll(from descriptor: Int32) throws -> (lines: Int, bytes: Int) {
        let reader = LineReader(fileDescriptor: descriptor)
        var sum: UInt64 = 0
        while let line = try reader.nextLine() {
            sum &+= try parseLine(line, parser, reader.lineNumber)
        }
        checksums.append(sum)
        return (reader.lineNumber, reader.bytesRead)
    }
    let fileRun = try best(of: wanted("file") ? 3 : 0) { () throws -> (lines: Int, bytes: Int) in
        let input = open(path, O_RDONLY)
        defer { close(input) }
        return try readAll(from: input)
    }
    results.append(Result(name: "parse  LineReader <- file", lines: fileRun.lines, bytes: fileRun.bytes, seconds: fileRun.seconds, cpuSeconds: fileRun.cpuSeconds))

    // Parse through LineReader from a pipe, fed by cat as a pipeline would be.
    let pipeRun = try best(of: wanted("pipe") ? 1 : 0) { () throws -> (lines: Int, bytes: Int) in
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw BenchFailure.message("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addclose(&actions, ends[1])
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("cat"), strdup(path), nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, "cat", &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(ends[1])
        guard spawned == 0 else { throw BenchFailure.message("cannot run cat") }
        defer {
            close(ends[0])
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        return try readAll(from: ends[0])
    }
    results.append(Result(name: "parse  LineReader <- pipe (cat)", lines: pipeRun.lines, bytes: pipeRun.bytes, seconds: pipeRun.seconds, cpuSeconds: pipeRun.cpuSeconds))

    guard Set(checksums).count <= 1 else { throw BenchFailure.message("parse runs disagree: \(checksums)") }
    results.removeAll { $0.lines == 0 }
    for result in results where result.lines != lineCount {
        throw BenchFailure.message("\(result.name): \(result.lines) lines, expected \(lineCount)")
    }

    print("codec-bench: \(lineCount) packet-record lines, \(fixed(Double(totalBytes) / 1e6, 1)) MB, \(totalBytes / lineCount) bytes/line")
    print(pad("benchmark", 34) + pad("lines/s", 12, right: true) + pad("MB/s", 9, right: true) + pad("ns/line", 9, right: true)
        + pad("cpu ns/line", 13, right: true) + pad("cpu lines/s", 13, right: true))
    for result in results {
        let linesPerSecond = Double(result.lines) / result.seconds
        let megabytesPerSecond = Double(result.bytes) / result.seconds / 1e6
        let nanosecondsPerLine = result.seconds * 1e9 / Double(result.lines)
        print(pad(result.name, 34)
            + pad(String(Int(linesPerSecond.rounded())), 12, right: true)
            + pad(fixed(megabytesPerSecond, 1), 9, right: true)
            + pad(fixed(nanosecondsPerLine, 1), 9, right: true)
            + pad(fixed(result.cpuSeconds * 1e9 / Double(result.lines), 1), 13, right: true)
            + pad(String(Int((Double(result.lines) / result.cpuSeconds).rounded())), 13, right: true))
    }
}

do {
    try run()
} catch BenchFailure.message(let text) {
    writeStandardError("codec-bench: \(text)\n")
    exit(1)
} catch {
    writeStandardError("codec-bench: \(error)\n")
    exit(1)
}
