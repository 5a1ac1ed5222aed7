#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a Sluice filter reads one of its inputs: a file, or `-` for
/// standard input, line by line, with a progress line for regular files
/// and a stop at a pending signal. A file that cannot be opened or read,
/// and a line too long, are reported (`unreadable_input`, `line_too_long`)
/// and reading goes on where it can; each line goes to `handle` with the
/// input's place for messages (`"name: "`, or "" for standard input) and
/// its line number. Output errors from `handle` end the reading.
public enum NDJSONInput {
    /// `"name: "` for a file, "" for standard input.
    public static func place(of name: String) -> String { name == "-" ? "" : "\(name): " }

    public static func read(
        _ name: String, tool: String, showsProgress: Bool,
        report: (_ kind: String, _ message: String) -> Void,
        handle: (_ line: UnsafeBufferPointer<UInt8>, _ place: String, _ lineNumber: Int) throws(OutputError) -> Void
    ) throws(OutputError) {
        let descriptor: Int32 = name == "-" ? 0 : open(name, O_RDONLY)
        guard descriptor >= 0 else {
            report("unreadable_input", "\(name): \(String(cString: strerror(errno)))")
            return
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : nil
        let progress = ProgressMeter(tool: tool, unit: "records", totalBytes: size, enabled: showsProgress)
        defer { progress.finish() }

        let reader = LineReader(fileDescriptor: descriptor)
        let place = place(of: name)
        var lines = 0
        while true {
            let line: UnsafeBufferPointer<UInt8>
            do {
                guard let next = try reader.nextLine() else { break }
                line = next
            } catch {
                // A line too long is skipped by the reader itself; a read
                // error ends this input.
                if case .lineTooLong = error {
                    report("line_too_long", "\(place)\(error.message)")
                    continue
                }
                report("unreadable_input", "\(place)\(error.message)")
                break
            }
            lines += 1
            if lines % 8192 == 0 {
                if StopSignal.isPending { break }
                progress.update(records: lines, bytes: reader.bytesRead)
            }
            try handle(line, place, reader.lineNumber)
        }
    }

    /// `read`, with every line that is not blank parsed by `parser` before
    /// `handle` sees it: a line that is not a JSON object is reported
    /// (`bad_json`, with its line and column) and skipped.
    public static func readRecords(
        _ name: String, tool: String, parser: JSONLineParser, showsProgress: Bool,
        report: (_ kind: String, _ message: String) -> Void,
        handle: (_ line: UnsafeBufferPointer<UInt8>, _ place: String, _ lineNumber: Int) throws(OutputError) -> Void
    ) throws(OutputError) {
        try read(name, tool: tool, showsProgress: showsProgress, report: report) { line, place, lineNumber throws(OutputError) in
            if JSONLineParser.isBlank(line) { return }
            do throws(JSONSyntaxError) {
                try parser.parse(line)
            } catch {
                report("bad_json", "\(place)\(error.message(line: lineNumber))")
                return
            }
            try handle(line, place, lineNumber)
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// True when the bytes are exactly `text`.
    @inlinable
    public func equals(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, text.utf8Start, count) == 0)
    }
}
