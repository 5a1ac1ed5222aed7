import SluiceCore
import Testing

/// The grammar and field access of JSONLineParser. Expected values come
/// from RFC 8259 and, for numbers, from Swift's own `Double(String)`,
/// `Int64(String)` and literals, computed independently of the parser.
@Suite struct JSONLineParserTests {
    // MARK: Structure

    @Test func packetRecordFieldsBySlot() throws {
        let line = #"{"type":"packet","ts":1767225600.123456,"len":1514,"src":"2001:db8::1f","tcp_flags":16,"x":[1,{"y":null}]}"#
        try withParsed(line, keys: ["type", "ts", "len", "src", "tcp_flags", "dport"]) { (parser: JSONLineParser) throws in
            #expect(parser.fieldCount == 6)
            #expect(try parser.requireString(0) == "packet")
            #expect(try parser.requireTimestamp(1) == Timestamp(nanoseconds: 1_767_225_600_123_456_000))
            #expect(try parser.requireInt(2) == 1514)
            #expect(try parser.requireString(3) == "2001:db8::1f")
            #expect(try parser.int(4) == 16)
            #expect(try parser.int(5) == nil)
            #expect(parser.index(ofSlot: 5) == nil)
            #expect(parser.index(ofSlot: 2) == 2)
            #expect(parser.index(ofKey: "x") == 5)
            #expect(parser.index(ofKey: "nope") == nil)
            #expect(parser.kind(at: 5) == .array)
            #expect(text(parser.rawValue(at: 5)) == #"[1,{"y":null}]"#)
        }
    }

    @Test func emptyObjectsAndWhitespaceBetweenTokens() throws {
        try withParsed("{}") { #expect($0.fieldCount == 0) }
        try withParsed(" \t{ \r }\r\n") { #expect($0.fieldCount == 0) }
        let spaced = " { \"a\" : [ 1 , { \"b\" : null } ] ,\t\"c\" :\"x\" } \t"
        try withParsed(spaced, keys: ["c"]) { (parser: JSONLineParser) throws in
            #expect(parser.fieldCount == 2)
            #expect(text(parser.key(at: 0)) == "a")
            #expect(text(parser.rawValue(at: 0)) == #"[ 1 , { "b" : null } ]"#)
            #expect(text(parser.rawValue(at: 1)) == #""x""#)
            #expect(try parser.string(0) == "x")
        }
    }

    @Test func kindsAndRawValuesAreByteExact() throws {
        let line = #"{"s":"a\"b","n":-1.5e+3,"t":true,"f":false,"z":null,"o":{"k":[1,"]",{}],"e":{}},"a":[[],[[]],"}"]}"#
        try withParsed(line) { (parser: JSONLineParser) throws in
            let kinds: [JSONValueKind] = [.string, .number, .bool, .bool, .null, .object, .array]
            let raws = [#""a\"b""#, "-1.5e+3", "true", "false", "null", #"{"k":[1,"]",{}],"e":{}}"#, #"[[],[[]],"}"]"#]
            #expect(parser.fieldCount == kinds.count)
            for index in 0..<parser.fieldCount {
                #expect(parser.kind(at: index) == kinds[index])
                #expect(text(parser.rawValue(at: index)) == raws[index])
            }
        }
    }

    @Test func duplicateKeysKeepBothAndTheLastWinsForLookup() throws {
        try withParsed(#"{"a":1,"b":2,"a":3}"#, keys: ["a"]) { (parser: JSONLineParser) throws in
            #expect(parser.fieldCount == 3)
            #expect(try parser.int(0) == 3)
            #expect(parser.index(ofSlot: 0) == 2)
            #expect(parser.index(ofKey: "a") == 2)
        }
    }

    @Test func slotsFollowRegistrationOrderAndResetPerLine() throws {
        let parser = JSONLineParser(keys: FieldKeys(["b", "a"]))
        try Array(#"{"a":1,"b":2}"#.utf8).withUnsafeBufferPointer { line in
            try parser.parse(line)
            #expect(try parser.int(0) == 2)
            #expect(try parser.int(1) == 1)
        }
        try Array(#"{"a":5}"#.utf8).withUnsafeBufferPointer { line in
            try parser.parse(line)
            #expect(try parser.int(0) == nil)
            #expect(try parser.int(1) == 5)
        }
        // A line with the keys in another order still finds them (the
        // per-position hint misses and the hash lookup takes over).
        try Array(#"{"b":7,"c":0,"a":8}"#.utf8).withUnsafeBufferPointer { line in
            try parser.parse(line)
            #expect(try parser.int(0) == 7)
            #expect(try parser.int(1) == 8)
        }
    }

    @Test func manyFieldsAndLongKeys() throws {
        // More fields than the initial table holds, and keys over 16 bytes
        // that share their first and last 8 bytes (so only memcmp tells them apart).
        var keys = (0..<40).map { "field_\($0)" }
        keys.append("a_very_long_key_name_here")
        var line = "{"
        for index in (0..<40).reversed() { line += "\"field_\(index)\":\(index * 7)," }
        line += #""a_very_long_XXX_name_here":1,"a_very_long_key_name_here":2}"#
        try withParsed(line, keys: keys) { (parser: JSONLineParser) throws in
            #expect(parser.fieldCount == 42)
            for slot in 0..<40 { #expect(try parser.int(slot) == Int64(slot * 7)) }
            #expect(try parser.int(40) == 2)
            #expect(parser.index(ofSlot: 40) == 41)
        }
    }

    @Test func shortKeysAreToldApart() throws {
        let keys = ["", "a", "b", "ab", "ba", "abc", "acb", "abcd", "abdc", "abcdefg", "abcdeft", "abcdefgh", "abcdefgi"]
        var line = "{"
        for (index, key) in keys.enumerated().reversed() { line += "\"\(key)\":\(index)," }
        line += #""zz":99}"#
        try withParsed(line, keys: keys) { (parser: JSONLineParser) throws in
            for slot in keys.indices { #expect(try parser.int(slot) == Int64(slot)) }
        }
    }

    @Test func keysWithEscapesMatchTheirDecodedText() throws {
        try withParsed(#"{"t\u0073":5,"q\"k":6}"#, keys: ["ts", "q\"k"]) { (parser: JSONLineParser) throws in
            #expect(try parser.int(0) == 5)
            #expect(try parser.int(1) == 6)
            #expect(text(parser.key(at: 0)) == #"t\u0073"#)
            #expect(parser.keyString(at: 0) == "ts")
            #expect(parser.keyString(at: 1) == "q\"k")
            #expect(parser.index(ofKey: "ts") == 0)
            #expect(parser.index(ofKey: "q\"k") == 1)
        }
    }

    // MARK: Strings

    @Test func everyEscapeDecodes() throws {
        let line = #"{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00 end"}"#
        try withParsed(line, keys: ["s"]) { (parser: JSONLineParser) throws in
            #expect(try parser.string(0) == "\"\\/\u{08}\u{0C}\n\r\tA\u{E9}\u{20AC}\u{1F600} end")
        }
    }

    @Test(arguments: [
        (#"\ud800"#, "\u{FFFD}"),
        (#"\udc00x"#, "\u{FFFD}x"),
        (#"\ud83d\u0041"#, "\u{FFFD}A"),
        (#"\ud83dx"#, "\u{FFFD}x"),
        (#"\ud83d\ud83d\ude00"#, "\u{FFFD}\u{1F600}"),
        (#"\ude00\ud83d"#, "\u{FFFD}\u{FFFD}"),
        (#"\uDBFF\uDFFF"#, "\u{10FFFF}"),
    ])
    func loneSurrogatesBecomeReplacementCharacters(escaped: String, expected: String) throws {
        try withParsed("{\"s\":\"\(escaped)\"}", keys: ["s"]) { (parser: JSONLineParser) throws in
            #expect(try parser.string(0) == expected)
        }
    }

    @Test func stringBytesAreZeroCopyWithoutEscapesAndStableWithThem() throws {
        let line = Array(#"{"plain":"héllo","a":"x\ty","b":"\u0041\u0042"}"#.utf8)
        let parser = JSONLineParser(keys: FieldKeys(["plain", "a", "b"]))
        try line.withUnsafeBufferPointer { buffer in
            try parser.parse(buffer)
            let plain = try parser.requireStringBytes(0)
            #expect(plain.baseAddress == buffer.baseAddress! + 10)
            #expect(text(plain) == "héllo")
            let a = try parser.requireStringBytes(1)
            let b = try parser.requireStringBytes(2)
            // Both decoded copies stay valid together, and reading again gives the same bytes.
            #expect(text(a) == "x\ty")
            #expect(text(b) == "AB")
            #expect(try parser.requireStringBytes(1).baseAddress == a.baseAddress)
            #expect(text(a) == "x\ty")
        }
    }

    @Test func rawBytesPassThroughAndInvalidUTF8IsRepairedInString() throws {
        var line = Array(#"{"s":"a"#.utf8)
        line += [0xFF, 0x7F]
        line += Array(#"b"}"#.utf8)
        let parser = JSONLineParser(keys: FieldKeys(["s"]))
        try line.withUnsafeBufferPointer { buffer in
            try parser.parse(buffer)
            #expect(Array(try parser.requireStringBytes(0)) == [0x61, 0xFF, 0x7F, 0x62])
            #expect(try parser.string(0) == "a\u{FFFD}\u{7F}b")
        }
    }

    // MARK: Numbers

    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("7", 7), ("-42", -42),
        ("123456789012345678", 123_456_789_012_345_678),
        ("1234567890123456789", 1_234_567_890_123_456_789),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ("1e3", 1000), ("1E+3", 1000), ("60.0", 60), ("1.5e1", 15), ("100e-2", 1),
        ("0.0e5", 0), ("-0.0", 0), ("9.223372036854775807e18", Int64.max), ("0e-999999", 0),
        ("00000000000000000001", 1),
    ])
    func integers(text: String, expected: Int64) throws {
        let line = "{\"n\":\(text)}"
        if text.hasPrefix("0000") {
            // Not JSON (leading zeros): the grammar refuses it before any conversion.
            let error = syntaxError(line)
            #expect(error?.column == 7 && error?.message == "invalid number")
            return
        }
        try withParsed(line, keys: ["n"]) { (parser: JSONLineParser) throws in
            #expect(try parser.int(0) == expected)
        }
    }

    @Test(arguments: ["1.5", "1e-1", "9223372036854775808", "-9223372036854775809", "1e19",
                      "99999999999999999999999", "1.0000000000000001", "1e999999999", "\"12\"", "true", "[1]"])
    func notIntegers(text: String) throws {
        _ = try withParsed("{\"len\":\(text)}", keys: ["len"]) { (parser: JSONLineParser) throws in
            #expect(throws: FieldError.wrongType(key: "len", expected: "integer")) { try parser.int(0) }
        }
    }

    @Test(arguments: ["0", "-0.0", "1.5", "-0.25", "0.1", "1767225600.123456", "1e300", "5e-324", "1e23",
                      "2.2250738585072014e-308", "9007199254740993", "123456789012345678901234567890",
                      "8.98846567431158e307", "3.141592653589793238462643383279", "1E-7", "4.35", "1e22",
                      "9223372036854775807", "0.000000000000000000000000000001"])
    func doublesMatchSwiftsOwnConversion(text: String) throws {
        try withParsed("{\"x\":\(text)}", keys: ["x"]) { (parser: JSONLineParser) throws in
            let value = try parser.requireDouble(0)
            let expected = Double(text)!
            #expect(value.bitPattern == expected.bitPattern || (value == 0 && expected == 0))
        }
    }

    @Test func timestampsUseDecimalTextExactly() throws {
        let line = #"{"ts":1767225600.123456789,"t2":-1.5,"t3":1.7e9,"bad":"1","far":1e12}"#
        try withParsed(line, keys: ["ts", "t2", "t3", "bad", "far"]) { (parser: JSONLineParser) throws in
            #expect(try parser.timestamp(0)?.nanoseconds == 1_767_225_600_123_456_789)
            #expect(try parser.timestamp(1)?.nanoseconds == -1_500_000_000)
            #expect(try parser.timestamp(2)?.nanoseconds == 1_700_000_000_000_000_000)
            #expect(throws: FieldError.wrongType(key: "bad", expected: "number")) { try parser.timestamp(3) }
            #expect(throws: (any Error).self) { try parser.timestamp(4) }
        }
    }

    /// Whole seconds (read from the integer the scan made) give the same
    /// nanoseconds as `Timestamp(decimalText:)` gives their text, up to
    /// the last whole second Int64 nanoseconds hold; one more is refused
    /// as the text is.
    @Test(arguments: ["1767225600", "0", "-0", "-5", "9223372036", "-9223372036", "9223372037", "-9223372037",
                      "123456789012345678"])
    func wholeSecondTimestampsAgreeWithTheirText(text: String) throws {
        try withParsed(#"{"ts":\#(text)}"#, keys: ["ts"]) { (parser: JSONLineParser) throws in
            if let expected = Timestamp(decimalText: text) {
                #expect(try parser.timestamp(0) == expected)
            } else {
                #expect(throws: FieldError.wrongType(key: "ts", expected: "epoch seconds within years 1677 to 2262")) {
                    try parser.timestamp(0)
                }
            }
        }
    }

    // MARK: Typed access errors

    @Test func missingNullAndWrongTypes() throws {
        let line = #"{"len":"12","ts":null,"ok":true,"s":5}"#
        try withParsed(line, keys: ["len", "ts", "ok", "s", "gone"]) { (parser: JSONLineParser) throws in
            #expect(throws: FieldError.wrongType(key: "len", expected: "integer")) { try parser.int(0) }
            #expect(throws: FieldError.wrongType(key: "len", expected: "number")) { try parser.double(0) }
            #expect(try parser.timestamp(1) == nil)
            #expect(throws: FieldError.missing(key: "ts")) { try parser.requireTimestamp(1) }
            #expect(try parser.bool(2) == true)
            #expect(throws: FieldError.wrongType(key: "s", expected: "string")) { try parser.string(3) }
            #expect(throws: FieldError.wrongType(key: "s", expected: "true or false")) { try parser.bool(3) }
            #expect(throws: FieldError.missing(key: "gone")) { try parser.requireString(4) }
            #expect(try parser.string(4) == nil)
        }
        #expect(FieldError.missing(key: "ts").message == #"missing field "ts""#)
        #expect(FieldError.wrongType(key: "len", expected: "number").message == #"expected number for "len""#)
    }

    // MARK: Syntax errors

    @Test(arguments: [
        ("", 1, "expected '{'"),
        ("   ", 4, "expected '{'"),
        ("[1]", 1, "expected '{'"),
        ("  x", 3, "expected '{'"),
        ("{", 2, "expected string key or '}'"),
        ("{a:1}", 2, "expected string key or '}'"),
        (#"{"a":1"#, 7, "expected ',' or '}'"),
        (#"{"a":1 "b":2}"#, 8, "expected ',' or '}'"),
        (#"{"a":1,}"#, 8, "expected string key"),
        (#"{"a" 1}"#, 6, "expected ':'"),
        (#"{"a""#, 5, "expected ':'"),
        (#"{"a":}"#, 6, "expected value"),
        (#"{"a":"#, 6, "expected value"),
        (#"{"a":1}x"#, 8, "expected end of line"),
        (#"{"a":1} {}"#, 9, "expected end of line"),
        (#"{"a":"\x"}"#, 7, "invalid escape"),
        (#"{"a":"\u12g4"}"#, 7, "invalid escape"),
        (#"{"a":"\u12"}"#, 7, "invalid escape"),
        (#"{"a":"\U0041"}"#, 7, "invalid escape"),
        (#"{"a\q":1}"#, 4, "invalid escape"),
        (#"{"a":"abc}"#, 6, "unterminated string"),
        (#"{"a":"abc\"#, 6, "unterminated string"),
        (#"{"abc"#, 2, "unterminated string"),
        ("{\"a\":\"x\ty\"}", 8, "control character in string"),
        ("{\"a\":\"0123456789\u{1F}\"}", 17, "control character in string"),
        ("{\"k\u{0}\":1}", 4, "control character in string"),
        (#"{"a":01}"#, 7, "invalid number"),
        (#"{"a":-01}"#, 8, "invalid number"),
        (#"{"a":-}"#, 7, "invalid number"),
        (#"{"a":-"#, 7, "invalid number"),
        (#"{"a":1.}"#, 8, "invalid number"),
        (#"{"a":1.e5}"#, 8, "invalid number"),
        (#"{"a":1e}"#, 8, "invalid number"),
        (#"{"a":1e+}"#, 9, "invalid number"),
        (#"{"a":-Infinity}"#, 7, "invalid number"),
        (#"{"a":+1}"#, 6, "expected value"),
        (#"{"a":.5}"#, 6, "expected value"),
        (#"{"a":NaN}"#, 6, "expected value"),
        (#"{"a":True}"#, 6, "expected value"),
        (#"{"a":'x'}"#, 6, "expected value"),
        (#"{"a":tru}"#, 6, "invalid literal"),
        (#"{"a":nul"#, 6, "invalid literal"),
        (#"{"a":1.5.3}"#, 9, "expected ',' or '}'"),
        (#"{"a":[1,2}"#, 10, "expected ',' or ']'"),
        (#"{"a":[1,]}"#, 9, "expected value"),
        (#"{"a":[}"#, 7, "expected value"),
        (#"{"a":[1"#, 8, "expected ',' or ']'"),
        (#"{"a":{"b":1]}"#, 12, "expected ',' or '}'"),
        (#"{"a":{"b"}}"#, 10, "expected ':'"),
        (#"{"a":{,}}"#, 7, "expected string key or '}'"),
        (#"{"a":{"b":1,}}"#, 13, "expected string key"),
        (#"{"a":{"b":01}}"#, 12, "invalid number"),
        (#"{"a":["\z"]}"#, 8, "invalid escape"),
        (#"{"a":[1]]}"#, 9, "expected ',' or '}'"),
    ])
    func syntaxErrors(line: String, column: Int, message: String) {
        let error = syntaxError(line)
        #expect(error?.column == column)
        #expect(error?.message == message)
    }

    @Test func errorMessagesForTheUser() throws {
        let error = try #require(syntaxError(#"{"a":1 "b":2}"#))
        #expect(error.message(line: 1832) == "line 1832, column 8: expected ',' or '}'")
        #expect(error.expected == "',' or '}'")
        #expect(syntaxError(#"{"a":"\x"}"#)?.expected == nil)
    }

    @Test func nestingIsBoundedWithoutRecursion() throws {
        // The record is level 1, so 511 nested arrays reach the limit of 512.
        let deepest = "{\"a\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}"
        try withParsed(deepest) { #expect($0.kind(at: 0) == .array) }
        let tooDeep = "{\"a\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}"
        let error = syntaxError(tooDeep)
        #expect(error?.column == 6 + 511 && error?.message == "nesting too deep")
        // Far deeper input fails the same way instead of overflowing a stack.
        let huge = "{\"a\":" + String(repeating: "{\"b\":", count: 100_000)
        #expect(syntaxError(huge)?.message == "nesting too deep")
    }

    @Test func aFailedParseLeavesNoFields() throws {
        let parser = JSONLineParser(keys: FieldKeys(["a"]))
        try Array(#"{"a":1}"#.utf8).withUnsafeBufferPointer { try parser.parse($0) }
        _ = Array(#"{"a":2,"b":}"#.utf8).withUnsafeBufferPointer { line in
            #expect(throws: JSONSyntaxError.self) { try parser.parse(line) }
        }
        #expect(parser.fieldCount == 0)
        #expect(parser.index(ofSlot: 0) == nil)
    }

    @Test func blankLines() {
        for blank in ["", " ", "\t\r\n "] {
            #expect(Array(blank.utf8).withUnsafeBufferPointer { JSONLineParser.isBlank($0) })
        }
        #expect(!Array(" {}".utf8).withUnsafeBufferPointer { JSONLineParser.isBlank($0) })
    }
}
