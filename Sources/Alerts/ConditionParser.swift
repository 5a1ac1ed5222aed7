/// Reads a rule's condition (sluice-rules(5), "Conditions"):
///
///     condition  := or
///     or         := and ("or" and)*
///     and        := not ("and" not)*
///     not        := "not" not | comparison | "(" condition ")"
///     comparison := sum ("<" | "<=" | ">" | ">=" | "==" | "!=") sum
///                 | sum "in" "[" number ("," number)* "]"
///     sum        := product (("+" | "-") product)*
///     product    := unary (("*" | "/") unary)*
///     unary      := "-" unary | number | feature | function "(" sum ("," sum)* ")" | "(" sum ")"
///
/// Features are the names of sluice-features(7); functions are max, min
/// and abs. A number and a truth value never mix: `a and 3` and `a < b < c`
/// are errors, found here, before any input is read.
public struct ConditionParser {
    public struct Failure: Error, Equatable, Sendable {
        /// 1-based column in the condition text.
        public var column: Int
        public var message: String
    }

    let features: Set<String>

    public init(features: some Sequence<String>) {
        self.features = Set(features)
    }

    /// Parses and compiles `text`; `slot` gives each feature's index in the
    /// values the condition will be tested on.
    public func compile(_ text: String, slot: (String) -> Int) throws(Failure) -> Condition {
        let node = try parse(text)
        return Condition(text: text, features: node.featureNames, test: node.truth(slot))
    }

    /// Bounds on a condition's size. The parser and the compiled test
    /// recurse once per nesting level and operator, so a hostile rules
    /// file could otherwise overflow the stack; real conditions use a few
    /// dozen tokens and a few levels of parentheses.
    static let maximumTokens = 1000
    static let maximumNesting = 32

    func parse(_ text: String) throws(Failure) -> ConditionNode {
        let tokens = try Self.tokens(text)
        var depth = 0
        for token in tokens {
            if token.kind == .symbol("(") { depth += 1 } else if token.kind == .symbol(")") { depth -= 1 }
            if depth > Self.maximumNesting {
                throw Failure(column: token.column, message: "parentheses nest deeper than \(Self.maximumNesting) levels")
            }
        }
        if tokens.count > Self.maximumTokens {
            throw Failure(column: tokens[Self.maximumTokens].column,
                          message: "the condition is longer than \(Self.maximumTokens) names, numbers and operators")
        }
        var reader = Reader(tokens: tokens, end: text.count + 1, features: features)
        let node = try reader.condition()
        guard reader.atEnd else { throw reader.failure("unexpected \(reader.peek!.text) after the condition") }
        guard node.isTruth else { throw Failure(column: 1, message: "the condition is a number, not a comparison") }
        return node
    }

    struct Token: Equatable {
        enum Kind: Equatable { case number(Double), word(String), symbol(String) }
        var kind: Kind
        var column: Int
        var text: String
    }

    static func tokens(_ text: String) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let column = index + 1
            if character == " " || character == "\t" || character == "\n" || character == "\r" {
                index += 1
            } else if character.isASCII && (character.isNumber || (character == "." && index + 1 < characters.count && characters[index + 1].isNumber)) {
                var end = index
                while end < characters.count, characters[end].isASCII, characters[end].isNumber || characters[end] == "." { end += 1 }
                if end < characters.count, characters[end] == "e" || characters[end] == "E" {
                    var exponent = end + 1
                    if exponent < characters.count, characters[exponent] == "+" || characters[exponent] == "-" { exponent += 1 }
                    if exponent < characters.count, characters[exponent].isASCII, characters[exponent].isNumber {
                        end = exponent
                        while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
                    }
                }
                let word = String(characters[index..<end])
                guard let value = Double(word), value.isFinite else { throw Failure(column: column, message: "not a number: \(word)") }
                if end < characters.count, characters[end].isLetter || characters[end] == "_" {
                    throw Failure(column: end + 1, message: "a number runs into a name: \(word)\(characters[end])")
                }
                tokens.append(Token(kind: .number(value), column: column, text: word))
                index = end
            } else if character.isASCII && (character.isLetter || character == "_") {
                var end = index
                while end < characters.count, characters[end].isASCII,
                      characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
                let word = String(characters[index..<end])
                tokens.append(Token(kind: .word(word), column: column, text: word))
                index = end
            } else {
                let two = index + 1 < characters.count ? String(characters[index...index + 1]) : ""
                if ["<=", ">=", "==", "!="].contains(two) {
                    tokens.append(Token(kind: .symbol(two), column: column, text: two))
                    index += 2
                } else if "<>+-*/(),[]".contains(character) {
                    tokens.append(Token(kind: .symbol(String(character)), column: column, text: String(character)))
                    index += 1
                } else if character == "=" {
                    throw Failure(column: column, message: "'=' is not a comparison; write '=='")
                } else if character == "&" || character == "|" || character == "!" {
                    throw Failure(column: column, message: "'\(character)' is not an operator; write and, or, not")
                } else {
                    throw Failure(column: column, message: "unexpected character '\(character)'")
                }
            }
        }
        return tokens
    }

    /// Recursive descent over the tokens, one method per grammar rule.
    struct Reader {
        let tokens: [Token]
        let end: Int
        let features: Set<String>
        var position = 0

        var atEnd: Bool { position == tokens.count }
        var peek: Token? { atEnd ? nil : tokens[position] }

        func failure(_ message: String) -> Failure {
            Failure(column: peek?.column ?? end, message: message)
        }

        func isWord(_ word: String) -> Bool { peek?.kind == .word(word) }
        func isSymbol(_ symbol: String) -> Bool { peek?.kind == .symbol(symbol) }

        mutating func expect(_ symbol: String, _ what: String) throws(Failure) {
            guard isSymbol(symbol) else { throw failure(atEnd ? "the condition ends before \(what)" : "expected \(what), found \(peek!.text)") }
            position += 1
        }

        mutating func condition() throws(Failure) -> ConditionNode {
            var node = try conjunction()
            while isWord("or") {
                position += 1
                let right = try conjunction()
                node = .or(node, right)
            }
            return node
        }

        mutating func conjunction() throws(Failure) -> ConditionNode {
            var node = try negation()
            while isWord("and") {
                position += 1
                let right = try negation()
                node = .and(node, right)
            }
            return node
        }

        mutating func negation() throws(Failure) -> ConditionNode {
            if isWord("not") {
                position += 1
                return .not(try negation())
            }
            let start = peek
            let node = try comparison()
            guard node.isTruth else {
                throw Failure(column: start?.column ?? end, message: "expected a comparison (such as flows_5s >= 100), found a number")
            }
            return node
        }

        mutating func comparison() throws(Failure) -> ConditionNode {
            // A parenthesis opens either a condition or a number; try the
            // condition first and fall back.
            if isSymbol("(") {
                let saved = position
                position += 1
                if let inner = try? condition(), inner.isTruth, isSymbol(")") {
                    position += 1
                    return inner
                }
                position = saved
            }
            let left = try sum()
            if isWord("in") {
                position += 1
                try expect("[", "'[' and a list of numbers")
                var set: [Double] = []
                repeat {
                    var sign = 1.0
                    if isSymbol("-") {
                        sign = -1
                        position += 1
                    }
                    guard case .number(let value)? = peek?.kind else { throw failure("expected a number in the list") }
                    set.append(sign * value)
                    position += 1
                    if isSymbol(",") { position += 1 } else { break }
                } while true
                try expect("]", "']' at the end of the list")
                return .member(left, set)
            }
            guard case .symbol(let symbol)? = peek?.kind, let op = ComparisonOperator(rawValue: symbol) else { return left }
            position += 1
            let right = try sum()
            if case .symbol(let next)? = peek?.kind, ComparisonOperator(rawValue: next) != nil {
                throw failure("comparisons do not chain; write a < b and b < c")
            }
            return .comparison(op, left, right)
        }

        mutating func sum() throws(Failure) -> ConditionNode {
            var node = try product()
            while case .symbol(let symbol)? = peek?.kind, symbol == "+" || symbol == "-" {
                position += 1
                node = .arithmetic(ArithmeticOperator(rawValue: symbol)!, node, try product())
            }
            return node
        }

        mutating func product() throws(Failure) -> ConditionNode {
            var node = try unary()
            while case .symbol(let symbol)? = peek?.kind, symbol == "*" || symbol == "/" {
                position += 1
                node = .arithmetic(ArithmeticOperator(rawValue: symbol)!, node, try unary())
            }
            return node
        }

        mutating func unary() throws(Failure) -> ConditionNode {
            guard let token = peek else { throw failure("the condition ends where a number or a feature belongs") }
            switch token.kind {
            case .symbol("-"):
                position += 1
                return .negate(try unary())
            case .symbol("("):
                position += 1
                let inner = try sum()
                try expect(")", "')'")
                return inner
            case .number(let value):
                position += 1
                return .number(value)
            case .word(let word):
                if ["and", "or", "not", "in"].contains(word) {
                    throw failure("expected a number or a feature, found '\(word)'")
                }
                position += 1
                if isSymbol("(") {
                    guard let function = NumericFunction(rawValue: word) else {
                        throw Failure(column: token.column, message: "unknown function '\(word)' (there are max, min and abs)")
                    }
                    position += 1
                    var arguments = [try sum()]
                    while isSymbol(",") {
                        position += 1
                        arguments.append(try sum())
                    }
                    try expect(")", "')' after the arguments of \(word)")
                    guard function.arity.contains(arguments.count) else {
                        throw Failure(column: token.column, message: "\(word) takes \(function.arity.lowerBound == function.arity.upperBound ? "1 argument" : "2 or more arguments")")
                    }
                    return .function(function, arguments)
                }
                guard features.contains(word) else {
                    throw Failure(column: token.column, message: "unknown feature '\(word)' (sluice-features(7) lists them)")
                }
                return .feature(word)
            case .symbol(let symbol):
                throw failure("expected a number or a feature, found \(symbol)")
            }
        }
    }
}
