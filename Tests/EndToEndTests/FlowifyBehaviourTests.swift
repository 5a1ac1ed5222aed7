import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A packet record as sniff writes it, for crafted inputs.
func packetLine(_ ts: String, _ src: String, _ dst: String, proto: Int = 6, sport: Int = 40000, dport: Int = 80,
                flags: Int? = nil, seq: UInt32 = 0, ack: UInt32 = 0, len: Int = 60, payload: Int = 0,
                icmp: (type: Int, code: Int, id: Int?)? = nil) -> String {
    var line = #"{"type":"packet","ts":\#(ts),"len":\#(len),"caplen":\#(len),"src":"\#(src)","dst":"\#(dst)","proto":\#(proto),"ttl":64"#
    if let icmp {
        line += #","icmp_type":\#(icmp.type),"icmp_code":\#(icmp.code)"#
        if let id = icmp.id { line += #","icmp_id":\#(id)"# }
    } else {
        line += #","sport":\#(sport),"dport":\#(dport)"#
    }
    if let flags { line += #","tcp_flags":\#(flags),"tcp_seq":\#(seq),"tcp_ack":\#(ack),"tcp_win":1024"# }
    return line + #","payload_len":\#(payload)}"#
}

/// flowify as a process, and on crafted input: bad lines, ticks and other
/// records, signals, bounds, options, and the TCP and ICMP rules that are
/// easy to get wrong.
@Suite struct FlowifyBehaviourTests {
    static let sshSessions = "benign/zeek_ssh_sessions.pcap"

    // Expected: three bad lines and one late packet among 1797 good packet
    // records (the capture's IP packets, per tcpdump) are each reported
    // with their line number and skipped; the blank line is skipped
    // silently; every good packet is still counted; the summary counts each
    // kind and the status is 1.
    @Test func badInputIsReportedCountedAndSkipped() async throws {
        let packets = try await OutputCache.shared.sniffOutput(Self.sshSessions)
        var lines = packets.lines.filter { $0.hasPrefix(#"{"type":"packet""#) }
        let goodCount = lines.count
        #expect(goodCount == 1797)
        let firstTime = try #require(Record(Substring(lines[0]))?["ts"])
        lines.insert(#"{"type":"packet","ts":"#, at: 2)                          // line 3
        lines.insert(lines[8].replacingOccurrences(of: #","len":[0-9]+,"#, with: ",", options: .regularExpression), at: 9)  // line 10
        lines.insert("", at: 14)                                                   // line 15
        lines.insert(lines[18].replacingOccurrences(of: #","len":"#, with: #","len":"big","x":"#), at: 19)  // line 20
        // Far older than the report interval in progress, for a flow never seen.
        lines.append(packetLine(String(Int(Double(firstTime)!) - 1000) + ".5", "10.9.9.9", "10.8.8.8"))
        let output = try flowify(lines: lines)

        #expect(output.status == 1)
        #expect(output.stderr.contains("flowify: line 3, column 23: expected value"), "stderr: \(output.stderr)")
        #expect(output.stderr.contains(#"flowify: line 10: missing field "len""#))
        #expect(output.stderr.contains(#"flowify: line 20: expected integer for "len""#))
        #expect(output.stderr.contains("flowify: line \(lines.count): packet time"))
        #expect(output.stderr.contains("skipped: bad_json 1, bad_packet 2, late_packet 1"), "stderr: \(output.stderr)")
        #expect(output.finals.packetTotal == goodCount)
    }

    // Expected: a tick 100 s after a UDP flow's last packet moves event
    // time past the 5 s boundary (interim report, ts = its last packet)
    // and past the 60 s UDP idle timeout (final report at 1060.2, the
    // deadline, with no new packets); both come before the tick, which
    // passes through unchanged, as does a record of an unknown type with
    // nested values, in order.
    @Test func ticksMoveTimeAndOtherRecordsPassThrough() throws {
        let note = #"{"type":"note","n":[1,{"a":"b"}],"ts":5}"#
        let tick = #"{"type":"tick","ts":1100.500000}"#
        let lines = [
            packetLine("1000.000000", "10.0.0.1", "10.0.0.2", proto: 17, sport: 5000, dport: 53),
            packetLine("1000.100000", "10.0.0.2", "10.0.0.1", proto: 17, sport: 53, dport: 5000),
            packetLine("1000.200000", "10.0.0.1", "10.0.0.2", proto: 17, sport: 5000, dport: 53),
            tick, note,
        ]
        let output = try flowify(lines: lines)
        #expect(output.status == 0, "stderr: \(output.stderr)")
        try #require(output.lines.count == 4, "output: \(output.lines)")
        let interim = try #require(Record(Substring(output.lines[0])))
        let final = try #require(Record(Substring(output.lines[1])))
        #expect(interim["report"] == "interim" && interim["ts"] == "1000.200000")
        #expect(interim["interval_start"] == "1000.000000" && interim["interval_end"] == "1005.000000")
        #expect(interim.int("orig_packets_delta") == 2 && interim.int("resp_packets_delta") == 1)
        #expect(final["report"] == "final" && final["end_reason"] == "idle" && final["ts"] == "1060.200000")
        #expect(final.int("orig_packets_delta") == 0 && final.int("orig_packets") == 2)
        #expect(final["conn_state"] == "SF" && final["src"] == "10.0.0.1" && final["sport"] == "5000")
        #expect(output.lines[2] == tick && output.lines[3] == note)
    }

    // Expected: a TCP connection closed by FIN both ways, whose last ACK and
    // a retransmitted FIN arrive after the close (within the 5 s linger),
    // stays one flow of 8 packets (5 from the client), SF, history ShAFf
    // (Zeek writes F and f once per sequence position), ended by "fin" at
    // its close plus the linger; a new SYN on the same ports 1 s later is a
    // new flow (port reuse), S0. (CICFlowMeter ends a flow at the first FIN
    // and makes new flows of what follows.)
    @Test func tcpCloseLingersAndPortReuseStartsANewFlow() throws {
        let c = "192.0.2.1", s = "192.0.2.2"
        let lines = [
            packetLine("10.000000", c, s, sport: 40000, dport: 80, flags: 2, seq: 100),
            packetLine("10.010000", s, c, sport: 80, dport: 40000, flags: 18, seq: 500, ack: 101),
            packetLine("10.020000", c, s, sport: 40000, dport: 80, flags: 16, seq: 101, ack: 501),
            packetLine("10.030000", c, s, sport: 40000, dport: 80, flags: 17, seq: 101, ack: 501),
            packetLine("10.040000", s, c, sport: 80, dport: 40000, flags: 17, seq: 501, ack: 102),
            packetLine("10.050000", c, s, sport: 40000, dport: 80, flags: 16, seq: 102, ack: 502),
            packetLine("10.300000", s, c, sport: 80, dport: 40000, flags: 17, seq: 501, ack: 102),
            packetLine("10.310000", c, s, sport: 40000, dport: 80, flags: 16, seq: 102, ack: 502),
            packetLine("11.300000", c, s, sport: 40000, dport: 80, flags: 2, seq: 9000),
        ]
        let output = try flowify(lines: lines)
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let finals = output.finals
        try #require(finals.count == 2, "finals: \(output.lines)")
        #expect(finals[0].int("orig_packets") == 5 && finals[0].int("resp_packets") == 3)
        #expect(finals[0]["conn_state"] == "SF" && finals[0]["history"] == "ShAFf")
        #expect(finals[0]["end_reason"] == "fin" && finals[0]["ts"] == "11.300000")
        #expect(finals[0]["resp_retransmits"] == "1")
        #expect(finals[1].int("orig_packets") == 1 && finals[1]["conn_state"] == "S0")
        #expect(finals[0]["flow_id"] != finals[1]["flow_id"])
        #expect(finals[0]["community_id"] == finals[1]["community_id"])
    }

    // Expected: a flow first seen from its SYN-ACK is oriented by it (the
    // originator is the SYN-ACK's receiver, history starts with ^), and an
    // ICMP echo exchange seen from its reply is oriented from the request's
    // sender; request and reply are one flow with both directions counted.
    @Test func flowsSeenFromTheAnswerAreOrientedByIt() throws {
        let lines = [
            packetLine("20.000000", "198.51.100.2", "198.51.100.1", sport: 443, dport: 50000, flags: 18, seq: 7, ack: 1001),
            packetLine("20.001000", "198.51.100.1", "198.51.100.2", sport: 50000, dport: 443, flags: 16, seq: 1001, ack: 8),
            packetLine("20.500000", "203.0.113.9", "203.0.113.5", proto: 1, len: 98, icmp: (0, 0, 77)),
            packetLine("21.500000", "203.0.113.5", "203.0.113.9", proto: 1, len: 98, icmp: (8, 0, 77)),
            packetLine("21.501000", "203.0.113.9", "203.0.113.5", proto: 1, len: 98, icmp: (0, 0, 77)),
        ]
        let output = try flowify(lines: lines)
        let tcp = try #require(output.finals.first { $0["proto"] == "6" })
        #expect(tcp["src"] == "198.51.100.1" && tcp["sport"] == "50000" && tcp["dport"] == "443")
        #expect(tcp["history"]?.hasPrefix("^") == true, "history \(tcp["history"] ?? "none")")
        #expect(tcp.int("orig_packets") == 1 && tcp.int("resp_packets") == 1)
        let icmp = output.finals.filter { $0["proto"] == "1" }
        try #require(icmp.count == 1)
        #expect(icmp[0]["src"] == "203.0.113.5" && icmp[0]["icmp_type"] == "8" && icmp[0]["icmp_id"] == "77")
        #expect(icmp[0].int("orig_packets") == 1 && icmp[0].int("resp_packets") == 2)
    }

    // Expected: hostile times and lengths (found by review) are refused or
    // absorbed, never fatal: a tick and a packet beyond the supported years
    // 1824 to 2116 are bad records, a SYN claiming a 2 GB payload is counted,
    // and a time written with an exponent is reported with nine decimals.
    @Test func hostileTimesAndLengthsAreNotFatal() throws {
        let lines = [
            #"{"type":"tick","ts":-9223372036}"#,
            packetLine("9223372036.854775807", "10.0.0.1", "10.0.0.2", proto: 17, sport: 1, dport: 2),
            packetLine("9000000000", "10.0.0.1", "10.0.0.2", proto: 17, sport: 1, dport: 2),
            packetLine("1.7000000005e9", "10.0.0.1", "10.0.0.2", proto: 17, sport: 1, dport: 2),
            packetLine("1700000001", "10.0.0.3", "10.0.0.4", flags: 2, payload: 2_147_483_647),
        ]
        let output = try flowify(lines: lines)
        #expect(!output.signaled && output.status == 1, "status \(output.status), stderr \(output.stderr)")
        #expect(output.stderr.contains("skipped: bad_tick 1, bad_packet 2"), "stderr: \(output.stderr)")
        #expect(output.finals.reduce(0) { $0 + $1.int("orig_packets") } == 2)
        // An exponent may hide any precision: times are written with all nine decimals.
        #expect(output.finals.contains { $0["first_ts"] == "1700000000.500000000" })
    }

    // Expected: the later fragment of a large ping (no ICMP header) joins
    // its echo flow through the first fragment's type, code and id: one
    // flow, two packets out, one back.
    @Test func laterICMPFragmentsJoinTheirEcho() throws {
        let first = packetLine("30.000000", "192.0.2.7", "192.0.2.8", proto: 1, len: 1514, icmp: (8, 0, 99))
            .replacingOccurrences(of: #","payload_len""#, with: #","frag_id":77,"frag_offset":0,"frag_more":true,"payload_len""#)
        let later = #"{"type":"packet","ts":30.000100,"len":562,"caplen":562,"src":"192.0.2.7","dst":"192.0.2.8","proto":1,"ttl":64,"frag_id":77,"frag_offset":1480,"payload_len":528}"#
        let reply = packetLine("30.010000", "192.0.2.8", "192.0.2.7", proto: 1, len: 1514, icmp: (0, 0, 99))
        let output = try flowify(lines: [first, later, reply])
        try #require(output.finals.count == 1, "finals: \(output.lines)")
        #expect(output.finals[0].int("orig_packets") == 2 && output.finals[0].int("resp_packets") == 1)
        #expect(output.finals[0]["icmp_id"] == "99")
    }

    // Expected: a SYN older than a closing flow's last packet (a late copy
    // of its own SYN, reordered) is counted in that flow, not taken for
    // port reuse: one flow, no late packet, status 0.
    @Test func aLateCopyOfTheSynIsNotPortReuse() throws {
        let c = "192.0.2.1", s = "192.0.2.2"
        let lines = [
            packetLine("40.000000", c, s, flags: 2, seq: 100),
            packetLine("40.010000", s, c, sport: 80, dport: 40000, flags: 18, seq: 500, ack: 101),
            packetLine("40.020000", c, s, flags: 16, seq: 101, ack: 501),
            packetLine("40.030000", s, c, sport: 80, dport: 40000, flags: 4, seq: 501),
            packetLine("40.000500", c, s, flags: 2, seq: 100),
        ]
        let output = try flowify(lines: lines)
        #expect(output.status == 0, "stderr: \(output.stderr)")
        try #require(output.finals.count == 1, "finals: \(output.lines)")
        #expect(output.finals[0].int("orig_packets") == 3 && output.finals[0]["end_reason"] == "rst")
    }

    // Expected: SIGTERM while flowify waits on an open pipe ends it within
    // 2 s with status 0 and a final report for every open flow: the 100
    // packets written are all counted.
    @Test func sigtermFlushesEveryOpenFlow() async throws {
        let packets = try await OutputCache.shared.sniffOutput(Self.sshSessions)
        let first100 = packets.lines.filter { $0.hasPrefix(#"{"type":"packet""#) }.prefix(100)
        let directory = E2E.scratchDirectory("flowify-term")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var pipeEnds: [Int32] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        let pid = try spawnWithDefaultSignals(E2E.flowify, [], stdin: pipeEnds[0],
                                              stdoutPath: directory + "/out", stderrPath: directory + "/err")
        close(pipeEnds[0])
        let text = first100.map { $0 + "\n" }.joined()
        _ = text.withCString { write(pipeEnds[1], $0, strlen($0)) }
        usleep(500_000)
        kill(pid, SIGTERM)
        let exit = waitForExit(pid, timeout: 2)
        close(pipeEnds[1])
        #expect(exit?.status == 0 && exit?.signaled == false, "exit \(String(describing: exit))")
        let output = try String(contentsOfFile: directory + "/out", encoding: .utf8)
        let finals = output.split(separator: "\n").compactMap { Record($0) }.filter { $0["report"] == "final" }
        #expect(finals.packetTotal == 100)
    }

    // Expected: with room for 3 flows, the DNS capture's 464 packets are
    // all counted, every eviction gives a final report with end_reason
    // "evicted", and the summary's count of evicted flows matches them.
    @Test func aFullTableEvictsTheIdlestFlow() async throws {
        let (packets, output) = try await flowifyCapture("benign/pcpp_dns_packets.pcap", ["--max-flows", "3"])
        #expect(output.status == 0)
        let evicted = output.finals.filter { $0["end_reason"] == "evicted" }.count
        #expect(evicted > 0)
        #expect(output.stderr.contains("; \(evicted) flows evicted (table full)"), "stderr: \(output.stderr)")
        #expect(output.finals.packetTotal == packets.ipPackets.count)
    }

    // Expected: the same records with a space after every comma (which the
    // fast path for sniff's own lines declines, so the general JSON parser
    // reads them) give byte-identical output: the two readers agree.
    @Test(arguments: [sshSessions, "linktypes/zeek_mixed_vlan_mpls.pcap", "attacks/dns_amplification/stopddos_amp.dns.RRSIG.fragmented.pcap"])
    func fastPathAndGeneralParserAgree(file: String) async throws {
        let (packets, plain) = try await flowifyCapture(file)
        let spaced = try flowify(lines: packets.lines.map { $0.replacingOccurrences(of: #",""#, with: #", ""#) })
        #expect(plain.status == 0 && spaced.status == 0, "stderr: \(spaced.stderr)")
        #expect(!plain.flows.isEmpty)
        #expect(plain.lines.filter { $0.hasPrefix(#"{"type":"flow""#) } == spaced.lines.filter { $0.hasPrefix(#"{"type":"flow""#) })
    }

    // Expected: with a 20 s active timeout the slowloris connections (up
    // to 144 s) end with "active" and go on under new flow ids; every
    // packet is still counted once (the conservation checks hold per id).
    @Test func activeTimeoutEndsAndContinuesLongFlows() async throws {
        let (packets, output) = try await flowifyCapture("attacks/slowloris/kihy_slowloris.pcap", ["--active-timeout", "20"])
        #expect(output.status == 0)
        #expect(output.finals.contains { $0["end_reason"] == "active" })
        #expect(output.finals.packetTotal == packets.ipPackets.count)
        var deltas: [String: Int] = [:]
        for flow in output.flows {
            deltas[flow["flow_id"]!, default: 0] += flow.int("orig_packets_delta") + flow.int("resp_packets_delta")
            if flow["report"] == "final" {
                #expect(deltas[flow["flow_id"]!] == flow.int("orig_packets") + flow.int("resp_packets"))
            }
        }
    }

    // Expected: files are read in order as one stream, like `cat a b |
    // flowify`; a missing file is reported by name, the others are still
    // read, and the status is 1.
    @Test func fileArgumentsAreReadInOrder() async throws {
        let packets = try await OutputCache.shared.sniffOutput(Self.sshSessions)
        let lines = packets.lines.filter { $0.hasPrefix(#"{"type":"packet""#) }
        let directory = E2E.scratchDirectory("flowify-files")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let half = lines.count / 2
        try writeLines(lines[..<half], to: directory + "/a")
        try writeLines(lines[half...], to: directory + "/b")
        let whole = try flowify(lines: lines)
        let split = try run(E2E.flowify, [directory + "/a", directory + "/missing", directory + "/b"])
        #expect(split.status == 1)
        #expect(split.stderr.contains("flowify: \(directory)/missing: No such file or directory"), "stderr: \(split.stderr)")
        #expect(split.lines.map(String.init) == whole.lines)
    }

    // Expected: usage errors exit 2 with a message on stderr; --help and
    // --version exit 0 on stdout.
    @Test(arguments: [["--interval", "0"], ["--max-flows", "0"], ["--udp-timeout", "soon"],
                      ["--community-id-seed", "70000"], ["--bogus"]])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try run(E2E.flowify, arguments)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("flowify: "), "stderr: \(result.stderr)")
    }

    @Test func helpAndVersion() throws {
        let help = try run(E2E.flowify, ["--help"])
        #expect(help.status == 0 && help.stdoutText.contains("--max-flows"))
        let version = try run(E2E.flowify, ["--version"])
        #expect(version.status == 0 && !version.stdoutText.isEmpty)
    }

    // Expected: `flowify < many records | head -1` prints one line, and
    // flowify ends with status 0 and nothing on stderr.
    @Test func headOneEndsQuietly() async throws {
        let packets = try await OutputCache.shared.sniffOutput("attacks/syn_flood/stopddos_pkt.TCP.synflood.spoofed.pcap")
        let directory = E2E.scratchDirectory("flowify-head")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try writeLines(packets.lines, to: directory + "/in")
        let script = #"{ "$1" -q <"$2/in" 2>"$2/err"; echo $? >"$2/status"; } | head -1"#
        let result = try run("/bin/sh", ["-c", script, "sh", E2E.flowify, directory])
        #expect(result.lines.count == 1)
        #expect(try String(contentsOfFile: directory + "/status", encoding: .utf8) == "0\n")
        #expect(try String(contentsOfFile: directory + "/err", encoding: .utf8).isEmpty)
    }
}
