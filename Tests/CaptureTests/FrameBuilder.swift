@testable import Capture
import SluiceCore

/// Frames built field by field, for decoder tests whose expected values are
/// the fields they wrote. Layouts: Ethernet II, IEEE 802.1Q/802.1ad,
/// RFC 3032 (MPLS), RFC 2516 (PPPoE), RFC 791 (IPv4), RFC 8200 (IPv6 and
/// its extension headers), RFC 9293 (TCP), RFC 768 (UDP), RFC 792 and
/// RFC 4443 (ICMP echo). Checksums are left 0: the decoder does not read
/// them.
enum Frame {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func be32(_ value: Int) -> [UInt8] { be16(value >> 16) + be16(value) }
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] { le16(value) + le16(value >> 16) }

    static let ipv4Source: [UInt8] = [10, 0, 0, 1]
    static let ipv4Destination: [UInt8] = [192, 168, 7, 9]
    /// 2001:db8::1 and 2001:db8::2.
    static let ipv6Source: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
    static let ipv6Destination: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [2]

    static func ethernet(_ type: Int, _ payload: [UInt8]) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2] + be16(type) + payload
    }

    /// A VLAN tag: priority 0, the 12-bit id, then the type it carries.
    static func vlanTag(id: Int, then type: Int) -> [UInt8] { be16(id) + be16(type) }

    /// An MPLS label stack entry: label (20 bits), traffic class 0, bottom
    /// of stack, TTL 64.
    static func mplsEntry(label: Int, bottom: Bool) -> [UInt8] { be32(label << 12 | (bottom ? 0x100 : 0) | 64) }

    /// IPv4 with `options` (a multiple of 4 bytes); the total length is the
    /// header plus the payload unless `totalLength` says otherwise.
    static func ipv4(protocol number: Int, payload: [UInt8], options: [UInt8] = [], ttl: Int = 64, id: Int = 0x1234,
                     fragmentField: Int = 0, totalLength: Int? = nil, headerWords: Int? = nil) -> [UInt8] {
        let words = headerWords ?? (20 + options.count) / 4
        return [UInt8(0x40 | words), 0] + be16(totalLength ?? 20 + options.count + payload.count) + be16(id)
            + be16(fragmentField) + [UInt8(ttl), UInt8(number), 0, 0] + ipv4Source + ipv4Destination + options + payload
    }

    /// IPv6; the payload length is what follows the fixed header unless
    /// `payloadLength` says otherwise.
    static func ipv6(next: Int, payload: [UInt8], hopLimit: Int = 64, payloadLength: Int? = nil) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(payloadLength ?? payload.count) + [UInt8(next), UInt8(hopLimit)]
            + ipv6Source + ipv6Destination + payload
    }

    /// An IPv6 extension header of `length` bytes (a multiple of 8) in the
    /// hop-by-hop layout: next header, length in 8-byte units beyond the
    /// first, padding.
    static func ipv6Extension(next: Int, length: Int) -> [UInt8] {
        [UInt8(next), UInt8(length / 8 - 1)] + [UInt8](repeating: 0, count: length - 2)
    }

    /// An IPv6 fragment header: next header, offset in bytes (a multiple of
    /// 8), more-fragments flag, identification.
    static func ipv6Fragment(next: Int, offset: Int, more: Bool, id: Int) -> [UInt8] {
        [UInt8(next), 0] + be16(offset | (more ? 1 : 0)) + be32(id)
    }

    /// TCP with `options` (a multiple of 4 bytes) and `payload` zero bytes.
    static func tcp(source: Int, destination: Int, sequence: Int, acknowledgement: Int, flags: Int, window: Int,
                    options: [UInt8] = [], payload: Int = 0, dataOffsetWords: Int? = nil) -> [UInt8] {
        let words = dataOffsetWords ?? (20 + options.count) / 4
        return be16(source) + be16(destination) + be32(sequence) + be32(acknowledgement)
            + [UInt8(words << 4), UInt8(flags)] + be16(window) + [0, 0, 0, 0] + options
            + [UInt8](repeating: 0, count: payload)
    }

    /// UDP with `payload` zero bytes; the length field is header plus
    /// payload unless `lengthField` says otherwise.
    static func udp(source: Int, destination: Int, payload: Int, lengthField: Int? = nil) -> [UInt8] {
        be16(source) + be16(destination) + be16(lengthField ?? 8 + payload) + [0, 0] + [UInt8](repeating: 0, count: payload)
    }

    /// An ICMP or ICMPv6 message with an identifier and sequence number
    /// (echo's layout), then `payload` zero bytes.
    static func icmp(type: Int, code: Int = 0, id: Int, sequence: Int = 1, payload: Int = 0) -> [UInt8] {
        [UInt8(type), UInt8(code), 0, 0] + be16(id) + be16(sequence) + [UInt8](repeating: 0, count: payload)
    }

    /// Decodes `bytes` as one captured frame; the wire length is the
    /// captured one unless given.
    static func decode(_ bytes: [UInt8], link: LinkType = .ethernet, wireLength: Int? = nil) -> DecodedPacket {
        var decoder = PacketDecoder()
        bytes.withUnsafeBytes { raw in
            decoder.decode(CapturedFrame(timestamp: Timestamp(nanoseconds: 1_767_225_600_000_000_000),
                                         wireLength: wireLength ?? bytes.count, bytes: raw, linkType: link))
        }
        return decoder.packet
    }
}

/// The well-formed Ethernet frames `PacketDecoderTests` checks field by
/// field and `TsharkAgreementTests` has tshark read: one definition each,
/// so both read the same bytes.
enum SampleFrames {
    /// TCP with 12 option bytes (NOP, NOP, a 10-byte timestamp): a 32-byte
    /// header, 100 bytes of payload, TTL 57.
    static let tcpWithOptions = Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: Frame.tcp(
        source: 40000, destination: 443, sequence: 1000, acknowledgement: 2000, flags: 0x18, window: 501,
        options: [1, 1, 8, 10] + [UInt8](repeating: 0, count: 8), payload: 100), ttl: 57))

    /// 802.1ad outer tag 100 (priority 5, drop eligible), 802.1Q inner tag
    /// 200, then UDP 5353 to 53 with 30 bytes.
    static let stackedVLANs = Frame.ethernet(0x88A8, Frame.vlanTag(id: 5 << 13 | 1 << 12 | 100, then: 0x8100)
        + Frame.vlanTag(id: 200, then: 0x0800) + Frame.ipv4(protocol: 17, payload: Frame.udp(source: 5353, destination: 53, payload: 30)))

    /// Labels 16 and 1,048,575 (bottom), then IPv6 (hop limit 255) with a
    /// TCP SYN from 179 to 33000.
    static let mplsOverIPv6 = Frame.ethernet(0x8847, Frame.mplsEntry(label: 16, bottom: false)
        + Frame.mplsEntry(label: 1_048_575, bottom: true)
        + Frame.ipv6(next: 6, payload: Frame.tcp(source: 179, destination: 33000, sequence: 1, acknowledgement: 0, flags: 0x02,
                                                 window: 16384), hopLimit: 255))

    /// A PPPoE session (version and type 0x11, code 0, session 1, its
    /// length, PPP's IPv4 protocol) carrying an echo request, id 0x4242,
    /// 56 bytes of data.
    static let pppoeEchoRequest: [UInt8] = {
        let datagram = Frame.ipv4(protocol: 1, payload: Frame.icmp(type: 8, id: 0x4242, payload: 56))
        return Frame.ethernet(0x8864, [0x11, 0x00] + Frame.be16(0x0001) + Frame.be16(2 + datagram.count) + Frame.be16(0x0021) + datagram)
    }()

    /// IPv4 with a 6-word header (three NOPs and an end of options), then
    /// TCP 25 to 41000 with 5 bytes.
    static let ipv4Options = Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: Frame.tcp(
        source: 25, destination: 41000, sequence: 7, acknowledgement: 9, flags: 0x10, window: 1024, payload: 5), options: [1, 1, 1, 0]))

    /// IPv6 with hop-by-hop (8 bytes) and destination options (16), then
    /// TCP 22 to 50000 with 10 bytes.
    static let ipv6ExtensionChain = Frame.ethernet(0x86DD, Frame.ipv6(next: 0, payload: Frame.ipv6Extension(next: 60, length: 8)
        + Frame.ipv6Extension(next: 6, length: 16)
        + Frame.tcp(source: 22, destination: 50000, sequence: 5, acknowledgement: 6, flags: 0x11, window: 300, payload: 10)))

    /// The first IPv6 fragment (id 0xABCDEF) of a UDP datagram from 1000 to
    /// 2000 whose length field (3008) covers all the fragments; 100 bytes here.
    static let ipv6FirstFragment = Frame.ethernet(0x86DD, Frame.ipv6(next: 44, payload: Frame.ipv6Fragment(
        next: 17, offset: 0, more: true, id: 0xABCDEF) + Frame.udp(source: 1000, destination: 2000, payload: 100, lengthField: 3008)))

    static let all = [tcpWithOptions, stackedVLANs, mplsOverIPv6, pppoeEchoRequest, ipv4Options, ipv6ExtensionChain, ipv6FirstFragment]
}
