import SluiceCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// NDJSONWriter's output, read back through a pipe. Expected integers come
/// from Swift's `description`, escapes from RFC 8259 section 7.
@Suite struct NDJSONWriterTests {
    @Test(arguments: [0, 1, -1, 9, 10, 99, 100, -100, 1_234_567, 1_000_000_000_000, Int.max, Int.min, Int.max - 1, Int.min + 1])
    func integers(value: Int) throws {
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("n", value)
            try writer.endRecord()
        }
        #expect(output == "{\"type\":\"t\",\"n\":\(value.description)}\n")
    }

    // Expected: a collecting writer's records come after the writer's own,
    // whole and in order, counted with them, and the collecting writer is
    // empty afterwards; for a part smaller than the writer's 128 KiB buffer
    // (copied into it) and a larger one (written from its own buffer).
    @Test(arguments: [10, 10_000])
    func appendTakingFromACollectingWriter(records: Int) throws {
        var template = Array("/tmp/sluice-writer-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        try #require(descriptor >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(descriptor); unlink(path) }
        let writer = NDJSONWriter(fileDescriptor: descriptor)
        let part = NDJSONWriter(collectingCapacity: 4096)
        writer.beginRecord(type: "own")
        try writer.endRecord()
        for index in 0..<records {
            part.beginRecord(type: "part")
            part.field("n", index)
            try part.endRecord()
        }
        try writer.append(takingFrom: part)
        #expect(writer.recordCount == records + 1)
        #expect(part.recordCount == 0)
        try writer.append(takingFrom: part)
        writer.beginRecord(type: "after")
        try writer.endRecord()
        try writer.flush()
        let expected = "{\"type\":\"own\"}\n" + (0..<records).map { "{\"type\":\"part\",\"n\":\($0)}\n" }.joined()
            + "{\"type\":\"after\"}\n"
        lseek(descriptor, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if got <= 0 { break }
            bytes += chunk[0..<got]
        }
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test func unsignedAndBool() throws {
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("u", UInt64.max)
            writer.field("z", UInt64(0))
            writer.field("yes", true)
            writer.field("no", false)
            try writer.endRecord()
        }
        #expect(output == #"{"type":"t","u":18446744073709551615,"z":0,"yes":true,"no":false}"# + "\n")
    }

    @Test(arguments: [
        (Int64(1_767_225_600_123_456_789), 9, "1767225600.123456789"),
        (1_767_225_600_123_456_789, 6, "1767225600.123456"),
        (1_767_225_600_000_000_000, 6, "1767225600.000000"),
        (1_767_225_600_999_999_999, 0, "1767225600"),
        (0, 9, "0.000000000"),
        (-1_500_000_000, 9, "-1.500000000"),
        (-1, 9, "-0.000000001"),
        (-1, 6, "-0.000000"),
        (Int64.max, 9, "9223372036.854775807"),
        (Int64.min, 9, "-9223372036.854775808"),
    ])
    func timestamps(nanoseconds: Int64, digits: Int, expected: String) throws {
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("ts", timestamp: Timestamp(nanoseconds: nanoseconds), fractionDigits: digits)
            try writer.endRecord()
        }
        #expect(output == "{\"type\":\"t\",\"ts\":\(expected)}\n")
        // Nine digits read back exactly.
        if digits == 9 { #expect(Timestamp(decimalText: expected)?.nanoseconds == nanoseconds) }
    }

    @Test func stringEscaping() throws {
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("s", string: "q\"b\\s/\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{00}\u{7F}é😀")
            try writer.endRecord()
        }
        // Solidus and DEL need no escape; other controls use \u00XX.
        #expect(output == #"{"type":"t","s":"q\"b\\s/\n\r\t\b\f\u0001\u001f\u0000"# + "\u{7F}é😀\"}\n")
    }

    @Test func everyStringRoundTripsThroughTheParser() throws {
        var all = String((0..<128).map { Character(UnicodeScalar(UInt8($0))) })
        all += "é€😀\u{10FFFF}"
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("s", string: all)
            try writer.endRecord()
        }
        let line = String(output.dropLast())
        try withParsed(line, keys: ["s"]) { (parser: JSONLineParser) throws in
            #expect(try parser.string(0) == all)
        }
    }

    @Test(arguments: [0.0, 1.5, -0.25, 60.0, 0.1, 1e-7, 1.7976931348623157e308, Double.leastNonzeroMagnitude, 123456.789, 1e15, 1e16, -1e21])
    func doublesRoundTrip(value: Double) throws {
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("x", value)
            try writer.endRecord()
        }
        let line = String(output.dropLast())
        #expect(syntaxError(line) == nil)
        try withParsed(line, keys: ["x"]) { (parser: JSONLineParser) throws in
            #expect(try parser.double(0) == value)
        }
    }

    /// Non-whole doubles are written as Swift's `description` writes them
    /// (the shortest text that reads back), whether the short-decimal path
    /// (at most six places, 0.001 to 10^9) or the general one writes them.
    /// The oracle is `description` itself, over values made to land on,
    /// near and off that path, from a seeded generator.
    @Test func nonWholeDoublesAreWrittenAsDescriptionWritesThem() throws {
        var values: [Double] = [0.001, -0.001, 0.0015, 0.000999999, 999_999_999.5, 999_999_999.999999, 1e9 + 0.5,
                                0.1, 0.2, 0.3, 2.675, 1.005, 0.578125, 1279.5, 123_456_789.123456, 0.1234565, 0.9999995,
                                1.0000005, 0.6666666666666666, 343_403.70105912536, 28.038534189648658]
        // SplitMix64: the same values on every run.
        var state: UInt64 = 11
        func nextRandom() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<20_000 {
            let places = Int(nextRandom() % 8)
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            let whole = Double(Int64(bitPattern: nextRandom() % 4_000_000_000) - 2_000_000_000)
            values.append(whole / scale)
            values.append(Double(nextRandom() % 1000) / Double(nextRandom() % 999 + 1))
            values.append(Double(bitPattern: nextRandom()))
        }
        var mismatches: [String] = []
        var lines: [Substring] = []
        // In chunks that fit in the test's pipe, read once the chunk is written.
        for first in stride(from: 0, to: values.count, by: 1000) {
            lines += try written { writer in
                for value in values[first..<min(first + 1000, values.count)] {
                    writer.beginRecord(type: "t")
                    writer.field("x", value)
                    try writer.endRecord()
                }
            }.split(separator: "\n")
        }
        for (value, line) in zip(values, lines) where value.isFinite && value.rounded() != value {
            if line != "{\"type\":\"t\",\"x\":\(value.description)}" { mismatches.append("\(value.description): \(line)") }
        }
        #expect(lines.count == values.count)
        #expect(mismatches.count == 0, "the first: \(mismatches.prefix(5))")
    }

    @Test func nonFiniteDoublesAreNull() throws {
        let output = try written { writer in
            writer.beginRecord(type: "t")
            writer.field("a", Double.nan)
            writer.field("b", Double.infinity)
            writer.field("c", -Double.infinity)
            try writer.endRecord()
        }
        #expect(output == #"{"type":"t","a":null,"b":null,"c":null}"# + "\n")
    }

    @Test func passThroughOfRawFieldsAndLines() throws {
        let input = #"{"type":"x","a\"b":[1, {"c":"\u00e9"}],"n":-0.5e3}"#
        let output = try withParsed(input) { (parser: JSONLineParser) throws in
            try written { writer in
                writer.beginRecord(type: "y")
                for index in 1..<parser.fieldCount {
                    writer.rawField(key: parser.key(at: index), value: parser.rawValue(at: index))
                }
                try writer.endRecord()
                try Array(input.utf8).withUnsafeBufferPointer { try writer.writeLine($0) }
                #expect(writer.recordCount == 2)
            }
        }
        #expect(output == #"{"type":"y","a\"b":[1, {"c":"\u00e9"}],"n":-0.5e3}"# + "\n" + input + "\n")
    }

    @Test func flushingEachRecordWritesImmediately() throws {
        let pipe = Pipe()
        let writer = NDJSONWriter(fileDescriptor: pipe.writeEnd, flushesEachRecord: true)
        writer.beginRecord(type: "tick")
        try writer.endRecord()
        var bytes = [UInt8](repeating: 0, count: 64)
        let got = bytes.withUnsafeMutableBytes { read(pipe.readEnd, $0.baseAddress!, 64) }
        #expect(String(decoding: bytes[0..<max(got, 0)], as: UTF8.self) == #"{"type":"tick"}"# + "\n")
    }

    @Test func outputPastTheBufferIsWrittenWhole() throws {
        // 20,000 records (~500 KB) through the default 128 KiB buffer, into
        // a file, since a pipe nobody drains holds only 64 KiB.
        var template = Array("/tmp/sluice-writer-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        unlink(template.withUnsafeBufferPointer { $0.baseAddress! })
        let writer = NDJSONWriter(fileDescriptor: descriptor)
        var expected = 0
        for index in 0..<20_000 {
            writer.beginRecord(type: "r")
            writer.field("i", index)
            try writer.endRecord()
            expected += #"{"type":"r","i":}"#.utf8.count + String(index).utf8.count + 1
        }
        try writer.flush()
        #expect(lseek(descriptor, 0, SEEK_END) == off_t(expected))
        lseek(descriptor, 0, SEEK_SET)
        let reader = LineReader(fileDescriptor: descriptor, bufferSize: 4096)
        var count = 0
        while let line = try reader.nextLine() {
            #expect(text(line) == "{\"type\":\"r\",\"i\":\(count)}")
            count += 1
        }
        #expect(count == 20_000)
    }

    @Test func aClosedReaderIsOutputClosed() throws {
        signal(SIGPIPE, SIG_IGN)
        let pipe = Pipe()
        pipe.closeRead()
        let writer = NDJSONWriter(fileDescriptor: pipe.writeEnd)
        writer.beginRecord(type: "t")
        try writer.endRecord()
        #expect(throws: OutputError.closed) { try writer.flush() }
    }

    @Test func aFullDiskIsAFailureWithErrno() throws {
        let descriptor = open("/dev/full", O_WRONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let writer = NDJSONWriter(fileDescriptor: descriptor)
        writer.beginRecord(type: "t")
        try writer.endRecord()
        #expect(throws: OutputError.failed(errno: ENOSPC)) { try writer.flush() }
        #expect(OutputError.failed(errno: ENOSPC).message == "write error: No space left on device")
    }
}
