import SluiceCore
import Foundation
import Testing

/// (d) Property: whatever bytes sniff is given, it ends by itself (never by
/// a signal: the debug build traps on an out-of-bounds buffer read, an
/// overflow or a failed precondition, which is what this test is for) and
/// within 10 s. Inputs are the small shared captures, mutated at random:
/// bytes flipped, header fields (file, record or block headers, and the
/// first bytes of a packet, where the IP and transport headers are)
/// overwritten with random or boundary values, the file cut short, ranges
/// duplicated or zeroed.
///
/// Reproducible: case i uses the seed `base + i` (base from
/// SLUICE_MUTATION_SEED, default 0x5EED), and a failure prints the seed, the
/// mutations and the path of the failing file, kept in /tmp. SLUICE_MUTATIONS
/// sets the number of cases (default 3000).
@Suite struct MutationTests {
    static let baseSeed = UInt64(ProcessInfo.processInfo.environment["SLUICE_MUTATION_SEED"] ?? "") ?? 0x5EED
    static let caseCount = Int(ProcessInfo.processInfo.environment["SLUICE_MUTATIONS"] ?? "") ?? 3000
    /// Parallel sniff processes. The tests share two cores with the build.
    static let workers = 3
    /// Stop starting new cases after this long, so the suite stays within a
    /// few minutes on a slow machine; the number run is printed.
    static let budgetSeconds = 170.0

    /// Seed captures: every shared file up to 150 kB (fast to read on a
    /// debug build), damaged ones included, all link types and both formats.
    static let seeds: [(name: String, bytes: [UInt8])] = E2E.allPcaps.compactMap { relative in
        guard let data = FileManager.default.contents(atPath: E2E.pcap(relative)), data.count <= 150_000 else { return nil }
        return (relative, [UInt8](data))
    }

    @Test func mutatedCapturesNeverCrashOrHang() throws {
        try #require(!Self.seeds.isEmpty, "no captures found in \(E2E.pcapsDirectory)")
        let scratch = E2E.scratchDirectory("mutants")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let state = SharedState()
        let start = monotonicNow()
        DispatchQueue.concurrentPerform(iterations: Self.workers) { _ in
            while true {
                guard let index = state.nextCase(limit: Self.caseCount),
                      monotonicNow() - start < Self.budgetSeconds else { return }
                let seed = Self.baseSeed &+ UInt64(index)
                var generator = SplitMix64(seed: seed)
                let seedFile = Self.seeds[Int(generator.next() % UInt64(Self.seeds.count))]
                var bytes = seedFile.bytes
                let description = Mutator.mutate(&bytes, using: &generator)
                let path = "\(scratch)/case-\(seed).pcap"
                _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
                let result: RunResult
                do {
                    result = try run(E2E.sniff, ["--non-ip", "-q", "-r", path], keepStdout: false, timeout: 10)
                } catch {
                    state.fail("seed \(seed): could not run sniff: \(error)")
                    continue
                }
                if result.signaled || result.timedOut {
                    let kept = "/tmp/sluice-mutant-\(seed).pcap"
                    try? FileManager.default.removeItem(atPath: kept)
                    try? FileManager.default.copyItem(atPath: path, toPath: kept)
                    let what = result.timedOut ? "hung (killed after 10 s)" : "died by signal \(result.status)"
                    let lastError = result.stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
                    state.fail("seed \(seed): sniff \(what) on \(kept) (from \(seedFile.name); \(description)); stderr: \(lastError)")
                }
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        let ran = state.started
        print("mutation cases run: \(min(ran, Self.caseCount)) of \(Self.caseCount), seeds \(Self.baseSeed)...; \(Int(monotonicNow() - start)) s")
        #expect(state.failures.isEmpty, Comment(rawValue: "\(state.failures.count) failing cases:\n" + state.failures.prefix(20).joined(separator: "\n")))
    }
}

/// Case counter and failures shared by the worker threads.
private final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var found: [String] = []

    func nextCase(limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }

    var started: Int { lock.lock(); defer { lock.unlock() }; return next }

    func fail(_ message: String) {
        lock.lock(); defer { lock.unlock() }
        found.append(message)
    }

    var failures: [String] { lock.lock(); defer { lock.unlock() }; return found.sorted() }
}

/// Random damage to a capture, described in words for the failure message.
enum Mutator {
    static func mutate(_ bytes: inout [UInt8], using rng: inout SplitMix64) -> String {
        var done: [String] = []
        let rounds = 1 + Int(rng.next() % 3)
        for _ in 0..<rounds {
            guard !bytes.isEmpty else { break }
            switch rng.next() % 6 {
            case 0:
                let count = 1 + Int(rng.next() % 8)
                var positions: [Int] = []
                for _ in 0..<count {
                    let position = Int(rng.next() % UInt64(bytes.count))
                    bytes[position] ^= UInt8(1 + rng.next() % 255)
                    positions.append(position)
                }
                done.append("flipped bytes at \(positions)")
            case 1, 2:
                // A header field: a file, record or block header, or the
                // first bytes of a packet (link, IP, transport headers).
                let headers = headerOffsets(bytes)
                let base = headers.isEmpty ? 0 : headers[Int(rng.next() % UInt64(headers.count))]
                let offset = min(bytes.count - 1, base + Int(rng.next() % 64))
                let width = [1, 2, 4][Int(rng.next() % 3)]
                let boundaries: [UInt32] = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x1_0000 - 14, 65535, 262_145]
                let value = rng.next() % 2 == 0 ? boundaries[Int(rng.next() % UInt64(boundaries.count))] : UInt32(truncatingIfNeeded: rng.next())
                for k in 0..<width where offset + k < bytes.count {
                    bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k)))
                }
                done.append("wrote \(width)-byte value \(value) at \(offset) (header at \(base))")
            case 3:
                let length = Int(rng.next() % UInt64(bytes.count))
                bytes.removeSubrange(length...)
                done.append("cut to \(length) bytes")
            case 4:
                let start = Int(rng.next() % UInt64(bytes.count))
                let length = min(bytes.count - start, 1 + Int(rng.next() % 512))
                let target = Int(rng.next() % UInt64(bytes.count + 1))
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: target)
                done.append("duplicated \(length) bytes from \(start) at \(target)")
            default:
                let start = Int(rng.next() % UInt64(bytes.count))
                let length = min(bytes.count - start, 1 + Int(rng.next() % 64))
                bytes.replaceSubrange(start..<(start + length), with: repeatElement(0, count: length))
                done.append("zeroed \(length) bytes at \(start)")
            }
        }
        return done.joined(separator: "; ")
    }

    /// Offsets of the file header and of each record (pcap) or block
    /// (pcapng) header, as far as the structure can be followed.
    static func headerOffsets(_ bytes: [UInt8]) -> [Int] {
        guard bytes.count >= 24 else { return [0] }
        func u32(_ offset: Int, littleEndian: Bool) -> Int {
            guard offset + 4 <= bytes.count else { return 0 }
            let b = bytes[offset..<(offset + 4)].map(Int.init)
            return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        var offsets = [0]
        if bytes[0] == 0x0A && bytes[1] == 0x0D {
            let littleEndian = bytes[8] == 0x4D
            var offset = 0
            while offset + 12 <= bytes.count, offsets.count < 2000 {
                let length = u32(offset + 4, littleEndian: littleEndian)
                guard length >= 12 else { break }
                offset += length
                offsets.append(offset)
            }
        } else {
            let littleEndian = bytes[0] == 0xD4 || bytes[0] == 0x4D
            var offset = 24
            while offset + 16 <= bytes.count, offsets.count < 2000 {
                offsets.append(offset)
                offset += 16 + u32(offset + 8, littleEndian: littleEndian)
            }
        }
        return offsets.filter { $0 < bytes.count }
    }
}
