import Foundation
import Testing

/// The executable's contract: exit statuses 0/1/2, messages on stderr,
/// quiet end when the reader goes away.
@Suite struct CommandLineTests {
    static func tool() throws -> String {
        try #require(Fixtures.executable, "trafficgen not found next to the test bundle; build it first")
    }

    static func shell(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try Fixtures.run("/bin/sh", ["-c", script])
    }

    // Expected: exit 0, and the file is exactly the bytes the library wrote
    // for the same options (the executable adds nothing).
    @Test func writesTheSameFileAsTheLibrary() throws {
        let path = Fixtures.directory.appendingPathComponent("cli.pcap").path
        let result = try Fixtures.run(Self.tool(), ["--packets", "2000", "--seed", "7", "-w", path])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let library = try Fixtures.generate(Fixtures.options(packets: 2000, seed: 7), name: "cli-library.pcap").path
        #expect(try Fixtures.read(path) == Fixtures.read(library))
    }

    // Expected: stdout through a pipe carries the same bytes as -w.
    @Test func writesToAPipe() throws {
        let path = Fixtures.directory.appendingPathComponent("pipe.pcap").path
        let direct = Fixtures.directory.appendingPathComponent("direct.pcap").path
        let tool = try Self.tool()
        #expect(try Self.shell("'\(tool)' --packets 300 | cat > '\(path)'").status == 0)
        #expect(try Fixtures.run(tool, ["--packets", "300", "-w", direct]).status == 0)
        #expect(try Fixtures.read(path) == Fixtures.read(direct))
    }

    // Expected: status 2 and a `trafficgen:` message for each bad command line.
    @Test(arguments: [
        ["--packets", "10", "--duration", "5"],
        ["--duration", "0"],
        ["--start", "2026-01-01 00:00"],
        ["--hosts", "0"],
        ["--ipv6-share", "1.5"],
        ["--snaplen", "10"],
        ["--no-such-option"],
        ["--attack", "syn_scn"],
        ["--attack", "syn_scan:rate=0"],
        ["--attack", "syn_scan:port=80"],
        ["--attack", "slowloris:start=20", "--duration", "10"],
        ["--no-benign"],
        ["--attack", "syn_scan", "--truth", "/dev/null", "-w", "/dev/null"],
    ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try Fixtures.run(Self.tool(), arguments + ["-w", "/dev/null"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("trafficgen: "))
        #expect(result.stdout.isEmpty)
    }

    // Expected: the message names the spec and the problem.
    @Test func badAttackSpecIsNamed() throws {
        let result = try Fixtures.run(Self.tool(), ["--attack", "slowloris:rate=fast", "-w", "/dev/null"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(
            "trafficgen: --attack 'slowloris:rate=fast': rate: not a number above 0 and at most 10000000 (connections/s): 'fast'\n"))
    }

    // Expected: with --attack and -w FILE the truth lands beside the pcap
    // as NAME.truth.tsv; a --truth FILE goes there instead; -w /dev/null
    // (not a regular file) gets none; the TSV is the library's.
    @Test func truthFileBesideThePcap() throws {
        let tool = try Self.tool()
        let pcap = Fixtures.directory.appendingPathComponent("cli-attack.pcap").path
        let beside = Fixtures.directory.appendingPathComponent("cli-attack.truth.tsv").path
        try? FileManager.default.removeItem(atPath: beside)
        let result = try Fixtures.run(tool, ["--no-benign", "--attack", "ping_sweep:start=0", "-w", pcap])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        let truth = try String(contentsOfFile: beside, encoding: .utf8)
        let lines = truth.split(separator: "\n")
        #expect(lines.first == "scenario\tkind\ttechnique\tattacker\tvictim\tdest_port\tstart\tend")
        #expect(lines.count == 2 && lines[1].hasPrefix("1\tping_sweep\tping_sweep\t203.0.113.66\t10.1.0.0/24\t-\t1767225600.000000\t"))

        let elsewhere = Fixtures.directory.appendingPathComponent("cli-elsewhere.tsv").path
        #expect(try Fixtures.run(tool, ["--no-benign", "--attack", "ping_sweep:start=0", "-w", pcap,
                                        "--truth", elsewhere]).status == 0)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == truth)

        let toStdout = try Fixtures.run(tool, ["--no-benign", "--attack", "ping_sweep:start=0", "-w", "/dev/null", "--truth", "-"])
        #expect(toStdout.status == 0 && toStdout.stdout == truth)
        #expect(!FileManager.default.fileExists(atPath: "/dev/null.truth.tsv"))
    }

    // Expected: an attack cut off by --packets before its first packet is
    // reported on stderr and left out of the truth; status stays 0.
    @Test func silentAttackIsReported() throws {
        let result = try Fixtures.run(Self.tool(), ["--packets", "100", "--attack", "slowloris", "-w", "/dev/null",
                                                    "--truth", "-"])
        #expect(result.status == 0)
        #expect(result.stdout == "scenario\tkind\ttechnique\tattacker\tvictim\tdest_port\tstart\tend\n")
        #expect(result.stderr == "trafficgen: attack 1 (slowloris) wrote no packets before the capture ended; "
            + "it is left out of the ground truth\n")
    }

    // Expected: status 2 and the refusal message when stdout is a terminal;
    // script(1) from util-linux runs the tool on a pseudo-terminal.
    @Test func refusesATerminal() throws {
        let tool = try Self.tool()
        let result = try Fixtures.run("/usr/bin/script", ["-qec", "'\(tool)' --packets 10", "/dev/null"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("trafficgen: refusing to write a binary pcap to a terminal"))
    }

    // Expected: a full disk is a runtime failure: status 1 and strerror(ENOSPC).
    @Test func writeErrorExitsOne() throws {
        let result = try Fixtures.run(Self.tool(), ["--packets", "100000", "-w", "/dev/full"])
        #expect(result.status == 1)
        #expect(result.stderr == "trafficgen: write error: No space left on device\n")
    }

    // Expected: a reader that stops early (here: reads 100 bytes, then
    // closes the pipe) ends trafficgen quietly with 0: EPIPE, not SIGPIPE.
    @Test func closedPipeEndsQuietly() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.tool())
        process.arguments = ["--packets", "5000000"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let head = try out.fileHandleForReading.read(upToCount: 100)
        #expect(head?.count == 100)
        try out.fileHandleForReading.close()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(message.isEmpty)
    }

    // Expected: --help goes to stdout with status 0 and names every option.
    @Test func helpListsTheOptions() throws {
        let result = try Fixtures.run(Self.tool(), ["--help"])
        #expect(result.status == 0)
        for option in ["-w", "--seed", "--packets", "--duration", "--hosts", "--start", "--snaplen",
                       "--flow-rate", "--ipv6-share", "--nanosecond", "--attack", "--no-benign", "--truth"] {
            #expect(result.stdout.contains(option), "\(option)")
        }
    }
}
