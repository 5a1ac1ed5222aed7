/// Remembers the ports of recently seen first fragments, so the later
/// fragments of a datagram, which carry no transport header, are counted in
/// the flow of their datagram instead of in a port-less one.
///
/// A fixed direct-mapped cache: a datagram is identified by addresses,
/// protocol and fragment id, and its entry is trusted for `lifetime`
/// (30 s, Linux's ipfrag_time). A later fragment whose first fragment was
/// not seen (lost, arriving later, or overwritten here) gets no ports.
struct FragmentPorts {
    private struct Entry {
        var sourceHigh: UInt64
        var sourceLow: UInt64
        var destinationHigh: UInt64
        var destinationLow: UInt64
        var identification: UInt32
        var protocolNumber: UInt8
        var used: Bool
        var sourcePort: UInt16
        var destinationPort: UInt16
        var time: Int64
    }

    static let lifetime: Int64 = 30 * 1_000_000_000
    private static let size = 1 << 14
    private var entries = [Entry](
        repeating: Entry(sourceHigh: 0, sourceLow: 0, destinationHigh: 0, destinationLow: 0, identification: 0,
                         protocolNumber: 0, used: false, sourcePort: 0, destinationPort: 0, time: 0),
        count: size)

    /// The ports for `packet`: its own, remembered if it is a first
    /// fragment, or those of its datagram's first fragment.
    mutating func ports(for packet: PacketObservation) -> (source: UInt16, destination: UInt16)? {
        guard let fragment = packet.fragment else { return packet.ports }
        let index = Self.index(packet, fragment.identification)
        if let ports = packet.ports {
            if fragment.offset == 0 {
                entries[index] = Entry(
                    sourceHigh: packet.source.high, sourceLow: packet.source.low,
                    destinationHigh: packet.destination.high, destinationLow: packet.destination.low,
                    identification: fragment.identification, protocolNumber: packet.protocolNumber,
                    used: true, sourcePort: ports.source, destinationPort: ports.destination, time: packet.time)
            }
            return ports
        }
        let entry = entries[index]
        guard entry.used, entry.identification == fragment.identification,
              entry.protocolNumber == packet.protocolNumber,
              entry.sourceHigh == packet.source.high, entry.sourceLow == packet.source.low,
              entry.destinationHigh == packet.destination.high, entry.destinationLow == packet.destination.low,
              abs(packet.time - entry.time) <= Self.lifetime
        else { return nil }
        return (entry.sourcePort, entry.destinationPort)
    }

    private static func index(_ packet: PacketObservation, _ identification: UInt32) -> Int {
        var h = (packet.source.low ^ packet.source.high &* 31) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ packet.destination.low ^ packet.destination.high &* 31) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ UInt64(identification) << 8 ^ UInt64(packet.protocolNumber)) &* 0x94D0_49BB_1331_11EB
        return Int(h >> 50) & (size - 1)
    }
}
