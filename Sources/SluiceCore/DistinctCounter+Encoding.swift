/// The compact binary form of a `DistinctCounter`, carried in records as
/// base64. Little-endian throughout:
///
///     exact:  0x01, precision, n (1 byte), n sorted hashes of 8 bytes
///     sketch: 0x02, precision, base (1 byte), 2^precision 4-bit values
///             (two per byte, lower register in the low nibble), then
///             e (2 bytes) and e exceptions of (register: 2 bytes, value: 1 byte)
///     sparse: 0x03, precision, n (2 bytes), then n pairs of (register
///             less the previous pair's register: LEB128 varint, value:
///             1 byte) for the non-zero registers in ascending order
///
/// A sketch is written in whichever of the last two forms is shorter: the
/// sparse one while few registers are set (a few hundred values), the
/// packed one beyond.
///
/// In a sketch each register is stored as its value less `base` (the
/// smallest register); a difference of 15 or more is stored as 15 and its
/// true value listed among the exceptions. Registers of a large count
/// crowd within a few values of each other, so a 4096-register sketch
/// takes about 2 KB instead of 3 KB for plain 6-bit packing.
extension DistinctCounter {
    static let exactFormat: UInt8 = 1
    static let sketchFormat: UInt8 = 2
    static let sparseFormat: UInt8 = 3

    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        if isExact {
            bytes.reserveCapacity(3 + 8 * hashes.count)
            bytes += [Self.exactFormat, UInt8(precision), UInt8(hashes.count)]
            for hash in hashes {
                for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: hash >> UInt64(shift))) }
            }
            return bytes
        }
        let sparse = sparseEncoding()
        let base = registers.min() ?? 0
        if sparse.count <= 5 + registers.count / 2 { return sparse }
        bytes.reserveCapacity(5 + registers.count / 2)
        bytes += [Self.sketchFormat, UInt8(precision), base]
        var exceptions: [(index: Int, value: UInt8)] = []
        for pair in stride(from: 0, to: registers.count, by: 2) {
            var packed: UInt8 = 0
            for offset in 0..<2 {
                let difference = registers[pair + offset] - base
                if difference >= 15 { exceptions.append((pair + offset, registers[pair + offset])) }
                packed |= min(difference, 15) << UInt8(4 * offset)
            }
            bytes.append(packed)
        }
        bytes += [UInt8(exceptions.count & 0xFF), UInt8(exceptions.count >> 8)]
        for exception in exceptions {
            bytes += [UInt8(exception.index & 0xFF), UInt8(exception.index >> 8), exception.value]
        }
        return bytes
    }

    private func sparseEncoding() -> [UInt8] {
        var bytes: [UInt8] = [Self.sparseFormat, UInt8(precision), 0, 0]
        var count = 0
        var previous = 0
        for (index, value) in registers.enumerated() where value != 0 {
            var delta = index - previous
            while delta >= 0x80 {
                bytes.append(UInt8(delta & 0x7F) | 0x80)
                delta >>= 7
            }
            bytes.append(UInt8(delta))
            bytes.append(value)
            previous = index
            count += 1
        }
        bytes[2] = UInt8(count & 0xFF)
        bytes[3] = UInt8(count >> 8)
        return bytes
    }

    /// Reads the binary form; nil for anything malformed (unknown format,
    /// precision out of range, wrong length, unsorted or repeated hashes,
    /// register values out of range).
    public init?(encoded bytes: [UInt8]) {
        guard let counter = bytes.withUnsafeBufferPointer({ DistinctCounter(encoded: $0) }) else { return nil }
        self = counter
    }

    /// Reads base64 text of the binary form (a record's sketch field),
    /// decoded in temporary memory rather than into an array of its own.
    public init?(base64 text: UnsafeBufferPointer<UInt8>) {
        let decoded = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(text.count / 4 * 3, 1)) { buffer in
            Base64.decode(text, into: buffer).flatMap { DistinctCounter(encoded: UnsafeBufferPointer(rebasing: buffer[..<$0])) }
        }
        guard let decoded else { return nil }
        self = decoded
    }

    /// `init(encoded:)` over bytes in place.
    public init?(encoded bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 3, Self.precisions.contains(Int(bytes[1])) else { return nil }
        self.init(precision: Int(bytes[1]))
        switch bytes[0] {
        case Self.exactFormat:
            let count = Int(bytes[2])
            guard count <= Self.exactLimit, bytes.count == 3 + 8 * count else { return nil }
            hashes.reserveCapacity(count)
            var previous: UInt64?
            for index in 0..<count {
                var hash: UInt64 = 0
                for byte in 0..<8 { hash |= UInt64(bytes[3 + 8 * index + byte]) << UInt64(8 * byte) }
                if let previous, hash <= previous { return nil }
                previous = hash
                hashes.append(hash)
            }
        case Self.sketchFormat:
            let registerCount = 1 << precision
            let exceptionsAt = 3 + registerCount / 2
            let maximum = UInt8(65 - precision)
            let base = bytes[2]
            guard bytes.count >= exceptionsAt + 2 else { return nil }
            let exceptionCount = Int(bytes[exceptionsAt]) | Int(bytes[exceptionsAt + 1]) << 8
            guard bytes.count == exceptionsAt + 2 + 3 * exceptionCount else { return nil }
            var values = [UInt8](repeating: 0, count: registerCount)
            for index in 0..<registerCount {
                let packed = bytes[3 + index / 2]
                values[index] = base &+ (index % 2 == 0 ? packed & 0x0F : packed >> 4)
            }
            for exception in 0..<exceptionCount {
                let at = exceptionsAt + 2 + 3 * exception
                let index = Int(bytes[at]) | Int(bytes[at + 1]) << 8
                guard index < registerCount, values[index] == base &+ 15, bytes[at + 2] >= base &+ 15 else { return nil }
                values[index] = bytes[at + 2]
            }
            guard values.allSatisfy({ $0 <= maximum }), values.contains(base) else { return nil }
            registers = values
        case Self.sparseFormat:
            guard bytes.count >= 4 else { return nil }
            let count = Int(bytes[2]) | Int(bytes[3]) << 8
            var values = [UInt8](repeating: 0, count: 1 << precision)
            var position = 4
            var index = 0
            for pair in 0..<count {
                var delta = 0
                var shift = 0
                while true {
                    guard position < bytes.count, shift < 21 else { return nil }
                    let byte = bytes[position]
                    position += 1
                    delta |= Int(byte & 0x7F) << shift
                    if byte < 0x80 { break }
                    shift += 7
                }
                guard pair == 0 || delta > 0, position < bytes.count else { return nil }
                index += delta
                let value = bytes[position]
                position += 1
                guard index < values.count, value > 0, value <= UInt8(65 - precision) else { return nil }
                values[index] = value
            }
            guard position == bytes.count, count > 0 else { return nil }
            registers = values
        default:
            return nil
        }
    }

    public var base64: String { Base64.encode(encoded) }

    public init?(base64 text: String) {
        var text = text
        guard let counter = text.withUTF8({ DistinctCounter(base64: $0) }) else { return nil }
        self = counter
    }
}
