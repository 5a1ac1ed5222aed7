/// The aggregates a window computes over any stream, from `--agg`:
///
///     count() sum(bytes) avg(len) min(len) max(len) stddev(len) p99(len) distinct(dport)
///
/// Each term is a function and a field (none for `count`). Percentiles
/// are `p` and a number above 0 and at most 100 (`p50`, `p99.9`).
public struct AggregateSpec: Equatable, Sendable {
    public enum Function: Equatable, Sendable {
        case count, sum, average, minimum, maximum, standardDeviation, distinct
        case percentile(Double)
    }

    public struct Term: Equatable, Sendable {
        public var function: Function
        /// Empty for `count()`.
        public var field: String
    }

    public var terms: [Term]

    /// The fields the terms read, each once, in order of first use.
    public var fields: [String] {
        var seen: [String] = []
        for term in terms where !term.field.isEmpty && !seen.contains(term.field) { seen.append(term.field) }
        return seen
    }

    /// Parses the spec; the error says which term is wrong and why.
    public init(parsing text: String) throws(SpecError) {
        terms = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let open = word.firstIndex(of: "("), word.last == ")" else {
                throw SpecError("'\(word)': expected function(field), such as sum(bytes)")
            }
            let name = word[..<open]
            let field = String(word[word.index(after: open)..<word.index(before: word.endIndex)])
            let function: Function
            switch name {
            case "count": function = .count
            case "sum": function = .sum
            case "avg": function = .average
            case "min": function = .minimum
            case "max": function = .maximum
            case "stddev": function = .standardDeviation
            case "distinct": function = .distinct
            default:
                guard name.hasPrefix("p"), let value = Double(name.dropFirst()), value > 0, value <= 100 else {
                    throw SpecError("'\(word)': unknown function \(name) (count sum avg min max stddev distinct pNN)")
                }
                function = .percentile(value)
            }
            if function == .count {
                guard field.isEmpty else { throw SpecError("'\(word)': count() takes no field") }
            } else {
                guard Self.isFieldName(field) else {
                    throw SpecError("'\(word)': expected a field name inside the parentheses")
                }
            }
            let term = Term(function: function, field: field)
            guard !terms.contains(term) else { throw SpecError("'\(word)': given twice") }
            terms.append(term)
        }
        guard !terms.isEmpty else { throw SpecError("no aggregates given") }
    }

    /// Field names the spec and --key accept: ASCII letters, digits, `_`
    /// and `.`, so that output names built from them need no escaping.
    public static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    public struct SpecError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
