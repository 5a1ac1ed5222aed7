import Foundation
import SluiceCore
import Testing
@testable import TrafficGen

/// In-process tests of the generator's output, read back with a small pcap
/// parser and with tcpdump/capinfos.
@Suite struct GeneratorTests {
    // Expected: identical bytes, by definition of determinism; a different
    // seed must change them, or the comparison could not fail.
    @Test func sameOptionsGiveIdenticalBytes() throws {
        let a = try Fixtures.read(Fixtures.generate(Fixtures.options(packets: 20_000), name: "same-a.pcap").path)
        let b = try Fixtures.read(Fixtures.generate(Fixtures.options(packets: 20_000), name: "same-b.pcap").path)
        let c = try Fixtures.read(Fixtures.generate(Fixtures.options(packets: 20_000, seed: 2), name: "same-c.pcap").path)
        #expect(a.count > 24 + 20_000 * 16)
        #expect(a == b)
        #expect(a != c)
    }

    // Expected: N records, counted three independent ways (our parser,
    // tcpdump's one line per packet, capinfos -c).
    @Test(arguments: [1, 7, 5_000]) func packetsGivesExactlyNPackets(count: Int) throws {
        let (path, summary) = try Fixtures.generate(Fixtures.options(packets: count), name: "count-\(count).pcap")
        #expect(summary.packets == count)
        let parsed = try #require(Fixtures.records(Fixtures.read(path)))
        #expect(parsed.records.count == count)
        let tcpdump = try Fixtures.run("/usr/bin/tcpdump", ["-n", "-r", path])
        #expect(tcpdump.status == 0)
        #expect(tcpdump.stdout.split(separator: "\n").count == count)
        let capinfos = try Fixtures.run("/usr/bin/capinfos", ["-c", "-M", path])
        #expect(capinfos.stdout.contains("Number of packets:   \(count)\n"))
    }

    // Expected: the header fields the pcap format defines (magic a1b2c3d4
    // stored little-endian, version 2.4, link type 1 = Ethernet); stored
    // length = min(wire length, snaplen), and the default 128 really cuts
    // full-sized segments (wire 1514 bytes for IPv4 MSS 1460).
    @Test func headerAndSnapLength() throws {
        let path = try Fixtures.generate(Fixtures.options(packets: 3_000), name: "header.pcap").path
        let bytes = try Fixtures.read(path)
        #expect(Array(bytes[0..<8]) == [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0])
        let parsed = try #require(Fixtures.records(bytes))
        #expect(parsed.snapLength == 128)
        #expect(parsed.linkType == 1)
        for record in parsed.records {
            #expect(record.storedBytes == min(record.wireBytes, 128))
        }
        #expect(parsed.records.contains { $0.wireBytes == 1514 })
        #expect(parsed.records.allSatisfy { $0.fraction < 1_000_000 })
    }

    // Expected: magic a1b23c4d (nanosecond pcap) and fractions below 1e9.
    @Test func nanosecondTimestamps() throws {
        var options = Fixtures.options(packets: 500)
        options.nanosecondTimestamps = true
        let bytes = try Fixtures.read(Fixtures.generate(options, name: "nano.pcap").path)
        #expect(Array(bytes[0..<4]) == [0x4D, 0x3C, 0xB2, 0xA1])
        let parsed = try #require(Fixtures.records(bytes))
        #expect(parsed.records.allSatisfy { $0.fraction < 1_000_000_000 })
        #expect(parsed.records.contains { $0.fraction % 1000 != 0 })
    }

    // Expected: with --duration 3 every packet lies in [start, start + 3 s),
    // timestamps never go backwards, and traffic fills the window (the last
    // packet falls after 2.9 s: at 400 sessions/s gaps are milliseconds).
    @Test func durationBoundsTheTimestamps() throws {
        var options = TrafficOptions()
        options.packets = nil
        options.duration_ns = 3_000_000_000
        let (path, summary) = try Fixtures.generate(options, name: "duration.pcap")
        let parsed = try #require(Fixtures.records(Fixtures.read(path)))
        let start: Int64 = 1_767_225_600_000_000
        let times = parsed.records.map { Int64($0.seconds) * 1_000_000 + Int64($0.fraction) }
        #expect(summary.packets == parsed.records.count)
        #expect(times.first! >= start)
        #expect(times.last! < start + 3_000_000)
        #expect(times.last! > start + 2_900_000)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
    }

    // Expected: the first packet falls within the first second after the
    // chosen start (the first session starts after one exponential gap of
    // mean 2.5 ms), whichever way the start was written.
    @Test func startMovesTheWholeCapture() throws {
        var options = Fixtures.options(packets: 100)
        options.start = try #require(parseStartTime("2030-06-15T12:00:00Z"))
        let parsed = try #require(Fixtures.records(Fixtures.read(Fixtures.generate(options, name: "start.pcap").path)))
        // 2030-06-15T12:00:00Z is 1907755200 (date -u -d 2030-06-15T12:00:00Z +%s).
        #expect(parsed.records.first!.seconds == 1_907_755_200)
    }

    // Expected: every kind of traffic appears in a default 20,000-packet run,
    // classified from the stored bytes (EtherType 0x0800/0x86DD, IP protocol
    // 6/17/1/58, UDP port 53), and TCP dominates as in real networks.
    @Test func mixContainsEveryKind() throws {
        let parsed = try #require(Fixtures.records(Fixtures.read(
            Fixtures.generate(Fixtures.options(packets: 20_000), name: "mix.pcap").path)))
        var tcp = 0, dns = 0, icmp = 0, icmpv6 = 0, ipv6 = 0, ipv4 = 0
        for record in parsed.records {
            let frame = Array(record.data)
            let etherType = Int(frame[12]) << 8 | Int(frame[13])
            let proto: UInt8
            let transport: Int
            if etherType == 0x86DD { ipv6 += 1; proto = frame[20]; transport = 54 } else { ipv4 += 1; proto = frame[23]; transport = 34 }
            switch proto {
            case 6: tcp += 1
            case 17 where frame[transport + 1] == 53 || frame[transport + 3] == 53: dns += 1
            case 1: icmp += 1
            case 58: icmpv6 += 1
            default: break
            }
        }
        #expect(tcp > 15_000)
        #expect(dns > 100)
        #expect(icmp > 10)
        #expect(ipv6 > 500)
        #expect(ipv4 > ipv6)
        // ICMPv6 is rarer (a tenth of a few percent of sessions); ask for a longer run.
        if icmpv6 == 0 {
            let longer = try #require(Fixtures.records(Fixtures.read(
                Fixtures.generate(Fixtures.options(packets: 200_000), name: "mix-long.pcap").path)))
            #expect(longer.records.contains { $0.data[$0.data.startIndex + 12] == 0x86 && $0.data[$0.data.startIndex + 20] == 58 })
        }
    }

    // Expected: about 50 packets per session, so 5,000,000 packets hold
    // roughly 100,000 flows as the benchmark assumes. Bounds are loose (30 to
    // 80) because sizes are heavy-tailed.
    @Test func meanPacketsPerSessionIsAboutFifty() throws {
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let summary = try TrafficGenerator(options: Fixtures.options(packets: 300_000))
            .run(writer: PcapWriter(fileDescriptor: devNull))
        let mean = Double(summary.packets) / Double(summary.sessionsStarted)
        #expect(mean > 30 && mean < 80, "mean \(mean)")
    }

    // Expected: the example header from RFC 1071 practice (Wikipedia's
    // "IPv4 header checksum" worked example): 4500 0073 0000 4000 4011 ….
    // c0a8 0001 c0a8 00c7 has checksum b861.
    @Test func ipv4HeaderChecksumMatchesWorkedExample() {
        let builder = PacketBuilder()
        let ends = Endpoints(isIPv6: false, clientMAC: 1, serverMAC: 2, clientIPv4: 0xC0A8_0001, serverIPv4: 0xC0A8_00C7,
                             clientPort: 1000, serverPort: 53, clientTTL: 64, serverTTL: 64)
        _ = builder.beginUDP(ends, fromClient: true, ipID: 0)
        builder.finishUDP(payloadBytes: 0x73 - 28)
        #expect(builder.bytes[24] == 0xB8)
        #expect(builder.bytes[25] == 0x61)
    }

    // Expected: the heap pops in (time, insertion) order, checked against a
    // plain sort of the same entries.
    @Test func eventQueueOrdersByTimeThenArrival() {
        var queue = EventQueue()
        var random = SeededRandom(seed: 9)
        var expected: [(Int64, Int32)] = []
        for slot in 0..<1000 {
            let time = Int64(random.below(50))
            queue.push(time: time, slot: Int32(slot))
            expected.append((time, Int32(slot)))
        }
        expected.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var popped: [(Int64, Int32)] = []
        while !queue.isEmpty { popped.append((queue.first.time, queue.first.slot)); queue.removeFirst() }
        #expect(popped.map(\.0) == expected.map(\.0))
        #expect(popped.map(\.1) == expected.map(\.1))
    }
}

/// `--start` accepts epoch seconds and ISO-8601 UTC.
@Suite struct StartTimeTests {
    // Expected values from `date -u -d <iso> +%s` (GNU date).
    @Test func isoAndDecimalForms() throws {
        #expect(parseStartTime("1767225600") == Timestamp(seconds: 1_767_225_600))
        #expect(parseStartTime("2026-01-01T00:00:00Z") == Timestamp(seconds: 1_767_225_600))
        #expect(parseStartTime("2000-02-29T12:34:56.5Z") == Timestamp(seconds: 951_827_696, nanoseconds: 500_000_000))
        #expect(parseStartTime("1970-01-01T00:00:00Z") == Timestamp(seconds: 0))
        #expect(parseStartTime("1767225600.25") == Timestamp(seconds: 1_767_225_600, nanoseconds: 250_000_000))
    }

    @Test(arguments: ["", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+01:00", "2026-13-01T00:00:00Z",
                      "2025-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "yesterday", "2026-01-01T00:00:00.Z"])
    func rejectsOtherForms(text: String) {
        #expect(parseStartTime(text) == nil)
    }
}
