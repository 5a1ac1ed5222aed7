/// The keys a tool reads, each with a slot number in registration order.
///
/// The parser matches every key of a line against these once, while
/// parsing, so that reading a field afterwards is an array access by slot
/// rather than a string comparison:
///
///     enum Slot { static let ts = 0, len = 1 }
///     let keys = FieldKeys(["ts", "len"])
///     ...
///     let length = try parser.requireInt(Slot.len)
public struct FieldKeys: Sendable {
    public let keys: [String]

    /// Keys as decoded text (no JSON escapes); registering one twice is a
    /// programming error.
    public init(_ keys: [String]) {
        precondition(Set(keys).count == keys.count, "FieldKeys: duplicate key")
        self.keys = keys
    }

    public var count: Int { keys.count }

    public subscript(slot: Int) -> String { keys[slot] }

    /// The slot of `key`, or nil if it is not registered.
    public func slot(of key: String) -> Int? { keys.firstIndex(of: key) }
}
