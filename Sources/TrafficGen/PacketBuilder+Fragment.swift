extension PacketBuilder {
    /// Bytes of transport data an IPv4 fragment carries at most on a
    /// 1500-byte MTU: the MTU less the 20-byte header, a multiple of 8 as
    /// fragment offsets (counted in 8-byte units) require.
    public static let fragmentDataBytes = 1480

    /// One IPv4 fragment of a datagram whose transport bytes (header and
    /// payload, checksum final) lie in `datagram`: the bytes
    /// `offset ..< offset + count`, with more-fragments set unless it is the
    /// last. Every fragment repeats the datagram's identifier, and each has
    /// its own header checksum; only the first carries the transport header.
    public func ipv4Fragment(_ ends: Endpoints, fromClient: Bool, ipID: UInt16, protocolNumber: UInt8,
                             datagram: UnsafePointer<UInt8>, offset: Int, count: Int, moreFragments: Bool) {
        precondition(!ends.isIPv6 && offset & 7 == 0 && (!moreFragments || count & 7 == 0))
        precondition(count <= Self.capacity - Self.ethernetHeaderBytes - Self.ipv4HeaderBytes)
        let data = beginTransport(ends, fromClient: fromClient, ipID: ipID, protocolNumber: protocolNumber,
                                  dontFragment: false, headerBytes: 0)
        data.update(from: datagram + offset, count: count)
        let ip = bytes + ipOffset
        store16(ip + 2, UInt16(Self.ipv4HeaderBytes + count))
        store16(ip + 6, (moreFragments ? 0x2000 : 0) | UInt16(offset / 8))
        store16(ip + 10, 0)
        var header = InternetChecksum()
        header.add(UnsafePointer(ip), count: Self.ipv4HeaderBytes)
        store16(ip + 10, header.value)
        writtenBytes = transportOffset + count
        tailBytes = 0
    }

    /// Fills in the length and checksum of a UDP datagram of `count` bytes
    /// (8 of header, then payload) held whole in `datagram`, as it will be
    /// sent from `source` to `destination`: the checksum covers all of it,
    /// although each fragment carries only a part.
    public static func finishUDPDatagram(_ datagram: UnsafeMutablePointer<UInt8>, count: Int,
                                         source: UInt32, destination: UInt32) {
        store16(datagram + 4, UInt16(count))
        store16(datagram + 6, 0)
        var sum = InternetChecksum()
        sum.add(source)
        sum.add(destination)
        sum.add(UInt16(17))
        sum.add(UInt16(count))
        sum.add(UnsafePointer(datagram), count: count)
        let checksum = sum.value
        store16(datagram + 6, checksum == 0 ? 0xFFFF : checksum)
    }
}
