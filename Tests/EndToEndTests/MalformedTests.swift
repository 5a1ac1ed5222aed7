import Foundation
import Testing

/// (c) sniff over the damaged captures in shared/pcaps/malformed: it ends
/// within 10 s, by itself (no signal), with status 0 or 1; status 1 comes
/// with a message naming the file; and the packets before the damage are
/// all written.
@Suite struct MalformedTests {
    /// What each file should give. `status` and `message` were decided from
    /// the file's description in SOURCES.tsv and its bytes: 1 and the named
    /// problem when the FILE is damaged (sniff cannot go on reading), 0 when
    /// only a packet inside is broken (its record carries decode_error).
    /// The record count is not listed here: it comes from an independent
    /// reader at test time (see `oracleCount`).
    static let expectations: [String: (status: Int32, message: String?)] = [
        "malformed/ndpi_fuzz_truncated_null_nsec.pcap": (1, "truncated packet record"),
        "malformed/pcpp_ip4_bad_fragment.pcap": (0, nil),
        "malformed/pcpp_too_many_interfaces.pcapng": (0, nil),
        "malformed/sv_fuzz_bad_caplen.pcap": (1, "bad packet record"),
        "malformed/sv_http_mime_truncated_file.pcap": (1, "truncated packet record"),
        "malformed/sv_smtp_bad_caplen_midfile.pcap": (1, "bad packet record"),
        "malformed/sv_tls_der_incomplete_bad_caplen.pcap": (1, "bad packet record"),
        "malformed/tcpdump_LINKTYPE_IPV4_invalid.pcap": (0, nil),
        // An unsupported link type is not damage: every packet gets a record
        // with decode_error "unsupported_link_type", and one warning.
        "malformed/tcpdump_brcm_tag_unknown_dlt281.pcap": (0, "link type DLT 281 is not decoded"),
        "malformed/tcpdump_empty.pcapng": (0, nil),
        "malformed/tcpdump_ipv4_invalid_hdr_length.pcap": (0, nil),
        "malformed/tcpdump_ipv4_invalid_total_length.pcap": (0, nil),
        "malformed/tcpdump_ipv6_bad_version.pcap": (0, nil),
        "malformed/tcpdump_ipv6_invalid_length.pcap": (0, nil),
        "malformed/tcpdump_tcp_header_heapoverflow.pcap": (0, nil),
        "malformed/tcpdump_time_2106_overflow.pcapng": (0, nil),
        "malformed/tcpdump_timestamp_invalid_micro.pcap": (0, nil),
        "malformed/tcpdump_udp_length_heapoverflow.pcap": (0, nil),
        "malformed/zeek_ip6_trunc.pcap": (0, nil),
        "malformed/zeek_ipv4_truncated_broken_header.pcap": (0, nil),
        "malformed/zeek_tcp_truncated_header.pcap": (0, nil),
    ]

    /// The number of packets an independent reader delivers before the
    /// damage. Classic pcap: what libpcap delivers, i.e. what
    /// `tcpdump -r FILE -w CLEAN` writes (CLEAN is a well-formed pcap whose
    /// records are counted here; counting tcpdump's printed lines would
    /// over-count multi-line output). Wireshark disagrees on one file
    /// (sv_fuzz_bad_caplen: it guesses a different record layout and reads 2)
    /// and sniff reads classic pcap through libpcap, so libpcap is the
    /// reference. pcapng: sniff parses pcapng itself, as Wireshark does, and
    /// libpcap refuses some valid files (pcpp_too_many_interfaces: "an
    /// interface has a snapshot length ... different"), so tshark's frame
    /// count is the reference.
    static func oracleCount(_ file: String) throws -> Int {
        if file.hasSuffix(".pcapng") {
            return try Tshark.frames(E2E.pcap(file)).count
        }
        guard let tcpdump = E2E.system("tcpdump") else { throw OracleMissing(name: "tcpdump") }
        let clean = E2E.scratchDirectory("malformed") + "/clean.pcap"
        defer { try? FileManager.default.removeItem(atPath: (clean as NSString).deletingLastPathComponent) }
        _ = try run(tcpdump, ["-r", E2E.pcap(file), "-w", clean], timeout: 60)
        let bytes = [UInt8](FileManager.default.contents(atPath: clean) ?? Data())
        return try countPcapRecords(bytes)
    }

    @Test func everyMalformedFileHasAnExpectation() {
        #expect(Set(E2E.malformedPcaps) == Set(Self.expectations.keys.map { String($0) }))
    }

    @Test(arguments: E2E.malformedPcaps)
    func malformedFileEndsCleanly(file: String) throws {
        let result = try run(E2E.sniff, ["--non-ip", "-r", E2E.pcap(file)], timeout: 10)
        #expect(!result.timedOut, "sniff ran longer than 10 s")
        #expect(!result.signaled, "sniff died by signal \(result.status)")
        #expect(result.status == 0 || result.status == 1, "status \(result.status)")
        let expected = try #require(Self.expectations[file])
        #expect(result.status == expected.status, "stderr: \(result.stderr)")
        if let message = expected.message {
            #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        }
        if result.status == 1 {
            let name = (file as NSString).lastPathComponent
            #expect(result.stderr.contains("sniff: ") && result.stderr.contains(name), "stderr: \(result.stderr)")
        }
        let records = result.lines.compactMap { Record($0) }
        #expect(records.count == result.lines.count, "some lines are not flat JSON objects")
        let expectedCount = try Self.oracleCount(file)
        #expect(records.count == expectedCount, "records: sniff \(records.count), independent reader \(expectedCount)")
    }
}

/// Counts the records of a well-formed classic pcap (the kind tcpdump -w
/// writes: either byte order, 16-byte record headers).
func countPcapRecords(_ bytes: [UInt8]) throws -> Int {
    struct NotPcap: Error {}
    guard bytes.count >= 24 else { throw NotPcap() }
    let littleEndian = bytes[0] == 0xD4 || bytes[0] == 0x4D
    func u32(_ offset: Int) -> Int {
        let b = bytes[offset..<(offset + 4)].map(Int.init)
        return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
    }
    var offset = 24
    var count = 0
    while offset + 16 <= bytes.count {
        offset += 16 + u32(offset + 8)
        guard offset <= bytes.count else { throw NotPcap() }
        count += 1
    }
    guard offset == bytes.count else { throw NotPcap() }
    return count
}
