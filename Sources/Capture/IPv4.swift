import SluiceCore

extension PacketDecoder {
    /// IPv4: header checks, then fragments and the transport header.
    mutating func decodeIPv4(at offset: Int) {
        guard available(from: offset) >= 20 else { return fail(.truncatedIPHeader) }
        let headerLength = Int(bytes.u8(offset) & 0x0F) * 4
        packet.ipVersion = 4
        packet.source = address(at: offset + 12, version: 4)
        packet.destination = address(at: offset + 16, version: 4)
        packet.ttl = Int32(bytes.u8(offset + 8))
        packet.ipProtocol = Int32(bytes.u8(offset + 9))
        var totalLength = Int(bytes.u16(offset + 2))
        packet.ipLength = Int32(totalLength)
        guard headerLength >= 20 else { return fail(.badIPHeaderLength) }
        guard available(from: offset) >= headerLength else { return fail(.truncatedIPHeader) }

        let wire = wireAvailable(from: offset)
        if totalLength == 0 && wire > headerLength {
            // Segmentation offload (TSO/GRO) leaves the length 0; the frame
            // tells, up to what an IPv4 length field could say.
            totalLength = min(wire, 65_535)
        } else if totalLength < headerLength {
            fail(.badIPTotalLength)
            totalLength = min(wire, headerLength)
        } else if totalLength > wire {
            fail(.badIPTotalLength)
            totalLength = wire
        }

        let fragmentField = bytes.u16(offset + 6)
        let fragmentOffset = Int(fragmentField & 0x1FFF) * 8
        let moreFragments = fragmentField & 0x2000 != 0
        if fragmentOffset != 0 || moreFragments {
            packet.fragmentOffset = Int32(fragmentOffset)
            packet.moreFragments = moreFragments
            packet.fragmentID = Int64(bytes.u16(offset + 4))
        }
        let payloadLength = totalLength - headerLength
        if fragmentOffset != 0 {
            // Later fragments carry no transport header.
            packet.payloadLength = Int32(payloadLength)
            return
        }
        decodeTransport(at: offset + headerLength, length: payloadLength)
    }
}
