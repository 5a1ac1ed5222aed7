import SluiceCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses `text` and runs `body` while the line's bytes are alive.
func withParsed<R>(_ text: String, keys: [String] = [], _ body: (JSONLineParser) throws -> R) throws -> R {
    let parser = JSONLineParser(keys: FieldKeys(keys))
    return try Array(text.utf8).withUnsafeBufferPointer { line in
        try parser.parse(line)
        return try body(parser)
    }
}

/// The syntax error `text` gives, or nil if it parses.
func syntaxError(_ text: String) -> JSONSyntaxError? {
    let parser = JSONLineParser(keys: FieldKeys([String]()))
    let bytes: [UInt8] = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { line -> JSONSyntaxError? in
        do {
            try parser.parse(line)
            return nil
        } catch {
            return error as? JSONSyntaxError
        }
    }
}

func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

/// A pipe's two ends; whatever is still open is closed on deinit.
final class Pipe {
    var readEnd: Int32
    var writeEnd: Int32

    init() {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0)
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        closeRead()
        closeWrite()
    }

    func closeRead() { if readEnd >= 0 { close(readEnd); readEnd = -1 } }
    func closeWrite() { if writeEnd >= 0 { close(writeEnd); writeEnd = -1 } }

    /// Writes all of `bytes` (less than the pipe's 64 KiB, so it cannot block).
    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(writeEnd, buffer.baseAddress! + offset, buffer.count - offset)
                precondition(written > 0)
                offset += written
            }
        }
    }

    /// Everything until end of input (closes the write end first).
    func readAll() -> [UInt8] {
        closeWrite()
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, 4096) }
            if got <= 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }
}

/// What a writer produces: `body` writes records, the result is the text.
func written(_ body: (NDJSONWriter) throws -> Void) throws -> String {
    let pipe = Pipe()
    let writer = NDJSONWriter(fileDescriptor: pipe.writeEnd)
    try body(writer)
    try writer.flush()
    return String(decoding: pipe.readAll(), as: UTF8.self)
}
