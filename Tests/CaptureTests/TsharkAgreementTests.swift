@testable import Capture
import Foundation
import SluiceCore
import Testing

/// The frames `PacketDecoderTests` checks (`SampleFrames`), read by an
/// independent decoder: tshark must find in each the addresses, ports, tags
/// and labels the tests expect the decoder to find, so the built bytes mean
/// what the tests say they mean.
@Suite struct TsharkAgreementTests {
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
        try Data(Self.classicPcap(SampleFrames.all)).write(to: URL(fileURLWithPath: path))

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
        try #require(lines.count == SampleFrames.all.count, "tshark read \(lines.count) frames")

        for (index, (frame, line)) in zip(SampleFrames.all, lines).enumerated() {
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
