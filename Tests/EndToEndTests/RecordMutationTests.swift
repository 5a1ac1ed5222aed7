import Foundation
import SluiceCore
import Testing

/// Property: whatever records window5s, cascade, featurize and alert are
/// given, each ends by itself with status 0 or 1 (never by a signal: the
/// debug build traps on an overflow or a failed precondition) within 20 s.
///
/// Inputs are a generated capture's own records (trafficgen, then sniff,
/// flowify, window5s and featurize), 400 lines at a time, damaged at
/// random: JSON text broken, numbers set to boundary values (0, 2^53,
/// 2^63 - 1, 2^64, negative, fractions), sketches decoded, altered (their
/// precision byte, their bytes, their length) and encoded again, heavy-
/// hitter weights set to boundary values, and times moved to the edges of
/// what the stages take (years 1824 and 2116) or beyond. Sketch precisions
/// and counts near 2^64 crashed cascade and featurize, and a window in the
/// year 2200 crashed cascade, before these were handled.
///
/// Reproducible: case i uses the seed `base + i` (base from
/// SLUICE_MUTATION_SEED, default 0x5EED); a failure prints the seed and
/// what was done, and keeps the input in /tmp. SLUICE_RECORD_MUTATIONS
/// sets the number of cases (default 240).
@Suite(.serialized) struct RecordMutationTests {
    static let baseSeed = UInt64(ProcessInfo.processInfo.environment["SLUICE_MUTATION_SEED"] ?? "") ?? 0x5EED
    static let caseCount = Int(ProcessInfo.processInfo.environment["SLUICE_RECORD_MUTATIONS"] ?? "") ?? 240
    /// Stop starting new cases after this long (a slow machine runs fewer).
    static let budgetSeconds = 120.0

    /// The records of each stage, made once.
    struct Inputs {
        var flows: [String]
        var windows: [String]
        var features: [String]
    }

    static func makeInputs(in scratch: String) throws -> Inputs {
        let pcap = scratch + "/gen.pcap"
        let gen = try run(E2E.trafficgen, ["--seed", "11", "--duration", "40", "--hosts", "40", "--flow-rate", "60",
                                           "--attack", "syn_scan:start=5,duration=20", "-w", pcap], timeout: 120)
        try #require(gen.status == 0, "trafficgen: \(gen.stderr)")
        let chain = try run("/bin/sh", ["-c", """
            "$1" -q -r "$2" | "$3" -q > "$6/flows" && "$4" -q "$6/flows" > "$6/windows" && "$5" -q "$6/windows" > "$6/features"
            """, "sh", E2E.sniff, pcap, E2E.flowify, E2E.window5s, E2E.featurize, scratch], timeout: 300)
        try #require(chain.status == 0, "pipeline: \(chain.stderr)")
        func lines(_ name: String) throws -> [String] {
            let text = try String(contentsOfFile: scratch + "/" + name, encoding: .utf8)
            return text.split(separator: "\n").map(String.init)
        }
        let inputs = Inputs(flows: try lines("flows"), windows: try lines("windows"), features: try lines("features"))
        try #require(inputs.flows.count > 400 && inputs.windows.count > 400 && inputs.features.count > 400,
                     "too few records: \(inputs.flows.count) flows, \(inputs.windows.count) windows, \(inputs.features.count) features")
        return inputs
    }

    @Test func mutatedRecordsNeverCrashOrHang() throws {
        let scratch = E2E.scratchDirectory("record-mutants")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inputs = try Self.makeInputs(in: scratch)
        let database = try TestCluster.database()
        var failures: [String] = []
        var ran = 0
        let start = monotonicNow()
        for index in 0..<Self.caseCount where monotonicNow() - start < Self.budgetSeconds {
            ran += 1
            let seed = Self.baseSeed &+ UInt64(index)
            var random = SplitMix64(seed: seed)
            // Each stage in turn, on its own input.
            let (tool, source, arguments): (String, [String], [String]) = switch index % 4 {
            case 0: (E2E.window5s, inputs.flows, [])
            case 1: (E2E.featurize, inputs.windows, [])
            case 2: (E2E.alert, inputs.features, [])
            default: (E2E.cascade, inputs.windows, ["--sensor", "s\(index)", "--levels", "5s,30s,180s,1h", "--db", database])
            }
            let first = Int(random.next() % UInt64(source.count - 400))
            var lines = Array(source[first..<(first + 400)])
            let description = RecordMutator.mutate(&lines, using: &random)
            let path = "\(scratch)/case-\(seed).ndjson"
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
            let result = try run(tool, arguments + [path], keepStdout: false, timeout: 20)
            let name = (tool as NSString).lastPathComponent
            if result.signaled || result.timedOut || result.status > 1 {
                let kept = "/tmp/sluice-record-mutant-\(seed).ndjson"
                try? FileManager.default.removeItem(atPath: kept)
                try? FileManager.default.copyItem(atPath: path, toPath: kept)
                let what = result.timedOut ? "hung (killed after 20 s)" : result.signaled ? "died by signal \(result.status)" : "exited \(result.status)"
                let lastError = result.stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
                failures.append("seed \(seed): \(name) \(what) on \(kept) (\(description)); stderr: \(lastError)")
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        print("record mutation cases run: \(ran) of \(Self.caseCount), seeds \(Self.baseSeed)...; \(Int(monotonicNow() - start)) s")
        #expect(ran >= 20, "only \(ran) cases ran")
        #expect(failures.isEmpty, Comment(rawValue: "\(failures.count) failing cases:\n" + failures.prefix(20).joined(separator: "\n")))
    }
}

/// Random damage to NDJSON records, described in words for the failure
/// message.
enum RecordMutator {
    static let boundaryNumbers = ["0", "-1", "1.5", "9007199254740992", "9007199254740993", "9223372036854775807",
                                  "9223372036854775808", "18446744073709551615", "18446744073709551616", "1e308", "-9223372036854775808"]
    /// Times (epoch seconds) at and beyond what the stages take.
    static let boundaryTimes = ["4611686017", "4611686018", "4611686019", "-4611686017", "-4611686019", "7258118400", "0", "-5"]

    static func mutate(_ lines: inout [String], using random: inout SplitMix64) -> String {
        var done: [String] = []
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let index = Int(random.next() % UInt64(lines.count))
            switch random.next() % 5 {
            case 0:
                // Every line's sketches altered: merges see them together.
                var altered = 0
                for line in lines.indices where random.next() % 3 == 0 {
                    if let changed = alterSketch(lines[line], using: &random) { lines[line] = changed; altered += 1 }
                }
                done.append("sketches altered in \(altered) lines")
            case 1:
                let value = boundaryNumbers[Int(random.next() % UInt64(boundaryNumbers.count))]
                var changed = 0
                for line in lines.indices where random.next() % 4 == 0 {
                    if let new = replaceNumber(in: lines[line], with: value, using: &random) { lines[line] = new; changed += 1 }
                }
                done.append("a number set to \(value) in \(changed) lines")
            case 2:
                let time = boundaryTimes[Int(random.next() % UInt64(boundaryTimes.count))]
                lines = lines.map { shiftTimes($0, to: time) }
                done.append("times moved to \(time)")
            case 3:
                let weight = boundaryNumbers[Int(random.next() % UInt64(boundaryNumbers.count))]
                lines = lines.map { $0.replacingOccurrences(of: #",(\d+)\]"#, with: ",\(weight)]", options: .regularExpression) }
                done.append("heavy-hitter weights set to \(weight)")
            default:
                var bytes = Array(lines[index].utf8)
                guard !bytes.isEmpty else { continue }
                let alphabet = Array(#"{}[]":,.-eE0123456789 \"#.utf8)
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                }
                lines[index] = String(decoding: bytes, as: UTF8.self)
                done.append("JSON text of line \(index + 1) damaged")
            }
        }
        return done.joined(separator: "; ")
    }

    /// One of the line's base64 sketches, decoded, altered and encoded.
    static func alterSketch(_ line: String, using random: inout SplitMix64) -> String? {
        let pattern = #""(peers_sketch|dports_sketch|sports_sketch|pkt_size_hist|duration_hist)":"([A-Za-z0-9+/=]*)""#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let matches = regex.matches(in: line, range: NSRange(line.startIndex..., in: line))
        guard !matches.isEmpty else { return nil }
        let match = matches[Int(random.next() % UInt64(matches.count))]
        guard let range = Range(match.range(at: 2), in: line), var bytes = Base64.decode(String(line[range])), !bytes.isEmpty else { return nil }
        switch random.next() % 4 {
        case 0 where bytes.count > 1: bytes[1] = [4, 11, 12, 13, 14, 16, 17, 0, 255][Int(random.next() % 9)]
        case 1: bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
        case 2: bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
        default: bytes += (0..<(1 + Int(random.next() % 16))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        return line.replacingCharacters(in: range, with: Base64.encode(bytes))
    }

    /// One number field of the line (not its type) set to `value`.
    static func replaceNumber(in line: String, with value: String, using random: inout SplitMix64) -> String? {
        guard let regex = try? NSRegularExpression(pattern: #""[a-z0-9_]+":(-?[0-9][0-9.eE+-]*)"#) else { return nil }
        let matches = regex.matches(in: line, range: NSRange(line.startIndex..., in: line))
        guard !matches.isEmpty, let range = Range(matches[Int(random.next() % UInt64(matches.count))].range(at: 1), in: line) else { return nil }
        return line.replacingCharacters(in: range, with: value)
    }

    /// The line's times moved by the same whole seconds, so that its first
    /// lands on `time` (their fractions kept).
    static func shiftTimes(_ line: String, to time: String) -> String {
        guard let target = Int64(time),
              let regex = try? NSRegularExpression(pattern: #""(?:ts|window_start|window_end|interval_start|interval_end|first_ts|last_ts)":(-?[0-9]+)"#)
        else { return line }
        let matches = regex.matches(in: line, range: NSRange(line.startIndex..., in: line))
        guard let first = matches.first, let firstRange = Range(first.range(at: 1), in: line), let firstSeconds = Int64(line[firstRange])
        else { return line }
        let offset = target &- firstSeconds
        var result = line
        for match in matches.reversed() {
            guard let range = Range(match.range(at: 1), in: result), let seconds = Int64(result[range]) else { continue }
            result.replaceSubrange(range, with: String(seconds &+ offset))
        }
        return result
    }
}
