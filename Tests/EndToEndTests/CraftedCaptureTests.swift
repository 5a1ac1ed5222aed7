import Foundation
import Testing

/// Hostile captures built byte by byte, from a code review's reproducers:
/// each once crashed sniff (an integer trap) or lost records. Expected
/// values follow from what the test builds: how many packets, which ones a
/// filter accepts, which interface is broken.
@Suite struct CraftedCaptureTests {
    // MARK: Building captures

    static let ethernetHeader: [UInt8] = [UInt8](repeating: 2, count: 6) + [UInt8](repeating: 4, count: 6) + [0x08, 0x00]

    static func ipv4(protocolNumber: UInt8, totalLength: UInt16, payload: [UInt8] = []) -> [UInt8] {
        [0x45, 0] + bigEndian(totalLength) + [0, 1, 0, 0, 64, protocolNumber, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2] + payload
    }

    /// A TCP SYN from 1234 to 80, 20 bytes.
    static let tcpSyn: [UInt8] = bigEndian(UInt16(1234)) + bigEndian(UInt16(80)) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 2, 0x03, 0xE8, 0, 0, 0, 0]
    static let goodFrame = ethernetHeader + ipv4(protocolNumber: 6, totalLength: 40, payload: tcpSyn)

    static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func little<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    static func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(12 + padded.count)
        return little(type) + little(length) + padded + little(length)
    }

    static let sectionHeader = block(0x0A0D_0D0A, little(UInt32(0x1A2B_3C4D)) + little(UInt16(1)) + little(UInt16(0)) + little(Int64(-1)))

    static func interface(linkType: UInt16, snaplen: UInt32 = 0, options: [UInt8] = []) -> [UInt8] {
        block(1, little(linkType) + little(UInt16(0)) + little(snaplen) + options)
    }

    static func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        little(code) + little(UInt16(value.count)) + value + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    static func packet(interface: UInt32, _ data: [UInt8], wireLength: UInt32? = nil) -> [UInt8] {
        let ticks: UInt64 = 1_767_225_600_000_000
        return block(6, little(interface) + little(UInt32(ticks >> 32)) + little(UInt32(ticks & 0xFFFF_FFFF))
                     + little(UInt32(data.count)) + little(wireLength ?? UInt32(data.count)) + data)
    }

    static func classicPcap(linkType: UInt32, _ records: [(data: [UInt8], wireLength: UInt32)]) -> [UInt8] {
        var bytes = little(UInt32(0xA1B2_C3D4)) + little(UInt16(2)) + little(UInt16(4))
            + little(Int32(0)) + little(UInt32(0)) + little(UInt32(65535)) + little(linkType)
        for record in records {
            bytes += little(UInt32(1_767_225_600)) + little(UInt32(0)) + little(UInt32(record.data.count))
                + little(record.wireLength) + record.data
        }
        return bytes
    }

    static func sniff(_ bytes: [UInt8], _ arguments: [String], name: String = "crafted") throws -> ToolOutput {
        let path = E2E.scratchDirectory("crafted") + "/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let result = try run(E2E.sniff, ["-q", "-r", path] + arguments, timeout: 30)
        return ToolOutput(result)
    }

    // MARK: Cases

    // A wire length near 4 GiB with an IPv4 length of 0 (the offload case)
    // once trapped converting the derived length to Int32, and lost the
    // records buffered before it. Expected: 1000 good records + 1, status 0.
    @Test func hugeWireLengthAfterGoodPackets() throws {
        let broken = Self.ethernetHeader + Self.ipv4(protocolNumber: 47, totalLength: 0)
        let bytes = Self.sectionHeader + Self.interface(linkType: 1)
            + (0..<1000).flatMap { _ in Self.packet(interface: 0, Self.goodFrame) }
            + Self.packet(interface: 0, broken, wireLength: 0xFFFF_FFFF)
        let output = try Self.sniff(bytes, [], name: "huge-wire.pcapng")
        #expect(!output.signaled && output.status == 0, "status \(output.status); stderr \(output.stderr)")
        #expect(output.records.count == 1001)
    }

    // The same through libpcap (classic pcap), IPv4 and IPv6 (payload length 0).
    @Test func hugeWireLengthClassicPcap() throws {
        let ipv6: [UInt8] = [0x60, 0, 0, 0, 0, 0, 17, 64] + [0x20, 0x01] + [UInt8](repeating: 0, count: 14)
            + [0x20, 0x01] + [UInt8](repeating: 0, count: 13) + [2] + [0, 53, 0, 53, 0, 8, 0, 0]
        let ethernet6 = Array(Self.ethernetHeader.dropLast(2)) + [0x86, 0xDD]
        let bytes = Self.classicPcap(linkType: 1, [
            (Self.ethernetHeader + Self.ipv4(protocolNumber: 47, totalLength: 0), 0xFFFF_FFFF),
            (ethernet6 + ipv6, 0x9000_0000),
        ])
        let output = try Self.sniff(bytes, [], name: "huge-wire.pcap")
        #expect(!output.signaled && output.status == 0, "status \(output.status); stderr \(output.stderr)")
        #expect(output.records.count == 2)
    }

    // An interface time offset of Int64.min once trapped in abs().
    // Expected: damage named at the interface, status 1, no signal.
    @Test func absurdTimeOffset() throws {
        let offset = Self.option(14, Self.little(Int64.min)) + Self.option(0, [])
        let bytes = Self.sectionHeader + Self.interface(linkType: 1, options: offset) + Self.packet(interface: 0, Self.goodFrame)
        let output = try Self.sniff(bytes, [], name: "offset.pcapng")
        #expect(!output.signaled && output.status == 1)
        #expect(output.stderr.contains("interface 0: time offset"), "stderr: \(output.stderr)")
    }

    // A snaplen of 0xFFFFFFFF once trapped when the filter was compiled.
    // Expected: the one TCP packet passes the filter `tcp`.
    @Test func hugeSnaplenWithFilter() throws {
        let bytes = Self.sectionHeader + Self.interface(linkType: 1, snaplen: 0xFFFF_FFFF) + Self.packet(interface: 0, Self.goodFrame)
        let output = try Self.sniff(bytes, ["tcp"], name: "snaplen.pcapng")
        #expect(!output.signaled && output.status == 0, "stderr: \(output.stderr)")
        #expect(output.records.count == 1)
    }

    // A pcapng raw-IP interface (file link type 101, DLT_RAW 12 inside
    // libpcap) once made every filter a usage error. Expected: the one TCP
    // packet passes `tcp`, the filter `udp` passes none.
    @Test func filterOnRawIPInterface() throws {
        let bytes = Self.sectionHeader + Self.interface(linkType: 101)
            + Self.packet(interface: 0, Self.ipv4(protocolNumber: 6, totalLength: 40, payload: Self.tcpSyn))
        let tcp = try Self.sniff(bytes, ["tcp"], name: "raw-tcp.pcapng")
        #expect(tcp.status == 0 && tcp.records.count == 1, "stderr: \(tcp.stderr)")
        let udp = try Self.sniff(bytes, ["udp"], name: "raw-udp.pcapng")
        #expect(udp.status == 0 && udp.records.isEmpty, "stderr: \(udp.stderr)")
    }

    // A filter that compiles for the first interface (Ethernet) but not for
    // a later one (raw IP has no Ethernet addresses) once lost the records
    // already read and exited as a usage error. Expected: the 10 Ethernet
    // packets (source 04:04:04:04:04:04, all accepted) are written, then
    // damage at interface 1 and status 1.
    @Test func filterFailingOnALaterInterface() throws {
        let bytes = Self.sectionHeader + Self.interface(linkType: 1)
            + (0..<10).flatMap { _ in Self.packet(interface: 0, Self.goodFrame) }
            + Self.interface(linkType: 101)
            + Self.packet(interface: 1, Self.ipv4(protocolNumber: 6, totalLength: 40, payload: Self.tcpSyn))
        let output = try Self.sniff(bytes, ["ether", "src", "04:04:04:04:04:04"], name: "later.pcapng")
        #expect(output.status == 1, "stderr: \(output.stderr)")
        #expect(output.records.count == 10)
        #expect(output.stderr.contains("interface 1:"), "stderr: \(output.stderr)")
    }
}
