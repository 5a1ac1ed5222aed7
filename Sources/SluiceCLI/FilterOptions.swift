import ArgumentParser
import SluiceCore

/// What every record filter (flowify, window5s, and the stages after them)
/// takes besides its own options: `-l`, `-q` and the input files; and how
/// such a filter reads its inputs and ends.
public struct FilterOptions: ParsableArguments {
    @Flag(name: .customShort("l"), help: "Flush output after every record (for live pipelines).")
    public var lineBuffered = false

    @Flag(name: .customShort("q"), help: "Quiet: no progress line and no summary on stderr.")
    public var quiet = false

    @Argument(help: ArgumentHelp("NDJSON files to read in order (- or none: standard input).", valueName: "file"))
    public var files: [String] = []

    public init() {}

    /// Reads the inputs in order with `read`, until a stop signal.
    public func readInputs(_ read: (String) throws(OutputError) -> Void) throws(OutputError) {
        for name in files.isEmpty ? ["-"] : files {
            if StopSignal.isPending { break }
            try read(name)
        }
    }

    /// The end of a run: the summary and what was skipped on stderr (unless
    /// quiet), and status 1 if anything was.
    public func exitStatus(summary: @autoclosure () -> String, diagnostics: Diagnostics) -> ExitStatus {
        if !quiet {
            diagnostics.say(summary())
            if diagnostics.sawProblems { diagnostics.say("skipped: \(diagnostics.summary())") }
        }
        return diagnostics.sawProblems ? .failure : .ok
    }
}
