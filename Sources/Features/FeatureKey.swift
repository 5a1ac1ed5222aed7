/// A host as featurize keys it: one view (`src` or `dst`) of one host seen
/// by one sensor (empty when the windows carry none). Compared and ordered
/// by their bytes, so look-alike Unicode names stay apart and the output
/// order is the byte order.
public struct FeatureKey: Hashable, Comparable, Sendable {
    /// The parts' hash, made where the key is (the reading thread), so
    /// that the featurizer's lookup of every window hashes one number
    /// instead of the bytes; compared first, it also tells most unequal
    /// keys apart at once.
    private let partsHash: Int
    public let sensor: [UInt8]
    public let kind: [UInt8]
    public let host: [UInt8]

    public init(sensor: String, kind: String, host: String) {
        self.sensor = Array(sensor.utf8)
        self.kind = kind == "src" ? Self.source : kind == "dst" ? Self.destination : Array(kind.utf8)
        self.host = Array(host.utf8)
        var hasher = Hasher()
        Self.combine(self.sensor, into: &hasher)
        Self.combine(self.kind, into: &hasher)
        Self.combine(self.host, into: &hasher)
        partsHash = hasher.finalize()
    }

    /// The two views' bytes, shared by every key: no array made per
    /// window, and the output and the comparisons read memory already hot.
    private static let source = Array("src".utf8), destination = Array("dst".utf8)

    public func hash(into hasher: inout Hasher) { hasher.combine(partsHash) }

    /// The bytes of a part in one go (an array of bytes hashes byte by
    /// byte), with its count so that the parts stay apart.
    private static func combine(_ part: [UInt8], into hasher: inout Hasher) {
        hasher.combine(part.count)
        part.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func < (a: FeatureKey, b: FeatureKey) -> Bool {
        if a.sensor != b.sensor { return a.sensor.lexicographicallyPrecedes(b.sensor) }
        if a.kind != b.kind { return a.kind.lexicographicallyPrecedes(b.kind) }
        return a.host.lexicographicallyPrecedes(b.host)
    }
}
