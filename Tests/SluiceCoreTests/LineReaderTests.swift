import SluiceCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// LineReader over real pipes, with tiny buffers so that lines cross
/// buffer boundaries and make the buffer grow.
@Suite struct LineReaderTests {
    /// Every line the reader returns for `input`, with its line number.
    func lines(_ input: String, bufferSize: Int, maxLineLength: Int = 1 << 24) throws -> [String] {
        let pipe = Pipe()
        pipe.write(Array(input.utf8))
        pipe.closeWrite()
        let reader = LineReader(fileDescriptor: pipe.readEnd, bufferSize: bufferSize, maxLineLength: maxLineLength)
        var result: [String] = []
        while let line = try reader.nextLine() {
            result.append(text(line))
            #expect(reader.lineNumber == result.count)
        }
        #expect(try reader.nextLine() == nil)
        #expect(reader.bytesRead == input.utf8.count)
        return result
    }

    @Test(arguments: [1, 2, 3, 4, 7, 16, 1 << 20])
    func linesCrossingBufferBoundaries(bufferSize: Int) throws {
        var expected: [String] = []
        for length in 0..<40 {
            expected.append(String((0..<length).map { Character(UnicodeScalar(UInt8(97 + ($0 + length) % 26))) }))
        }
        let input = expected.joined(separator: "\n") + "\n"
        #expect(try lines(input, bufferSize: bufferSize) == expected)
    }

    @Test func crlfAndAFinalLineWithoutNewline() throws {
        #expect(try lines("a\r\nbc\r\n\r\nd", bufferSize: 2) == ["a", "bc", "", "d"])
        // Only a CR just before the newline goes; others are data.
        #expect(try lines("x\ry\n\r\rz\r", bufferSize: 3) == ["x\ry", "\r\rz"])
        #expect(try lines("", bufferSize: 4) == [])
        #expect(try lines("\n", bufferSize: 4) == [""])
        #expect(try lines("\n\nlast", bufferSize: 4) == ["", "", "last"])
    }

    @Test(arguments: [4, 64])
    func aLineOverTheLimitIsReportedAndSkipped(bufferSize: Int) throws {
        let pipe = Pipe()
        pipe.write(Array("short\n12345678\n0123456789abcdef\nok\n0123456789".utf8))
        pipe.closeWrite()
        let reader = LineReader(fileDescriptor: pipe.readEnd, bufferSize: bufferSize, maxLineLength: 8)
        #expect(try reader.nextLine().map(text) == "short")
        #expect(try reader.nextLine().map(text) == "12345678") // exactly the limit
        #expect(throws: InputError.lineTooLong(line: 3, limit: 8)) { try reader.nextLine() }
        #expect(try reader.nextLine().map(text) == "ok")
        #expect(reader.lineNumber == 4)
        // An overlong last line without a newline is reported too.
        #expect(throws: InputError.lineTooLong(line: 5, limit: 8)) { try reader.nextLine() }
        #expect(try reader.nextLine() == nil)
        #expect(InputError.lineTooLong(line: 5, limit: 8).message == "line 5: longer than 8 bytes, skipped")
    }

    @Test func aLineLongerThanTheBufferMakesItGrow() throws {
        let long = String(repeating: "x", count: 100_000)
        // Through a file: more than a pipe holds without a reader.
        var template = Array("/tmp/sluice-linereader-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        unlink(template.withUnsafeBufferPointer { $0.baseAddress! })
        let input = Array("a\n\(long)\nb\n".utf8)
        #expect(input.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) } == input.count)
        lseek(descriptor, 0, SEEK_SET)
        let reader = LineReader(fileDescriptor: descriptor, bufferSize: 16)
        #expect(try reader.nextLine().map(text) == "a")
        #expect(try reader.nextLine()?.count == 100_000)
        #expect(try reader.nextLine().map(text) == "b")
        #expect(try reader.nextLine() == nil)
    }

    @Test func aReadErrorIsReportedWithErrno() {
        let reader = LineReader(fileDescriptor: -1)
        #expect(throws: InputError.readFailed(errno: EBADF)) { try reader.nextLine() }
    }
}
