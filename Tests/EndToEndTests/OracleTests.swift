import Foundation
import Testing

/// sniff against tshark, frame by frame, over every well-formed shared
/// capture. sniff runs with `--non-ip`, so it writes exactly one record per
/// frame, in file order, and record i is matched with tshark's frame i.
@Suite struct OracleTests {
    /// pcapng whose interface 1 has timestamps in the year 586524 (tshark
    /// shows "Jan 19, 586524"): sniff skips those 100 packets with a counted
    /// `timestamp_out_of_range` message and ends with status 1.
    static let pcapngExample = "linktypes/pcpp_pcapng_example.pcapng"

    /// Frames where tshark finds IP but sniff, like tcpdump, does not: the
    /// frame is a known disagreement between the readers, not a sniff bug.
    static let knownNonIP: [String: Set<Int>] = [
        // Frame 3's DLT_NULL header is the bytes 0f 00 08 00: not an address
        // family in either byte order (tcpdump: "AF Unknown (251660288)").
        // Wireshark takes the 08 00 as an EtherType and decodes IPv4; sniff
        // and tcpdump write a non-IP frame.
        "linktypes/pcpp_null_loopback.pcap": [3],
    ]

    /// tshark's frames that sniff should have a record for, in order.
    static func expectedFrames(_ file: String) async throws -> [TsharkFrame] {
        let frames = try await OutputCache.shared.tsharkFrames(file)
        if file == pcapngExample { return frames.filter { $0.first("frame.interface_id") == "0" } }
        return frames
    }

    // Expected: the 63 shared captures (SOURCES.tsv) are found; otherwise
    // every test over them would pass vacuously with no arguments.
    @Test func sharedCapturesAreFound() {
        #expect(E2E.allPcaps.count >= 60, "found \(E2E.allPcaps.count) captures in \(E2E.pcapsDirectory)")
        #expect(E2E.malformedPcaps.count >= 20)
    }

    // (a) Expected: the number of frames and the sum of their wire lengths
    // (frame.len) as tshark reads them. The pcapng example's exception is
    // checked exactly: 59 records + 100 counted skips = tshark's 159.
    @Test(arguments: E2E.wellFormedPcaps)
    func recordCountAndBytesMatchTshark(file: String) async throws {
        let frames = try await OutputCache.shared.tsharkFrames(file)
        let output = try await OutputCache.shared.sniffOutput(file)
        #expect(!output.signaled, "sniff died by signal \(output.status)")
        let records = output.records
        #expect(records.count == output.lines.count, "some lines are not flat JSON objects")
        let sniffBytes = records.reduce(0) { $0 + (Int($1["len"] ?? "") ?? 0) }
        if file == Self.pcapngExample {
            #expect(frames.count == 159)
            let interface0 = frames.filter { $0.first("frame.interface_id") == "0" }
            let interface1 = frames.filter { $0.first("frame.interface_id") == "1" }
            #expect(interface0.count == 59 && interface1.count == 100)
            #expect(records.count == 59)
            #expect(records.count + 100 == frames.count)
            #expect(sniffBytes == interface0.reduce(0) { $0 + Int($1.first("frame.len") ?? "0")! })
            #expect(output.status == 1)
            #expect(output.stderr.contains("timestamp_out_of_range 100"), "stderr: \(output.stderr)")
            return
        }
        let tsharkBytes = frames.reduce(0) { $0 + (Int($1.first("frame.len") ?? "") ?? 0) }
        #expect(output.status == 0, "stderr: \(output.stderr)")
        #expect(records.count == frames.count, "records: sniff \(records.count), tshark \(frames.count)")
        #expect(sniffBytes == tsharkBytes, "bytes: sniff \(sniffBytes), tshark \(tsharkBytes)")
    }

    // (b) Expected, per frame, from tshark's dissection of the same bytes:
    // - ts = frame.time_epoch (as decimals; tshark always prints 9 digits);
    // - src, dst, ttl, ip_len from the OUTERMOST IP header: the first value of
    //   ip.* or ipv6.*, whichever of ip/ipv6 comes first in frame.protocols
    //   (tshark lists inner headers of ICMP errors and tunnels after it);
    //   ip_len for IPv6 = 40 + ipv6.plen;
    // - proto: ip.proto; for IPv6, ipv6.nxt unless that is an extension
    //   header, in which case the transport layer tshark found after it;
    // - fragments: frag_offset = 8 * ip.frag_offset (tshark counts 8-byte
    //   units, sniff bytes), frag_more = ip.flags.mf, frag_id = ip.id;
    //   a later fragment (offset > 0) carries no ports in either reader;
    // - sport/dport, tcp_flags (= tcp.flags & 0xff: tshark's field includes
    //   the reserved and AE bits above the flag byte), icmp_type/code, when
    //   tshark's layer right after the outer IP header is tcp/udp/icmp/icmpv6;
    // - vlan, vlan_inner: the tags outermost first (ieee8021ad.id for an
    //   0x88a8 outer tag, then vlan.id).
    // A frame without ip/ipv6 in tshark's layers must be a record without IP.
    @Test(arguments: E2E.wellFormedPcaps)
    func fieldsMatchTshark(file: String) async throws {
        let frames = try await Self.expectedFrames(file)
        let records = try await OutputCache.shared.sniffOutput(file).records
        try #require(records.count == frames.count, "record count differs; see recordCountAndBytesMatchTshark")
        var mismatches: [String] = []
        for (frame, record) in zip(frames, records) {
            let number = Int(frame.first("frame.number") ?? "") ?? -1
            func check(_ field: String, _ expected: String?, _ actual: String?) {
                if expected != actual {
                    mismatches.append("\(file) frame \(number): \(field): tshark \(expected ?? "-"), sniff \(actual ?? "-")")
                }
            }
            if let epoch = frame.first("frame.time_epoch"), let ts = record["ts"], !sameDecimal(epoch, ts) {
                mismatches.append("\(file) frame \(number): ts: tshark \(epoch), sniff \(ts)")
            }
            check("len", frame.first("frame.len"), record["len"])
            let tags = frame.all("ieee8021ad.id") + frame.all("vlan.id")
            check("vlan", tags.first, record["vlan"])
            check("vlan_inner", tags.count > 1 ? tags[1] : nil, record["vlan_inner"])

            let layers = frame.layers
            guard let ipIndex = layers.firstIndex(where: { $0 == "ip" || $0 == "ipv6" }),
                  !(Self.knownNonIP[file]?.contains(number) ?? false) else {
                check("src (no IP layer)", nil, record["src"])
                continue
            }
            let family = layers[ipIndex]
            // The layer after the outer IP header and its extension headers.
            let transport = layers[(ipIndex + 1)...].first { !$0.hasPrefix("ipv6.") }
            if family == "ip" {
                check("src", frame.first("ip.src"), record["src"])
                check("dst", frame.first("ip.dst"), record["dst"])
                check("proto", frame.first("ip.proto"), record["proto"])
                check("ttl", frame.first("ip.ttl"), record["ttl"])
                check("ip_len", frame.first("ip.len"), record["ip_len"])
                let offsetUnits = Int(frame.first("ip.frag_offset") ?? "0") ?? 0
                let more = frame.first("ip.flags.mf") == "1"
                if offsetUnits != 0 || more {
                    check("frag_offset", String(offsetUnits * 8), record["frag_offset"])
                    check("frag_more", more ? "true" : "false", record["frag_more"])
                    let id = frame.first("ip.id").flatMap { Int($0.dropFirst(2), radix: 16) }
                    check("frag_id", id.map(String.init), record["frag_id"])
                } else {
                    check("frag_offset", nil, record["frag_offset"])
                }
                if offsetUnits != 0 {
                    check("sport (later fragment)", nil, record["sport"])
                }
            } else {
                check("src", frame.first("ipv6.src"), record["src"])
                check("dst", frame.first("ipv6.dst"), record["dst"])
                check("ttl", frame.first("ipv6.hlim"), record["ttl"])
                check("ip_len", frame.first("ipv6.plen").flatMap { Int($0) }.map { String($0 + 40) }, record["ip_len"])
                let next = frame.first("ipv6.nxt")
                let extensionHeaders: Set<String> = ["0", "43", "44", "51", "60", "135", "139", "140"]
                if let next, !extensionHeaders.contains(next) {
                    check("proto", next, record["proto"])
                } else {
                    let numbers = ["tcp": "6", "udp": "17", "icmpv6": "58"]
                    if let transport, let number = numbers[transport] { check("proto", number, record["proto"]) }
                }
            }
            switch (record["proto"], transport) {
            case ("6", "tcp"):
                check("sport", frame.first("tcp.srcport"), record["sport"])
                check("dport", frame.first("tcp.dstport"), record["dport"])
                let flags = frame.first("tcp.flags").flatMap { Int($0.dropFirst(2), radix: 16) }
                check("tcp_flags", flags.map { String($0 & 0xFF) }, record["tcp_flags"])
            case ("17", "udp"):
                check("sport", frame.first("udp.srcport"), record["sport"])
                check("dport", frame.first("udp.dstport"), record["dport"])
            case ("1", "icmp"):
                check("icmp_type", frame.first("icmp.type"), record["icmp_type"])
                check("icmp_code", frame.first("icmp.code"), record["icmp_code"])
            case ("58", "icmpv6"):
                check("icmp_type", frame.first("icmpv6.type"), record["icmp_type"])
                check("icmp_code", frame.first("icmpv6.code"), record["icmp_code"])
            default:
                break
            }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) mismatches:\n" + mismatches.prefix(25).joined(separator: "\n")))
    }
}
