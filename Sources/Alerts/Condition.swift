/// A rule's condition, compiled from its text (`ConditionParser`) to
/// closures over a features record's values, indexed by the slots that
/// `FeatureTable` gives each name. Arithmetic is IEEE double: a ratio over
/// a zero is infinite or not a number, and any comparison with not a
/// number is false, so `a / b > 1` with b = 0 holds only when a > 0; use
/// `max(b, 1)` to say otherwise.
public struct Condition: Sendable {
    /// The text it was compiled from, for messages and the evidence.
    public let text: String
    /// The features it reads, by name, in order of first use.
    public let features: [String]
    let test: @Sendable (UnsafePointer<Double>) -> Bool

    /// True when the condition holds for `values` (indexed by feature slot).
    @inline(__always)
    public func holds(_ values: UnsafePointer<Double>) -> Bool { test(values) }
}

/// A parsed expression before compilation: numbers or truth values.
indirect enum ConditionNode: Equatable, Sendable {
    case number(Double)
    case feature(String)
    case negate(ConditionNode)
    case arithmetic(ArithmeticOperator, ConditionNode, ConditionNode)
    case function(NumericFunction, [ConditionNode])
    case comparison(ComparisonOperator, ConditionNode, ConditionNode)
    /// `x in [a, b, ...]`: x equals one of the numbers.
    case member(ConditionNode, [Double])
    case and(ConditionNode, ConditionNode)
    case or(ConditionNode, ConditionNode)
    case not(ConditionNode)

    var isTruth: Bool {
        switch self {
        case .comparison, .member, .and, .or, .not: true
        default: false
        }
    }
}

enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

enum ComparisonOperator: String, Sendable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
}

enum NumericFunction: String, Sendable, CaseIterable {
    case max, min, abs
    var arity: ClosedRange<Int> { self == .abs ? 1...1 : 2...8 }
}

extension ConditionNode {
    /// Every feature named, in order of first use.
    var featureNames: [String] {
        var names: [String] = []
        func visit(_ node: ConditionNode) {
            switch node {
            case .number: break
            case .feature(let name): if !names.contains(name) { names.append(name) }
            case .negate(let inner), .not(let inner): visit(inner)
            case .member(let inner, _): visit(inner)
            case .arithmetic(_, let a, let b), .comparison(_, let a, let b), .and(let a, let b), .or(let a, let b):
                visit(a)
                visit(b)
            case .function(_, let arguments): arguments.forEach(visit)
            }
        }
        visit(self)
        return names
    }

    typealias Number = @Sendable (UnsafePointer<Double>) -> Double
    typealias Truth = @Sendable (UnsafePointer<Double>) -> Bool

    /// The closure of a numeric node; `slot` maps a feature name to its index.
    func number(_ slot: (String) -> Int) -> Number {
        switch self {
        case .number(let value):
            return { _ in value }
        case .feature(let name):
            let index = slot(name)
            return { $0[index] }
        case .negate(let inner):
            let value = inner.number(slot)
            return { -value($0) }
        case .arithmetic(let op, let a, let b):
            let (left, right) = (a.number(slot), b.number(slot))
            switch op {
            case .add: return { left($0) + right($0) }
            case .subtract: return { left($0) - right($0) }
            case .multiply: return { left($0) * right($0) }
            case .divide: return { left($0) / right($0) }
            }
        case .function(let function, let arguments):
            let values = arguments.map { $0.number(slot) }
            switch function {
            case .abs:
                let value = values[0]
                return { Swift.abs(value($0)) }
            case .max:
                return { record in values.dropFirst().reduce(values[0](record)) { Swift.max($0, $1(record)) } }
            case .min:
                return { record in values.dropFirst().reduce(values[0](record)) { Swift.min($0, $1(record)) } }
            }
        default:
            preconditionFailure("ConditionNode: a truth value where a number belongs (the parser checks this)")
        }
    }

    /// The closure of a truth-valued node.
    func truth(_ slot: (String) -> Int) -> Truth {
        switch self {
        case .comparison(let op, let a, let b):
            let (left, right) = (a.number(slot), b.number(slot))
            switch op {
            case .less: return { left($0) < right($0) }
            case .lessOrEqual: return { left($0) <= right($0) }
            case .greater: return { left($0) > right($0) }
            case .greaterOrEqual: return { left($0) >= right($0) }
            case .equal: return { left($0) == right($0) }
            case .notEqual: return { left($0) != right($0) }
            }
        case .member(let inner, let set):
            let value = inner.number(slot)
            return { record in
                let x = value(record)
                return set.contains(x)
            }
        case .and(let a, let b):
            let (left, right) = (a.truth(slot), b.truth(slot))
            return { left($0) && right($0) }
        case .or(let a, let b):
            let (left, right) = (a.truth(slot), b.truth(slot))
            return { left($0) || right($0) }
        case .not(let inner):
            let value = inner.truth(slot)
            return { !value($0) }
        default:
            preconditionFailure("ConditionNode: a number where a truth value belongs (the parser checks this)")
        }
    }
}
