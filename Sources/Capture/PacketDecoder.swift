import SluiceCore

/// Decodes captured frames into `DecodedPacket`: link layer, IP, transport.
///
/// Every read is checked against the captured length, so a cut-short or
/// malformed frame yields what could be read plus a `DecodeError`, never a
/// crash. Lengths claimed by headers are checked against the wire length.
/// The decoder keeps one `DecodedPacket` and overwrites it for each frame,
/// so decoding allocates nothing.
public struct PacketDecoder {
    public internal(set) var packet = DecodedPacket()
    @usableFromInline var bytes = UnsafeRawBufferPointer(start: nil, count: 0)

    public init() {}

    /// Decodes one captured frame.
    public mutating func decode(_ frame: CapturedFrame) {
        packet.reset(for: frame)
        bytes = frame.bytes
        switch frame.linkType {
        case .ethernet: decodeEthernet()
        case .raw, .rawDLT12, .rawDLT14: decodeIP(at: 0, expectedVersion: nil)
        case .ipv4: decodeIP(at: 0, expectedVersion: 4)
        case .ipv6: decodeIP(at: 0, expectedVersion: 6)
        case .linuxSLL: decodeLinuxSLL()
        case .linuxSLL2: decodeLinuxSLL2()
        case .null: decodeLoopback(familyIsBigEndian: false)
        case .loop: decodeLoopback(familyIsBigEndian: true)
        case .nflog: decodeNFLOG()
        case .ppp, .pppSerial: decodePPP()
        case .pppOverEthernet: decodePPPoESession(at: 0)
        case .ciscoHDLC:
            guard available(from: 0) >= 4 else { return fail(.truncatedLinkHeader) }
            decodeEtherType(bytes.u16(2), at: 4)
        default:
            if !LinkType.knownWithoutIP.contains(frame.linkType) { fail(.unsupportedLinkType) }
        }
    }

    /// Captured bytes from `offset` to the end.
    @inlinable
    func available(from offset: Int) -> Int { bytes.count - offset }

    /// Wire bytes from `offset` to the end: what length fields may claim.
    /// A broken file may record a wire length below the captured one, or
    /// one near 4 GiB; no IP packet is longer than `maximumIPLength`, and
    /// the cap keeps every length derived from it within Int32.
    @inlinable
    func wireAvailable(from offset: Int) -> Int {
        min(max(packet.wireLength, bytes.count), offset + Self.maximumIPLength) - offset
    }

    /// An IPv6 jumbogram's limit would be 4 GiB, but no link carries frames
    /// beyond a few hundred kilobytes (GRO super-packets); 16 MiB is ample.
    @usableFromInline static let maximumIPLength = 1 << 24

    /// The 4- or 16-byte address at `offset` (the caller checked the bounds).
    @inlinable
    func address(at offset: Int, version: UInt8) -> IPAddress {
        IPAddress(bytes: bytes.baseAddress! + offset, version: version)
    }

    mutating func fail(_ error: DecodeError) {
        if packet.decodeError == nil { packet.decodeError = error }
    }

    // MARK: Link layers

    mutating func decodeEthernet() {
        guard available(from: 0) >= 14 else { return fail(.truncatedLinkHeader) }
        decodeEtherType(bytes.u16(12), at: 14)
    }

    /// Linux cooked capture v1: 16-byte header, protocol in the last two bytes.
    mutating func decodeLinuxSLL() {
        guard available(from: 0) >= 16 else { return fail(.truncatedLinkHeader) }
        decodeEtherType(bytes.u16(14), at: 16)
    }

    /// Linux cooked capture v2: 20-byte header, protocol first.
    mutating func decodeLinuxSLL2() {
        guard available(from: 0) >= 20 else { return fail(.truncatedLinkHeader) }
        decodeEtherType(bytes.u16(0), at: 20)
    }

    /// BSD loopback: a 4-byte address family, in the byte order of the host
    /// that captured (NULL) or network order (LOOP). IPv6 is 10 on Linux and
    /// 24, 28 or 30 on the BSDs and macOS.
    mutating func decodeLoopback(familyIsBigEndian: Bool) {
        guard available(from: 0) >= 4 else { return fail(.truncatedLinkHeader) }
        var family = familyIsBigEndian ? bytes.u32(0) : bytes.u32LittleEndian(0)
        if family > 0xFFFF { family = family.byteSwapped }
        switch family {
        case 2: decodeIP(at: 4, expectedVersion: 4)
        case 10, 24, 28, 30: decodeIP(at: 4, expectedVersion: 6)
        default: break
        }
    }

    /// Linux NFLOG: a 4-byte header (family, version, resource id), then
    /// TLVs with little-endian lengths, padded to 4 bytes; type 9 is the packet.
    mutating func decodeNFLOG() {
        guard available(from: 0) >= 4 else { return fail(.truncatedLinkHeader) }
        let family = bytes.u8(0)
        var offset = 4
        while available(from: offset) >= 4 {
            let length = Int(bytes.u16LittleEndian(offset))
            let type = bytes.u16LittleEndian(offset + 2)
            guard length >= 4 else { return fail(.truncatedLinkHeader) }
            if type == 9 {
                decodeIP(at: offset + 4, expectedVersion: family == 10 ? 6 : (family == 2 ? 4 : nil))
                return
            }
            offset += (length + 3) & ~3
        }
    }

    /// PPP in HDLC-like framing (FF 03 then protocol) or bare protocol.
    mutating func decodePPP() {
        guard available(from: 0) >= 2 else { return fail(.truncatedLinkHeader) }
        if bytes.u8(0) == 0xFF && bytes.u8(1) == 0x03 {
            guard available(from: 0) >= 4 else { return fail(.truncatedLinkHeader) }
            decodePPPProtocol(bytes.u16(2), at: 4)
        } else {
            decodePPPProtocol(bytes.u16(0), at: 2)
        }
    }
}
