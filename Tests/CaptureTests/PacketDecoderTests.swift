@testable import Capture
import SluiceCore
import Testing

/// PacketDecoder on frames built byte by byte (`Frame`). The oracle is the
/// construction: each expected value is a field the test wrote, or a length
/// the header layout gives, worked out beside it. `TsharkAgreementTests`
/// checks with tshark that the built frames mean what these tests say.
@Suite struct PacketDecoderTests {
    // MARK: Ethernet and what it carries

    @Test func ethernetIPv4TCP() {
        // A 32-byte TCP header (12 option bytes) and 100 bytes of payload.
        let packet = Frame.decode(SampleFrames.tcpWithOptions)
        #expect(packet.decodeError == nil)
        #expect(packet.ipVersion == 4)
        #expect(packet.source.description == "10.0.0.1")
        #expect(packet.destination.description == "192.168.7.9")
        #expect(packet.ipProtocol == 6)
        #expect(packet.ttl == 57)
        #expect(packet.ipLength == 20 + 32 + 100)
        #expect(packet.sourcePort == 40000 && packet.destinationPort == 443)
        #expect(packet.tcpFlags == 0x18)
        #expect(packet.tcpSequence == 1000 && packet.tcpAcknowledgement == 2000)
        #expect(packet.tcpWindow == 501)
        #expect(packet.payloadLength == 100)
        #expect(packet.fragmentOffset == -1 && packet.vlan == -1 && packet.etherType == -1 && packet.icmpType == -1)
        #expect(packet.wireLength == 14 + 152 && packet.capturedLength == 14 + 152)
    }

    @Test func stackedVLANTags() {
        // 802.1ad outer tag 100 (priority 5, drop eligible), 802.1Q inner
        // tag 200: neither the priority nor the DEI bit is part of the id.
        let packet = Frame.decode(SampleFrames.stackedVLANs)
        #expect(packet.decodeError == nil)
        #expect(packet.vlan == 100 && packet.innerVLAN == 200)
        #expect(packet.sourcePort == 5353 && packet.destinationPort == 53)
        #expect(packet.ipLength == 20 + 8 + 30)
        #expect(packet.payloadLength == 30)
    }

    @Test func mplsStackOverIPv6() {
        // Two labels, the top one reported; the IP version nibble tells
        // what the stack carries.
        let packet = Frame.decode(SampleFrames.mplsOverIPv6)
        #expect(packet.decodeError == nil)
        #expect(packet.mplsLabel == 16)
        #expect(packet.ipVersion == 6)
        #expect(packet.source.description == "2001:db8::1" && packet.destination.description == "2001:db8::2")
        #expect(packet.ttl == 255)
        #expect(packet.ipLength == 40 + 20)
        #expect(packet.sourcePort == 179 && packet.tcpFlags == 0x02 && packet.payloadLength == 0)
    }

    @Test func pppoeSessionCarryingAnEchoRequest() {
        let packet = Frame.decode(SampleFrames.pppoeEchoRequest)
        #expect(packet.decodeError == nil)
        #expect(packet.ipProtocol == 1)
        #expect(packet.icmpType == 8 && packet.icmpCode == 0 && packet.icmpID == 0x4242)
        #expect(packet.sourcePort == -1)
        #expect(packet.ipLength == 20 + 8 + 56)
        #expect(packet.payloadLength == 56)
    }

    @Test func ipv4OptionsMoveTheTransportHeader() {
        // Header length 6 words: three NOPs and an end-of-options byte.
        let packet = Frame.decode(SampleFrames.ipv4Options)
        #expect(packet.decodeError == nil)
        #expect(packet.sourcePort == 25 && packet.destinationPort == 41000)
        #expect(packet.tcpSequence == 7 && packet.tcpAcknowledgement == 9)
        #expect(packet.ipLength == 24 + 20 + 5)
        #expect(packet.payloadLength == 5)
    }

    @Test func ipv6ExtensionChain() {
        // Hop-by-hop (8 bytes), then destination options (16), then TCP.
        let packet = Frame.decode(SampleFrames.ipv6ExtensionChain)
        #expect(packet.decodeError == nil)
        #expect(packet.ipProtocol == 6)
        #expect(packet.sourcePort == 22 && packet.destinationPort == 50000 && packet.tcpFlags == 0x11)
        #expect(packet.ipLength == 40 + 8 + 16 + 20 + 10)
        #expect(packet.payloadLength == 10)
    }

    // MARK: Fragments

    @Test func ipv4Fragments() {
        // A first fragment: more-fragments set, offset 0. Its UDP length
        // (3008) covers the whole datagram, so it is not checked against
        // this packet; the payload here is what the packet carries.
        let first = Frame.ipv4(protocol: 17, payload: Frame.udp(source: 1000, destination: 2000, payload: 100, lengthField: 3008),
                               id: 0x5555, fragmentField: 0x2000)
        let head = Frame.decode(Frame.ethernet(0x0800, first))
        #expect(head.decodeError == nil)
        #expect(head.fragmentOffset == 0 && head.moreFragments && head.fragmentID == 0x5555)
        #expect(head.sourcePort == 1000 && head.destinationPort == 2000)
        #expect(head.payloadLength == 100)

        // A later fragment: offset 185 units of 8 bytes, no transport header.
        let later = Frame.ipv4(protocol: 17, payload: [UInt8](repeating: 0xAB, count: 300), id: 0x5555, fragmentField: 185)
        let tail = Frame.decode(Frame.ethernet(0x0800, later))
        #expect(tail.decodeError == nil)
        #expect(tail.fragmentOffset == 185 * 8 && !tail.moreFragments && tail.fragmentID == 0x5555)
        #expect(tail.sourcePort == -1 && tail.destinationPort == -1)
        #expect(tail.payloadLength == 300)
    }

    @Test func ipv6Fragments() {
        let head = Frame.decode(SampleFrames.ipv6FirstFragment)
        #expect(head.decodeError == nil)
        #expect(head.ipProtocol == 17)
        #expect(head.fragmentOffset == 0 && head.moreFragments && head.fragmentID == 0xABCDEF)
        #expect(head.sourcePort == 1000 && head.payloadLength == 100)

        let later = Frame.ipv6Fragment(next: 17, offset: 1448, more: false, id: 0xABCDEF) + [UInt8](repeating: 0, count: 200)
        let tail = Frame.decode(Frame.ethernet(0x86DD, Frame.ipv6(next: 44, payload: later)))
        #expect(tail.decodeError == nil)
        #expect(tail.ipProtocol == 17)
        #expect(tail.fragmentOffset == 1448 && !tail.moreFragments)
        #expect(tail.sourcePort == -1)
        #expect(tail.payloadLength == 200)
    }

    // MARK: Lengths the capture does not match

    @Test func snaplenCutFrameKeepsTheHeadersLengths() {
        // Only the headers were captured (54 bytes of a 1454-byte frame):
        // the lengths come from the headers, which the wire length allows.
        let full = Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: Frame.tcp(
            source: 443, destination: 51000, sequence: 1, acknowledgement: 1, flags: 0x10, window: 65535, payload: 1400)))
        let packet = Frame.decode(Array(full.prefix(54)), wireLength: full.count)
        #expect(packet.decodeError == nil)
        #expect(packet.capturedLength == 54 && packet.wireLength == 1454)
        #expect(packet.ipLength == 1440)
        #expect(packet.payloadLength == 1400)
    }

    @Test func segmentationOffloadLeavesTheLengthZero() {
        // TSO/GRO: the IPv4 total length is 0; the frame's length counts.
        let segment = Frame.tcp(source: 5201, destination: 40000, sequence: 1, acknowledgement: 1, flags: 0x10, window: 512, payload: 1000)
        let packet = Frame.decode(Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: segment, totalLength: 0)))
        #expect(packet.decodeError == nil)
        #expect(packet.ipLength == 0)
        #expect(packet.payloadLength == 1000)
    }

    // MARK: Broken frames: what could be read, and the first error

    @Test func truncatedAndMalformedHeaders() {
        let segment = Frame.tcp(source: 1, destination: 2, sequence: 3, acknowledgement: 4, flags: 0x02, window: 5)
        let good = Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: segment))

        let shortLink = Frame.decode(Array(good.prefix(13)))
        #expect(shortLink.decodeError == .truncatedLinkHeader && !shortLink.isIP)

        let shortIP = Frame.decode(Array(good.prefix(14 + 19)), wireLength: good.count)
        #expect(shortIP.decodeError == .truncatedIPHeader && !shortIP.isIP)

        // Ten bytes of TCP captured: the ports, not the rest.
        let shortTCP = Frame.decode(Array(good.prefix(14 + 20 + 10)), wireLength: good.count)
        #expect(shortTCP.decodeError == .truncatedTCPHeader)
        #expect(shortTCP.sourcePort == 1 && shortTCP.destinationPort == 2 && shortTCP.tcpFlags == -1)

        let smallIHL = Frame.decode(Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: segment, headerWords: 4)))
        #expect(smallIHL.decodeError == .badIPHeaderLength)
        #expect(smallIHL.source.description == "10.0.0.1")

        // A total length of 500 on a 38-byte datagram: the length field as
        // read, the transport decoded within what is there.
        let datagram = Frame.ipv4(protocol: 17, payload: Frame.udp(source: 7, destination: 9, payload: 10), totalLength: 500)
        let longIP = Frame.decode(Frame.ethernet(0x0800, datagram))
        #expect(longIP.decodeError == .badIPTotalLength)
        #expect(longIP.ipLength == 500)
        #expect(longIP.sourcePort == 7 && longIP.payloadLength == 10)

        let shortUDPLength = Frame.decode(Frame.ethernet(0x0800, Frame.ipv4(protocol: 17, payload: Frame.udp(
            source: 7, destination: 9, payload: 10, lengthField: 4))))
        #expect(shortUDPLength.decodeError == .badUDPLength)
        #expect(shortUDPLength.payloadLength == 10)

        for words in [4, 15] {
            let tcp = Frame.tcp(source: 1, destination: 2, sequence: 3, acknowledgement: 4, flags: 0x02, window: 5, dataOffsetWords: words)
            let packet = Frame.decode(Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: tcp)))
            #expect(packet.decodeError == .badTCPHeaderLength, "data offset \(words) words")
            #expect(packet.tcpFlags == 0x02)
        }

        // EtherType IPv4 over an IPv6 header.
        let wrongVersion = Frame.decode(Frame.ethernet(0x0800, Frame.ipv6(next: 59, payload: [])))
        #expect(wrongVersion.decodeError == .badIPVersion && !wrongVersion.isIP)

        // A hop-by-hop header claiming 24 bytes of an 8-byte payload.
        var extensionHeader = Frame.ipv6Extension(next: 6, length: 8)
        extensionHeader[1] = 2
        let longExtension = Frame.decode(Frame.ethernet(0x86DD, Frame.ipv6(next: 0, payload: extensionHeader)))
        #expect(longExtension.decodeError == .truncatedIPv6Extension)
        #expect(longExtension.ipProtocol == 0)

        // An echo request cut after type, code and checksum.
        let echo = Frame.ethernet(0x0800, Frame.ipv4(protocol: 1, payload: Frame.icmp(type: 8, id: 77, payload: 8)))
        let shortEcho = Frame.decode(Array(echo.prefix(14 + 20 + 6)), wireLength: echo.count)
        #expect(shortEcho.decodeError == .truncatedICMPHeader)
        #expect(shortEcho.icmpType == 8 && shortEcho.icmpID == -1)

        let shortTag = Frame.decode(Frame.ethernet(0x8100, [0, 100]))
        #expect(shortTag.decodeError == .truncatedVLANTag)
        let shortStack = Frame.decode(Frame.ethernet(0x8847, Frame.mplsEntry(label: 16, bottom: false)))
        #expect(shortStack.decodeError == .truncatedMPLS && shortStack.mplsLabel == 16)
        let shortSession = Frame.decode(Frame.ethernet(0x8864, [0x11, 0, 0, 1]))
        #expect(shortSession.decodeError == .truncatedPPPoE)
    }

    // MARK: Frames without IP

    @Test func framesWithoutIP() {
        let arp = Frame.decode(Frame.ethernet(0x0806, [UInt8](repeating: 0, count: 28)))
        #expect(arp.decodeError == nil && !arp.isIP && arp.etherType == 0x0806)

        // Below 0x0600 the field is an 802.3 length: no EtherType to report.
        let llc = Frame.decode(Frame.ethernet(0x0026, [UInt8](repeating: 0x42, count: 38)))
        #expect(llc.decodeError == nil && !llc.isIP && llc.etherType == -1)

        let taggedLLDP = Frame.decode(Frame.ethernet(0x8100, Frame.vlanTag(id: 12, then: 0x88CC) + [0, 0]))
        #expect(taggedLLDP.decodeError == nil && taggedLLDP.vlan == 12 && taggedLLDP.etherType == 0x88CC)
    }

    @Test func theDecoderForgetsThePreviousFrame() {
        var decoder = PacketDecoder()
        let tcp = Frame.ethernet(0x8100, Frame.vlanTag(id: 7, then: 0x0800) + Frame.ipv4(protocol: 6, payload: Frame.tcp(
            source: 80, destination: 60000, sequence: 1, acknowledgement: 1, flags: 0x12, window: 100)))
        let arp = Frame.ethernet(0x0806, [UInt8](repeating: 0, count: 28))
        for bytes in [tcp, arp] {
            bytes.withUnsafeBytes { raw in
                decoder.decode(CapturedFrame(timestamp: Timestamp(nanoseconds: 0), wireLength: bytes.count, bytes: raw, linkType: .ethernet))
            }
        }
        let packet = decoder.packet
        #expect(!packet.isIP && packet.vlan == -1 && packet.sourcePort == -1 && packet.tcpFlags == -1 && packet.ipLength == -1)
        #expect(packet.etherType == 0x0806 && packet.wireLength == 42)
    }

    // MARK: Link types

    /// A UDP datagram from 10.0.0.1:4000 to 192.168.7.9:53 with 12 bytes of
    /// payload, and its IPv6 twin from 2001:db8::1.
    static let datagram4 = Frame.ipv4(protocol: 17, payload: Frame.udp(source: 4000, destination: 53, payload: 12))
    static let datagram6 = Frame.ipv6(next: 17, payload: Frame.udp(source: 4000, destination: 53, payload: 12))

    static func nflog(family: UInt8, _ packet: [UInt8]) -> [UInt8] {
        // Header (family, version, resource id), a prefix TLV (type 10,
        // "drop", padded to 8 bytes), then the packet TLV (type 9); TLV
        // lengths and types are little-endian.
        let prefix = Frame.le16(9) + Frame.le16(10) + Array("drop\0".utf8) + [0, 0, 0]
        return [family, 0] + Frame.be16(0) + prefix + Frame.le16(4 + packet.count) + Frame.le16(9) + packet
    }

    static let linkCases: [(name: String, link: LinkType, bytes: [UInt8], version: UInt8)] = [
        ("raw IPv4", .raw, datagram4, 4),
        ("raw IPv6", .raw, datagram6, 6),
        ("DLT 12 raw", .rawDLT12, datagram4, 4),
        ("LINKTYPE_IPV6", .ipv6, datagram6, 6),
        ("NULL, little-endian AF_INET", .null, Frame.le32(2) + datagram4, 4),
        ("NULL, macOS AF_INET6 (30)", .null, Frame.le32(30) + datagram6, 6),
        ("NULL from a big-endian host", .null, Frame.be32(2) + datagram4, 4),
        ("LOOP, network order", .loop, Frame.be32(24) + datagram6, 6),
        ("Linux cooked v1", .linuxSLL, Frame.be16(0) + Frame.be16(1) + Frame.be16(6) + [UInt8](repeating: 0xEE, count: 8)
            + Frame.be16(0x0800) + datagram4, 4),
        ("Linux cooked v2", .linuxSLL2, Frame.be16(0x86DD) + [0, 0] + Frame.be32(3) + Frame.be16(1) + [4, 6]
            + [UInt8](repeating: 0xEE, count: 8) + datagram6, 6),
        ("NFLOG IPv4", .nflog, nflog(family: 2, datagram4), 4),
        ("NFLOG IPv6", .nflog, nflog(family: 10, datagram6), 6),
        ("PPP in HDLC framing", .ppp, [0xFF, 0x03] + Frame.be16(0x0021) + datagram4, 4),
        ("PPP, bare protocol", .pppSerial, Frame.be16(0x0057) + datagram6, 6),
        ("PPPoE without Ethernet", .pppOverEthernet, [0x11, 0, 0, 1] + Frame.be16(2 + datagram4.count) + Frame.be16(0x0021) + datagram4, 4),
        ("Cisco HDLC", .ciscoHDLC, [0x0F, 0x00] + Frame.be16(0x0800) + datagram4, 4),
    ]

    @Test(arguments: linkCases.indices)
    func linkType(_ index: Int) {
        let (name, link, bytes, version) = Self.linkCases[index]
        let packet = Frame.decode(bytes, link: link)
        #expect(packet.decodeError == nil, "\(name)")
        #expect(packet.ipVersion == version, "\(name)")
        #expect(packet.source.description == (version == 4 ? "10.0.0.1" : "2001:db8::1"), "\(name)")
        #expect(packet.sourcePort == 4000 && packet.destinationPort == 53 && packet.payloadLength == 12, "\(name)")
    }

    @Test func linkTypesWithoutIPOrUnknown() {
        let netlink = Frame.decode([UInt8](repeating: 0, count: 32), link: .netlink)
        #expect(netlink.decodeError == nil && !netlink.isIP)
        // LINKTYPE_USER0 (147): nothing known about its frames.
        let unknown = Frame.decode(Self.datagram4, link: LinkType(147))
        #expect(unknown.decodeError == .unsupportedLinkType && !unknown.isIP)
        let promisedIPv4 = Frame.decode(Self.datagram6, link: .ipv4)
        #expect(promisedIPv4.decodeError == .badIPVersion)
    }
}
