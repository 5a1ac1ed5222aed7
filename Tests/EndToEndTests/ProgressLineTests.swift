import Foundation
import Testing

/// The progress line (sniff(1)): shown while reading a file when stderr is
/// a terminal, never when it is not. `script` gives sniff a pseudo-terminal.
/// Expected: with a terminal, stderr holds a carriage-return line with a
/// percentage before the summary; without one, stderr is the summary alone.
@Suite(.enabled(if: E2E.system("script") != nil, "script(1) not installed"))
struct ProgressLineTests {
    @Test func shownOnATerminalOnly() throws {
        // A zero interval draws at every update, however fast the machine.
        let path = try ProcessBehaviourTests.generated(100_000, seed: 5)
        defer { ProcessBehaviourTests.remove(path) }

        let onTerminal = try run(E2E.system("script")!, ["-qefc", "SLUICE_PROGRESS_INTERVAL=0 '\(E2E.sniff)' -r '\(path)' > /dev/null", "/dev/null"])
        #expect(onTerminal.status == 0, "stderr: \(onTerminal.stderr)")
        let shown = onTerminal.stdoutText
        #expect(shown.contains("\rsniff: ") && shown.contains("% ") && shown.contains("packets/s"),
                "no progress line in: \(shown.debugDescription.prefix(300))")
        #expect(shown.contains("sniff: 100000 packets (100000 IP, 0 non-IP)"))

        let notTerminal = try run(E2E.sniff, ["-r", path])
        #expect(notTerminal.status == 0)
        #expect(!notTerminal.stderr.contains("%") && !notTerminal.stderr.contains("\r"),
                "progress without a terminal: \(notTerminal.stderr.debugDescription)")
    }
}
