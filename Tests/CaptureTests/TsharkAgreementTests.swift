@testable import Capture
import Foundation
import SluiceCore
import Testing

/// The frames `PacketDecoderTests` builds, read by an independent decoder:
/// tshark must find in each the addresses, ports, tags and labels the
/// tests expect the decoder to find, so the built bytes mean what the tests
/// say they mean.
@Suite struct TsharkAgreementTests {
    static let frames: [[UInt8]] = [
        Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: Frame.tcp(
            source: 40000, destination: 443, sequence: 1000, acknowledgement: 2000, flags: 0x18, window: 501,
            options: [1, 1, 8, 10] + [UInt8](repeating: 0, count: 8), payload: 100), ttl: 57)),
        Frame.ethernet(0x88A8, Frame.vlanTag(id: 5 << 13 | 1 << 12 | 100, then: 0x8100) + Frame.vlanTag(id: 200, then: 0x0800)
            + Frame.ipv4(protocol: 17, payload: Frame.udp(source: 5353, destination: 53, payload: 30))),
        Frame.ethernet(0x8847, Frame.mplsEntry(label: 16, bottom: false) + Frame.mplsEntry(label: 1_048_575, bottom: true)
            + Frame.ipv6(next: 6, payload: Frame.tcp(source: 179, destination: 33000, sequence: 1, acknowledgement: 0,
                                                     flags: 0x02, window: 16384), hopLimit: 255)),
        Frame.ethernet(0x0800, Frame.ipv4(protocol: 6, payload: Frame.tcp(
            source: 25, destination: 41000, sequence: 7, acknowledgement: 9, flags: 0x10, window: 1024, payload: 5), options: [1, 1, 1, 0])),
        Frame.ethernet(0x86DD, Frame.ipv6(next: 0, payload: Frame.ipv6Extension(next: 60, length: 8) + Frame.ipv6Extension(next: 6, length: 16)
            + Frame.tcp(source: 22, destination: 50000, sequence: 5, acknowledgement: 6, flags: 0x11, window: 300, payload: 10))),
        Frame.ethernet(0x0800, Frame.ipv4(protocol: 1, payload: Frame.icmp(type: 8, id: 0x4242, payload: 56))),
        Frame.ethernet(0x86DD, Frame.ipv6(next: 44, payload: Frame.ipv6Fragment(next: 17, offset: 0, more: true, id: 0xABCDEF)
            + Frame.udp(source: 1000, destination: 2000, payload: 100, lengthField: 3008))),
    ]

    static let fields = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "ip.ttl", "ipv6.hlim", "tcp.srcport", "udp.srcport",
                         "tcp.dstport", "udp.dstport", "tcp.flags", "ieee8021ad.id", "vlan.id", "mpls.label", "icmp.type"]

    @Test func tsharkReadsWhatTheDecoderReads() throws {
        let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tshark else {
            Issue.record("tshark is not installed (bin/install-deps installs it); it is this test's oracle")
            return
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-decoder-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Self.classicPcap(Self.frames)).write(to: URL(fileURLWithPath: path))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments = ["-n", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
                             "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"] + Self.fields.flatMap { ["-e", $0] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        try #require(lines.count == Self.frames.count, "tshark read \(lines.count) frames")

        for (index, (frame, line)) in zip(Self.frames, lines).enumerated() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var read: [String: String] = [:]
            for (name, value) in zip(Self.fields, columns) where !value.isEmpty { read[name] = value }
            let packet = Frame.decode(frame)
            let ipv6 = packet.ipVersion == 6
            #expect(packet.decodeError == nil, "frame \(index + 1)")
            #expect(read[ipv6 ? "ipv6.src" : "ip.src"] == packet.source.description, "frame \(index + 1)")
            #expect(read[ipv6 ? "ipv6.dst" : "ip.dst"] == packet.destination.description, "frame \(index + 1)")
            #expect(read[ipv6 ? "ipv6.hlim" : "ip.ttl"] == String(packet.ttl), "frame \(index + 1)")
            let transport = packet.ipProtocol == 6 ? "tcp" : "udp"
            #expect(read["\(transport).srcport"] == (packet.sourcePort < 0 ? nil : String(packet.sourcePort)), "frame \(index + 1)")
            #expect(read["\(transport).dstport"] == (packet.destinationPort < 0 ? nil : String(packet.destinationPort)), "frame \(index + 1)")
            #expect(read["tcp.flags"].flatMap { Int32($0.dropFirst(2), radix: 16) } == (packet.tcpFlags < 0 ? nil : packet.tcpFlags),
                    "frame \(index + 1)")
            // tshark names the outer 802.1ad tag apart from 802.1Q ones.
            let tags = [read["ieee8021ad.id"], read["vlan.id"]].compactMap { $0 }
            #expect(tags == [packet.vlan, packet.innerVLAN].filter { $0 >= 0 }.map(String.init), "frame \(index + 1)")
            #expect(read["mpls.label"] == (packet.mplsLabel < 0 ? nil : String(packet.mplsLabel)), "frame \(index + 1)")
            #expect(read["icmp.type"] == (packet.icmpType < 0 ? nil : String(packet.icmpType)), "frame \(index + 1)")
        }
    }

    /// A classic pcap (microsecond, little-endian) of Ethernet frames.
    static func classicPcap(_ frames: [[UInt8]]) -> [UInt8] {
        var bytes = Frame.le32(0xA1B2_C3D4) + Frame.le16(2) + Frame.le16(4) + Frame.le32(0) + Frame.le32(0)
            + Frame.le32(65535) + Frame.le32(1)
        for (index, frame) in frames.enumerated() {
            bytes += Frame.le32(1_767_225_600 + index) + Frame.le32(0) + Frame.le32(frame.count) + Frame.le32(frame.count) + frame
        }
        return bytes
    }
}
