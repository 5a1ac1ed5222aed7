/// The values that carry most of a weight (packets, flows), in a summary of
/// at most `capacity` entries that merges: the Misra-Gries frequent-items
/// summary, weighted (Agarwal et al., "Mergeable summaries", 2012).
///
/// Every value whose true weight exceeds W / (capacity + 1), W the total
/// weight added, is in the summary, and each entry's weight is at most
/// W / (capacity + 1) below its true weight, never above it; while no more
/// than `capacity` distinct values were added, the summary is exact. That
/// is what naming a host needs: a scan's one victim, a flood's one source,
/// a brute force's one service stand out, and a crowd (spoofed sources)
/// leaves only small weights.
///
/// Merging adds the two summaries' weights value by value, then, beyond
/// `capacity` entries, takes the (capacity + 1)-th largest weight off every
/// entry and drops those left without weight; the bounds hold for merges of
/// merges. Ties are broken by value, so the result does not depend on the
/// order of the entries.
///
/// The operations are `@inlinable` so that featurize and window5s get them
/// specialised for their value types: generic calls across modules cost a
/// metadata lookup each, which was half of featurize's time.
public struct HeavyHitters<Value: Hashable & Comparable & Sendable>: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var value: Value
        public var weight: UInt64

        @inlinable public init(value: Value, weight: UInt64) {
            self.value = value
            self.weight = weight
        }
    }

    public let capacity: Int
    /// At most `capacity` entries, in no particular order; `ranked` sorts.
    public var entries: [Entry] { storage }
    @usableFromInline var storage: [Entry] = []

    @inlinable public init(capacity: Int = HeavyHittersDefaults.capacity) {
        precondition(capacity >= 1, "HeavyHitters: capacity must be at least 1")
        self.capacity = capacity
    }

    /// Rebuilds a summary from its entries (a record's list), keeping the
    /// `capacity` heaviest as a merge would.
    @inlinable public init(capacity: Int = HeavyHittersDefaults.capacity, entries: [Entry]) {
        self.init(capacity: capacity)
        var other = HeavyHitters(capacity: capacity)
        other.storage = entries
        merge(other)
    }

    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// Adds `weight` to `value`.
    @inlinable public mutating func add(_ value: Value, weight: UInt64 = 1) {
        guard weight > 0 else { return }
        for index in storage.indices where storage[index].value == value {
            storage[index].weight.add(saturating: weight)
            return
        }
        if storage.count < capacity {
            storage.append(Entry(value: value, weight: weight))
            return
        }
        // Full: the new value and every entry lose the smallest weight
        // among them, so at least one of the capacity + 1 drops out.
        var smallest = weight
        for entry in storage where entry.weight < smallest { smallest = entry.weight }
        for index in storage.indices { storage[index].weight -= smallest }
        storage.removeAll { $0.weight == 0 }
        if weight > smallest { storage.append(Entry(value: value, weight: weight - smallest)) }
    }

    @inlinable public mutating func merge(_ other: HeavyHitters) {
        guard !other.storage.isEmpty else { return }
        if storage.isEmpty && other.capacity == capacity {
            storage = other.storage
            return
        }
        // Room for every entry of both at once: one copy of a shared
        // buffer (the first merge's) and no growth while adding.
        storage.reserveCapacity(storage.count + other.storage.count)
        for entry in other.storage {
            if let index = storage.firstIndex(where: { $0.value == entry.value }) {
                storage[index].weight.add(saturating: entry.weight)
            } else {
                storage.append(entry)
            }
        }
        guard storage.count > capacity else { return }
        // Sorted in place, heaviest first: the entry at `capacity` sets the
        // cut, and everything from it on drops out.
        storage.sort(by: Self.heavier)
        let cut = storage[capacity].weight
        storage.removeSubrange(capacity...)
        for index in storage.indices { storage[index].weight -= cut }
        storage.removeAll { $0.weight == 0 }
    }

    /// Heaviest first; equal weights by value.
    @inlinable public var ranked: [Entry] { storage.sorted(by: Self.heavier) }

    @inlinable static func heavier(_ a: Entry, _ b: Entry) -> Bool {
        a.weight != b.weight ? a.weight > b.weight : a.value < b.value
    }

    /// The heaviest entry, or nil when empty.
    @inlinable public var top: Entry? { Self.top(of: storage) }

    /// The heaviest of `entries`, of equal weights the smallest value; nil
    /// when there are none.
    @inlinable public static func top(of entries: [Entry]) -> Entry? {
        var best: Entry?
        for entry in entries {
            guard let current = best else {
                best = entry
                continue
            }
            if heavier(entry, current) { best = entry }
        }
        return best
    }
}

public enum HeavyHittersDefaults {
    /// Three entries: a value with more than a quarter of the weight is
    /// always kept, and the records stay small.
    public static let capacity = 3
}

/// A transport port with its protocol, as window records list them:
/// "22/tcp", "53/udp", "5060/sctp", or "PORT/N" for another protocol N.
public struct ProtocolPort: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var protocolNumber: UInt8
    public var port: UInt16

    public init(protocolNumber: UInt8, port: UInt16) {
        self.protocolNumber = protocolNumber
        self.port = port
    }

    public static func < (a: ProtocolPort, b: ProtocolPort) -> Bool {
        a.protocolNumber != b.protocolNumber ? a.protocolNumber < b.protocolNumber : a.port < b.port
    }

    public var protocolName: String {
        switch protocolNumber {
        case 6: "tcp"
        case 17: "udp"
        case 132: "sctp"
        default: String(protocolNumber)
        }
    }

    public var description: String { "\(port)/\(protocolName)" }

    /// Reads "22/tcp" and the like.
    public init?(text: UnsafeBufferPointer<UInt8>) {
        guard let slash = text.firstIndex(of: UInt8(ascii: "/")), slash > text.startIndex, slash - text.startIndex <= 5 else {
            return nil
        }
        var port = 0
        for byte in text[text.startIndex..<slash] {
            guard byte &- 48 < 10 else { return nil }
            port = port * 10 + Int(byte &- 48)
        }
        guard port <= 65535 else { return nil }
        let name = UnsafeBufferPointer(rebasing: text[(slash + 1)...])
        if name.equals("tcp") {
            protocolNumber = 6
        } else if name.equals("udp") {
            protocolNumber = 17
        } else if name.equals("sctp") {
            protocolNumber = 132
        } else {
            guard !name.isEmpty, name.count <= 3, name.allSatisfy({ $0 &- 48 < 10 }),
                  let number = UInt8(String(decoding: name, as: UTF8.self)) else { return nil }
            protocolNumber = number
        }
        self.port = UInt16(port)
    }
}
