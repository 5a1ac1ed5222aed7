import SluiceCore

/// The source ports an attacker's kernel gives its connections: shared by
/// every attack from one address, as one kernel serves them all, so two
/// connections open at once never share a port (which a real stack cannot
/// do and which analysers flag as a reused conversation).
///
/// Linux (since 6.x, RFC 6056's double hash) starts at a per-destination
/// offset and steps by 2 for connect(); consecutive connections come out
/// as rising even ports. Here the start is one fixed hash of the seed and
/// the attacker's address, so it does not depend on which attack asks
/// first, and the range is ip_local_port_range's 32768 to 60999.
final class EphemeralPorts {
    private let seed: UInt64
    private var next: [UInt32: Int] = [:]

    static let range = 32768...60999

    init(seed: UInt64) { self.seed = seed }

    func allocate(for attacker: UInt32) -> UInt16 {
        let span = Self.range.count
        var mix = SplitMix64(seed: seed ^ UInt64(attacker) << 16)
        let offset = next[attacker] ?? Int(mix.next() % UInt64(span)) & ~1
        next[attacker] = (offset + 2) % span
        return UInt16(Self.range.lowerBound + offset)
    }
}
