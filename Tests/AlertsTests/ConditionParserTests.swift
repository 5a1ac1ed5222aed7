import Testing
@testable import Alerts

/// The condition grammar of sluice-rules(5): precedence, the checks that
/// reject a number where a comparison belongs, and IEEE arithmetic.
@Suite struct ConditionParserTests {
    let parser = ConditionParser(features: ["a", "b", "c"])

    func holds(_ text: String, _ a: Double, _ b: Double = 0, _ c: Double = 0) throws -> Bool {
        let slots = ["a": 0, "b": 1, "c": 2]
        let condition = try parser.compile(text, slot: { slots[$0]! })
        return [a, b, c].withUnsafeBufferPointer { condition.holds($0.baseAddress!) }
    }

    @Test func precedenceOfAndOverOr() throws {
        // a > 1 or (b > 1 and c > 1): true with a alone.
        #expect(try holds("a > 1 or b > 1 and c > 1", 2, 0, 0))
        #expect(try !holds("(a > 1 or b > 1) and c > 1", 2, 0, 0))
        #expect(try holds("not a > 1 and b == 0", 0, 0, 0))
    }

    @Test func arithmeticAndFunctions() throws {
        #expect(try holds("a * 2 + 1 == 7", 3))
        #expect(try holds("a - b - c == 1", 6, 3, 2))  // left to right: (6 - 3) - 2
        #expect(try holds("a / max(b, 1) == 6", 6, 0))
        #expect(try holds("min(a, b, c) == -1 and abs(c) == 1", 2, 5, -1))
        #expect(try holds("-a < 0", 1))
    }

    @Test func membership() throws {
        #expect(try holds("a in [80, 443, 8080]", 443))
        #expect(try !holds("a in [80, 443]", 22))
        #expect(try holds("a in [-1]", -1))
    }

    @Test func divisionByZeroIsIEEE() throws {
        // 0 / 0 is not a number: every comparison with it is false.
        #expect(try !holds("a / b > 1", 0, 0))
        #expect(try !holds("a / b <= 1", 0, 0))
        #expect(try holds("a / b > 1", 1, 0))  // infinity
    }

    @Test func errorsSayWhereAndWhat() {
        func failure(_ text: String) -> ConditionParser.Failure? {
            do {
                _ = try parser.compile(text, slot: { _ in 0 })
                return nil
            } catch {
                return error
            }
        }
        #expect(failure("a > 1 and d > 2") == .init(column: 11, message: "unknown feature 'd' (sluice-features(7) lists them)"))
        #expect(failure("a = 1")?.column == 3)
        #expect(failure("a + 1")?.message == "expected a comparison (such as flows_5s >= 100), found a number")
        #expect(failure("a > 1 and b")?.message == "expected a comparison (such as flows_5s >= 100), found a number")
        #expect(failure("a < b < c")?.message == "comparisons do not chain; write a < b and b < c")
        #expect(failure("a > ")?.message == "the condition ends where a number or a feature belongs")
        #expect(failure("a > 1 && b > 1")?.column == 7)
        #expect(failure("foo(a) > 1")?.message == "unknown function 'foo' (there are max, min and abs)")
        #expect(failure("a in [1, x]")?.message == "expected a number in the list")
        #expect(failure("(a > 1")?.message == "expected ')', found >")
        // Hostile sizes are refused before the recursive parse (which would
        // overflow the stack at some tens of thousands of levels).
        let deep = String(repeating: "(", count: 40_000) + "a > 1" + String(repeating: ")", count: 40_000)
        #expect(failure(deep) == .init(column: 33, message: "parentheses nest deeper than 32 levels"))
        let long = Array(repeating: "a", count: 600).joined(separator: " + ") + " > 1"
        #expect(failure(long)?.message == "the condition is longer than 1000 names, numbers and operators")
        #expect(failure(String(repeating: "not ", count: 200_000) + "a > 1") != nil)
        let nested = String(repeating: "(", count: 32) + "a > 1" + String(repeating: ")", count: 32)
        #expect(failure(nested) == nil)
    }
}
