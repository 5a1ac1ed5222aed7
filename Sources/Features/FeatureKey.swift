/// A host as featurize keys it: one view (`src` or `dst`) of one host seen
/// by one sensor (empty when the windows carry none). Compared and ordered
/// by their bytes, so look-alike Unicode names stay apart and the output
/// order is the byte order.
public struct FeatureKey: Hashable, Comparable, Sendable {
    /// The parts' hash, made where the key is (the reading thread), so
    /// that the featurizer's lookup of every window hashes one number
    /// instead of the bytes; compared first, it also tells most unequal
    /// keys apart at once.
    let partsHash: Int
    public let sensor: [UInt8]
    public let kind: [UInt8]
    public let host: [UInt8]

    public init(sensor: String, kind: String, host: String) {
        self.init(sensor: Array(sensor.utf8), kind: Array(kind.utf8), host: Array(host.utf8))
    }

    /// A key from a record's string bytes (escapes decoded) as they lie in
    /// the parsed line: no String made per window. Bytes that are not
    /// UTF-8 are repaired as a String would repair them.
    public init(sensor: UnsafeBufferPointer<UInt8>, kind: UnsafeBufferPointer<UInt8>, host: UnsafeBufferPointer<UInt8>) {
        self.init(sensor: Self.text(sensor), kind: kind.equals("dst") ? Self.destination : kind.equals("src") ? Self.source : Self.text(kind),
                  host: Self.text(host))
    }

    private init(sensor: [UInt8], kind: [UInt8], host: [UInt8]) {
        self.sensor = sensor
        self.kind = kind == Self.source ? Self.source : kind == Self.destination ? Self.destination : kind
        self.host = host
        var hasher = Hasher()
        Self.combine(self.sensor, into: &hasher)
        Self.combine(self.kind, into: &hasher)
        Self.combine(self.host, into: &hasher)
        partsHash = hasher.finalize()
    }

    /// The two views' bytes, shared by every key: no array made per
    /// window, and the output and the comparisons read memory already hot.
    private static let source = Array("src".utf8), destination = Array("dst".utf8)

    /// ASCII (addresses, sensor names) as it is; anything else through
    /// String's UTF-8 repair.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        for byte in bytes where byte >= 0x80 { return Array(String(decoding: bytes, as: UTF8.self).utf8) }
        return Array(bytes)
    }

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
