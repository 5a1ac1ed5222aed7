/// Remembers the transport header fields of recently seen first fragments
/// (ports, or ICMP type, code and id), so the later fragments of a
/// datagram, which carry no transport header, are counted in the flow of
/// their datagram instead of in a port-less one.
///
/// A fixed direct-mapped cache: a datagram is identified by addresses,
/// protocol and fragment id, and its entry is trusted for `lifetime`
/// (30 s, Linux's ipfrag_time). A later fragment whose first fragment was
/// not seen (lost, arriving later, or overwritten here) stays port-less.
struct FragmentHeaders {
    private struct Entry {
        var sourceHigh: UInt64 = 0
        var sourceLow: UInt64 = 0
        var destinationHigh: UInt64 = 0
        var destinationLow: UInt64 = 0
        var time: Int64 = 0
        var identification: UInt32 = 0
        var protocolNumber: UInt8 = 0
        var used = false
        var ports: (source: UInt16, destination: UInt16)?
        var icmp: PacketObservation.ICMPHeader?
    }

    static let lifetime: Int64 = 30 * 1_000_000_000
    private static let size = 1 << 14
    private var entries = [Entry](repeating: Entry(), count: size)

    /// Remembers `packet` if it is a first fragment with a transport
    /// header; gives a later fragment the header fields of its datagram's
    /// first fragment.
    mutating func complete(_ packet: inout PacketObservation) {
        guard let fragment = packet.fragment else { return }
        let index = Self.index(packet, fragment.identification)
        if fragment.offset == 0 {
            if packet.ports != nil || packet.icmp != nil {
                entries[index] = Entry(
                    sourceHigh: packet.source.high, sourceLow: packet.source.low,
                    destinationHigh: packet.destination.high, destinationLow: packet.destination.low,
                    time: packet.time, identification: fragment.identification,
                    protocolNumber: packet.protocolNumber, used: true, ports: packet.ports, icmp: packet.icmp)
            }
            return
        }
        guard packet.ports == nil && packet.icmp == nil else { return }
        let entry = entries[index]
        // Times are within Timestamp.supportedEventTimes: no overflow.
        guard entry.used, entry.identification == fragment.identification,
              entry.protocolNumber == packet.protocolNumber,
              entry.sourceHigh == packet.source.high, entry.sourceLow == packet.source.low,
              entry.destinationHigh == packet.destination.high, entry.destinationLow == packet.destination.low,
              abs(packet.time - entry.time) <= Self.lifetime
        else { return }
        packet.ports = entry.ports
        packet.icmp = entry.icmp
    }

    private static func index(_ packet: PacketObservation, _ identification: UInt32) -> Int {
        var h = (packet.source.low ^ packet.source.high &* 31) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ packet.destination.low ^ packet.destination.high &* 31) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ UInt64(identification) << 8 ^ UInt64(packet.protocolNumber)) &* 0x94D0_49BB_1331_11EB
        return Int(h >> 50) & (size - 1)
    }
}
