import Foundation
import Testing
import TrafficGen

/// Wireshark as the referee: if tshark decodes our packets without
/// complaint, the headers, lengths and checksums are right.
@Suite struct WiresharkTests {
    static let filter = "_ws.malformed || _ws.expert.severity >= error"

    // Expected: no output. tshark marks malformed packets and, with the
    // check_checksum preferences on, bad IPv4/TCP/UDP checksums as expert
    // errors (ICMP and ICMPv6 checksums are always checked). tshark cannot
    // verify a checksum over bytes that were not captured ("2",
    // unverified), so the run with a full snap length is the one that proves
    // the checksums over bulk data: there every status must be "1", good.
    @Test(arguments: [128, 65535]) func noMalformedPacketsOrBadChecksums(snapLength: Int) throws {
        var options = Fixtures.options(packets: snapLength == 128 ? 30_000 : 10_000)
        options.ipv6Share = 0.3
        options.snapLength = snapLength
        let path = try Fixtures.generate(options, name: "wireshark-\(snapLength).pcap").path
        let output = try Fixtures.tshark(path, ["-Y", Self.filter])
        #expect(output.isEmpty, "\(output.prefix(2000))")
        let status = try Fixtures.tshark(path, ["-T", "fields", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                                                "-e", "udp.checksum.status", "-e", "icmp.checksum.status",
                                                "-e", "icmpv6.checksum.status"])
        let values = status.split(whereSeparator: { $0 == "\t" || $0 == "\n" || $0 == "," })
        #expect(values.count > options.packets!)
        #expect(!values.contains("0"))
        if snapLength == 65535 {
            #expect(values.allSatisfy { $0 == "1" }, "\(Set(values))")
        }
    }

    // Expected: one line. Guards the test above: a TCP checksum changed by
    // hand must trip the same filter, or the filter checks nothing.
    @Test func theFilterCatchesACorruptedChecksum() throws {
        let path = try Fixtures.generate(Fixtures.options(packets: 50), name: "corrupt.pcap").path
        var bytes = try Fixtures.read(path)
        let parsed = try #require(Fixtures.records(bytes))
        // Find the first IPv4 TCP record and flip a bit of its checksum (offset 14+20+16).
        var offset = 24
        for record in parsed.records {
            let frame = offset + 16
            if bytes[frame + 12] == 0x08 && bytes[frame + 23] == 6 {
                bytes[frame + 50] ^= 0x01
                break
            }
            offset = frame + record.storedBytes
        }
        let corrupted = Fixtures.directory.appendingPathComponent("corrupted.pcap")
        try Data(bytes).write(to: corrupted)
        let output = try Fixtures.tshark(corrupted.path, ["-Y", Self.filter])
        #expect(output.split(separator: "\n").count == 1)
    }

    // Expected: sequence and acknowledgement numbers consistent with payload
    // lengths, so tshark's TCP analysis finds no lost, unseen, retransmitted
    // or out-of-order segments.
    @Test func tcpAnalysisSeesNoGapsOrRetransmissions() throws {
        let path = try Fixtures.generate(Fixtures.options(packets: 30_000), name: "analysis.pcap").path
        let output = try Fixtures.tshark(path, ["-Y", "tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || "
            + "tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.duplicate_ack"])
        #expect(output.isEmpty, "\(output.prefix(2000))")
    }

    // Expected: every handshake is SYN then SYN-ACK, so SYN-ACKs are at most
    // as many as SYNs and only fall short for connections cut off by the
    // packet limit; FIN closes outnumber RST closes about nine to one (the
    // generator resets 10 %; bounds 3-25 % allow for chance).
    @Test func handshakesAndCloses() throws {
        let path = try Fixtures.generate(Fixtures.options(packets: 100_000), name: "tcp.pcap").path
        let output = try Fixtures.tshark(path, ["-Y", "tcp.flags.syn == 1 || tcp.flags.fin == 1 || tcp.flags.reset == 1",
                                                "-T", "fields", "-e", "tcp.stream", "-e", "tcp.flags.syn",
                                                "-e", "tcp.flags.ack", "-e", "tcp.flags.fin", "-e", "tcp.flags.reset"])
        var syn = 0, synAck = 0, resetStreams = Set<Substring>(), finStreams = Set<Substring>()
        for line in output.split(separator: "\n") {
            let field = line.split(separator: "\t")
            guard field.count == 5 else { continue }
            if field[1] == "1" && field[2] == "0" { syn += 1 }
            if field[1] == "1" && field[2] == "1" { synAck += 1 }
            if field[3] == "1" { finStreams.insert(field[0]) }
            if field[4] == "1" { resetStreams.insert(field[0]) }
        }
        #expect(syn > 1000)
        #expect(synAck <= syn && synAck >= syn * 95 / 100)
        let closes = finStreams.count + resetStreams.count
        #expect(closes > 500)
        let resetShare = Double(resetStreams.count) / Double(closes)
        #expect(resetShare > 0.03 && resetShare < 0.25, "reset share \(resetShare)")
    }

    // Expected: DNS queries get responses with the same ID; ICMP echo
    // replies repeat the request's identifier with rising sequence numbers.
    @Test func dnsAndPingPairUp() throws {
        var options = Fixtures.options(packets: 50_000)
        options.ipv6Share = 0.5
        let path = try Fixtures.generate(options, name: "pairs.pcap").path
        let dns = try Fixtures.tshark(path, ["-Y", "dns", "-T", "fields", "-e", "dns.flags.response", "-e", "dns.id"])
        var queries = Set<Substring>(), responses = Set<Substring>()
        for line in dns.split(separator: "\n") {
            let field = line.split(separator: "\t")
            if field.first == "0" { queries.insert(field[1]) } else if field.first == "1" { responses.insert(field[1]) }
        }
        #expect(queries.count > 100)
        #expect(responses.isSubset(of: queries))
        let pings = try Fixtures.tshark(path, ["-Y", "icmp.type == 0 || icmpv6.type == 129", "-T", "fields",
                                               "-e", "icmp.resp_to", "-e", "icmpv6.resp_to"])
        // tshark links each reply to its request ("resp_to") only when
        // identifier and sequence match a request seen before.
        let replies = pings.split(separator: "\n")
        #expect(replies.count > 20)
        #expect(replies.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
    }
}
