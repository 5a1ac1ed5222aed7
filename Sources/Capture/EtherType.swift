/// Everything an EtherType (or a PPP protocol number) can lead to: IP, VLAN
/// tags, MPLS label stacks, PPPoE sessions, or a non-IP frame.
extension PacketDecoder {
    mutating func decodeEtherType(_ initialType: UInt16, at initialOffset: Int) {
        var type = initialType
        var offset = initialOffset
        while true {
            switch type {
            case EtherType.ipv4:
                return decodeIP(at: offset, expectedVersion: 4)
            case EtherType.ipv6:
                return decodeIP(at: offset, expectedVersion: 6)
            case _ where EtherType.vlanTags.contains(type):
                // 802.1Q / 802.1ad (QinQ) tag: 12-bit id, then the next type.
                guard available(from: offset) >= 4 else { return fail(.truncatedVLANTag) }
                let id = Int32(bytes.u16(offset) & 0x0FFF)
                if packet.vlan < 0 { packet.vlan = id } else if packet.innerVLAN < 0 { packet.innerVLAN = id }
                type = bytes.u16(offset + 2)
                offset += 4
            case EtherType.mplsUnicast, EtherType.mplsMulticast:
                return decodeMPLS(at: offset)
            case EtherType.pppoeSession:
                return decodePPPoESession(at: offset)
            default:
                // Below 0x0600 the field is an 802.3 length (LLC frames such
                // as CDP or STP), which has no EtherType to report.
                if type >= 0x0600 { packet.etherType = Int32(type) }
                return
            }
        }
    }

    /// An MPLS label stack: 4 bytes a label until the bottom-of-stack bit.
    /// MPLS does not say what it carries; the IP version nibble does.
    mutating func decodeMPLS(at initialOffset: Int) {
        var offset = initialOffset
        while true {
            guard available(from: offset) >= 4 else { return fail(.truncatedMPLS) }
            let entry = bytes.u32(offset)
            if packet.mplsLabel < 0 { packet.mplsLabel = Int32(entry >> 12) }
            offset += 4
            if entry & 0x100 != 0 { break }
        }
        guard available(from: offset) >= 1 else { return fail(.truncatedMPLS) }
        switch bytes.u8(offset) >> 4 {
        case 4: decodeIP(at: offset, expectedVersion: 4)
        case 6: decodeIP(at: offset, expectedVersion: 6)
        default: packet.etherType = Int32(EtherType.mplsUnicast)
        }
    }

    /// A PPPoE session header (6 bytes), then the PPP protocol.
    mutating func decodePPPoESession(at offset: Int) {
        guard available(from: offset) >= 8 else { return fail(.truncatedPPPoE) }
        decodePPPProtocol(bytes.u16(offset + 6), at: offset + 8)
    }

    mutating func decodePPPProtocol(_ protocolNumber: UInt16, at offset: Int) {
        switch protocolNumber {
        case PPPProtocol.ipv4: decodeIP(at: offset, expectedVersion: 4)
        case PPPProtocol.ipv6: decodeIP(at: offset, expectedVersion: 6)
        case PPPProtocol.mplsUnicast: decodeMPLS(at: offset)
        default: break
        }
    }

    /// IP whose version the link layer promised (or, for raw IP, the nibble says).
    mutating func decodeIP(at offset: Int, expectedVersion: UInt8?) {
        guard available(from: offset) >= 1 else { return fail(.truncatedIPHeader) }
        let version = bytes.u8(offset) >> 4
        if let expectedVersion, version != expectedVersion { return fail(.badIPVersion) }
        switch version {
        case 4: decodeIPv4(at: offset)
        case 6: decodeIPv6(at: offset)
        default: fail(.badIPVersion)
        }
    }
}
