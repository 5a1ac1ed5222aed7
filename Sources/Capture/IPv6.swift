import SluiceCore

extension PacketDecoder {
    /// IPv6: the fixed header, then the extension header chain (hop-by-hop,
    /// routing, fragment, destination options, AH) up to the transport.
    mutating func decodeIPv6(at offset: Int) {
        guard available(from: offset) >= 40 else { return fail(.truncatedIPHeader) }
        packet.ipVersion = 6
        packet.source = address(at: offset + 8, version: 6)
        packet.destination = address(at: offset + 24, version: 6)
        packet.ttl = Int32(bytes.u8(offset + 7))
        var payloadLength = Int(bytes.u16(offset + 4))
        packet.ipLength = Int32(40 + payloadLength)
        let wire = wireAvailable(from: offset) - 40
        if payloadLength == 0 && wire > 0 {
            // Jumbograms and segmentation offload leave the length 0.
            payloadLength = wire
        } else if payloadLength > wire {
            fail(.badIPTotalLength)
            payloadLength = max(wire, 0)
        }

        var nextHeader = bytes.u8(offset + 6)
        var position = offset + 40
        var remaining = payloadLength
        while true {
            let headerLength: Int
            switch nextHeader {
            case IPProtocol.hopByHop, IPProtocol.routing, IPProtocol.destinationOptions,
                 IPProtocol.mobility, IPProtocol.hostIdentity, IPProtocol.shim6:
                guard available(from: position) >= 2 else { return extensionTruncated(nextHeader) }
                headerLength = (Int(bytes.u8(position + 1)) + 1) * 8
            case IPProtocol.authentication:
                guard available(from: position) >= 2 else { return extensionTruncated(nextHeader) }
                headerLength = (Int(bytes.u8(position + 1)) + 2) * 4
            case IPProtocol.fragment:
                guard available(from: position) >= 8 else { return extensionTruncated(nextHeader) }
                let field = bytes.u16(position + 2)
                packet.fragmentOffset = Int32(field & 0xFFF8)
                packet.moreFragments = field & 1 != 0
                packet.fragmentID = Int64(bytes.u32(position + 4))
                headerLength = 8
            default:
                packet.ipProtocol = Int32(nextHeader)
                if packet.fragmentOffset > 0 {
                    // Later fragments carry no transport header.
                    packet.payloadLength = Int32(remaining)
                    return
                }
                return decodeTransport(at: position, length: remaining)
            }
            guard headerLength <= remaining else { return extensionTruncated(nextHeader) }
            nextHeader = bytes.u8(position)
            position += headerLength
            remaining -= headerLength
        }
    }

    private mutating func extensionTruncated(_ header: UInt8) {
        packet.ipProtocol = Int32(header)
        fail(.truncatedIPv6Extension)
    }
}
