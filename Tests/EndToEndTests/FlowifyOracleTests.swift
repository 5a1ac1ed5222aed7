import Foundation
import Testing

/// flowify against independent readers: sniff's own packet counts, tshark's
/// conversation tables and per-frame fields, tshark's Community ID, and
/// Zeek's conn_state rules applied by hand to what tshark sees.
@Suite struct FlowifyOracleTests {
    // Expected, on every shared capture (malformed ones included, with
    // whatever sniff could read): the packets and wire bytes summed over
    // the final reports equal the IP packets (records with `src`) and
    // their `len` in sniff's output, which OracleTests checks against
    // tshark frame by frame. Per flow, the deltas of all its reports sum to
    // the totals of its final report, and it has exactly one final report,
    // its last. Every report lies in its interval, intervals are 5 s, and
    // no record of an interval comes after one of a later interval. The
    // frame records of `sniff --non-ip` pass through, in order.
    @Test(arguments: E2E.allPcaps)
    func conservation(file: String) async throws {
        let (packets, output) = try await flowifyCapture(file)
        #expect(output.status == 0, "flowify status \(output.status): \(output.stderr)")
        let ipPackets = packets.ipPackets
        let finals = output.finals
        #expect(finals.packetTotal == ipPackets.count)
        #expect(finals.reduce(0) { $0 + $1.int("orig_bytes") + $1.int("resp_bytes") }
                == ipPackets.reduce(0) { $0 + $1.int("len") })

        var deltas: [String: [Int]] = [:]
        var finalSeen: Set<String> = []
        var latestIntervalStart = Int.min
        for flow in output.flows {
            let id = try #require(flow["flow_id"])
            #expect(!finalSeen.contains(id), "flow \(id) reported after its final report")
            let sums = flow.counters("orig", delta: true) + flow.counters("resp", delta: true)
            deltas[id] = zip(deltas[id] ?? [0, 0, 0, 0, 0, 0], sums).map { $0 + $1 }
            if flow["report"] == "final" {
                finalSeen.insert(id)
                #expect(deltas[id] == flow.counters("orig", delta: false) + flow.counters("resp", delta: false),
                        "flow \(id): deltas \(deltas[id]!) do not sum to the totals")
            }
            let start = try #require(flow.wholeSeconds("interval_start"))
            let end = try #require(flow.wholeSeconds("interval_end"))
            let ts = try #require(flow.wholeSeconds("ts"))
            #expect(end - start == 5)
            #expect(start <= ts && ts < end, "flow \(id): ts outside [\(start), \(end))")
            #expect(start >= latestIntervalStart, "flow \(id): interval \(start) after \(latestIntervalStart)")
            latestIntervalStart = max(latestIntervalStart, start)
        }
        #expect(finalSeen.count == deltas.count, "flows without a final report")

        let passedIn = packets.lines.filter { !$0.hasPrefix("{\"type\":\"packet\"") }
        let passedOut = output.lines.filter { !$0.hasPrefix("{\"type\":\"flow\"") }
        #expect(passedIn == passedOut)
    }

    /// Captures compared with tshark's conversation tables: plain TCP and
    /// UDP without IP fragments (tshark counts a fragmented datagram once,
    /// reassembled) and with no flows inside tunnels.
    static let conversationCaptures = [
        "benign/chrissanders_http_espn.pcapng", "benign/ndpi_1kxun.pcap", "benign/pcpp_dns_packets.pcap",
        "benign/pcpp_example.pcap", "benign/zeek_smb3_multichannel.pcap", "benign/zeek_ssh_sessions.pcap",
        "attacks/port_scan/evilfingers_nmap_tcp_connect_scan.pcap",
        "attacks/port_scan/evilfingers_nmap_tcp_syn_scan.pcap",
        "attacks/slowloris/kihy_slowloris.pcap", "attacks/ssh_bruteforce/zeek_sshguess.pcap",
        "attacks/syn_flood/stopddos_pkt.TCP.synflood.spoofed.pcap", "attacks/udp_flood/doup123_udp_flood.pcap",
        "linktypes/ndpi_bot_vlan77.pcap", "linktypes/pcpp_linux_sll.pcap", "linktypes/sv_smb_vlan.pcap",
    ]

    // Expected: per TCP and UDP conversation, frames each way as tshark's
    // `-z conv,tcp` and `-z conv,udp` count them (the "<-" and "->"
    // columns), and wire bytes each way summed from tshark's frame.len per
    // frame (the table rounds bytes to kB). flowify's final reports, summed
    // over the flows of a conversation, give the same; it may split a
    // conversation, never merge two, and keys never mix conversations.
    @Test(arguments: conversationCaptures)
    func conversationsMatchTshark(file: String) async throws {
        guard let tshark = Tshark.path else { throw OracleMissing(name: "tshark") }
        let table = try run(tshark, ["-n", "-q", "-r", E2E.pcap(file), "-o", "ip.defragment:FALSE",
                                     "-z", "conv,tcp", "-z", "conv,udp"], timeout: 300)
        var expected: [Conversation: DirectionCounts] = [:]
        var proto = ""
        for line in table.lines {
            if line.hasPrefix("TCP Conversations") { proto = "6" }
            if line.hasPrefix("UDP Conversations") { proto = "17" }
            let tokens = line.split(separator: " ")
            guard tokens.count > 6, tokens[1] == "<->", let lastColonA = tokens[0].lastIndex(of: ":"),
                  let lastColonB = tokens[2].lastIndex(of: ":"),
                  let framesToA = Int(tokens[3]), let framesFromA = Int(tokens[6]) else { continue }
            let a = tokens[0]
            let b = tokens[2]
            let (conversation, aIsLow) = Conversation.of(
                proto: proto, source: String(a[..<lastColonA]), sport: String(a[a.index(after: lastColonA)...]),
                destination: String(b[..<lastColonB]), dport: String(b[b.index(after: lastColonB)...]))
            var counts = expected[conversation] ?? DirectionCounts()
            counts.lowToHighFrames += aIsLow ? framesFromA : framesToA
            counts.highToLowFrames += aIsLow ? framesToA : framesFromA
            expected[conversation] = counts
        }
        for frame in try await OutputCache.shared.tsharkFrames(file) {
            guard let transport = frame.plainTransport, let length = Int(frame.first("frame.len") ?? "") else { continue }
            let (conversation, sourceIsLow) = Conversation.of(
                proto: transport.proto, source: transport.source, sport: transport.sport,
                destination: transport.destination, dport: transport.dport)
            guard var counts = expected[conversation] else { continue }
            if sourceIsLow { counts.lowToHighBytes += length } else { counts.highToLowBytes += length }
            expected[conversation] = counts
        }
        try #require(!expected.isEmpty, "no conversations parsed from tshark")

        let (_, output) = try await flowifyCapture(file)
        let actual = flowifyConversations(output.finals, protos: ["6", "17"])
        #expect(actual.count == expected.count, "\(actual.count) conversations, tshark \(expected.count)")
        for (conversation, counts) in expected where actual[conversation] != counts {
            Issue.record("\(conversation): flowify \(actual[conversation].map(String.init(describing:)) ?? "none"), tshark \(counts)")
        }
    }

    // Expected, per capture: the Community IDs of flowify's flows are
    // exactly the set tshark's communityid dissector gives the frames
    // (tshark 4.0, `--enable-protocol communityid`, seed 0), for TCP, UDP
    // and ICMP: echo requests and replies share one ID, one-way ICMP types
    // (the unreachables of the UDP scan and of BlackNurse) get one per
    // direction. Frames inside tunnels or quoting a header in an ICMP
    // error are dissected by tshark too and are left out on both sides.
    @Test(arguments: [
        "benign/zeek_ssh_sessions.pcap", "benign/pcpp_dns_packets.pcap", "benign/ndpi_1kxun.pcap",
        "attacks/port_scan/evilfingers_nmap_udp_scan.pcap", "attacks/icmp_flood/doup123_icmp_blacknurse.pcap",
        "linktypes/pcpp_vlan_qinq_icmp_cdp.pcap",
    ])
    func communityIDsMatchTshark(file: String) async throws {
        guard let tshark = Tshark.path else { throw OracleMissing(name: "tshark") }
        let result = try run(tshark, ["-n", "-r", E2E.pcap(file), "--enable-protocol", "communityid",
                                      "-o", "ip.defragment:FALSE", "-T", "fields", "-E", "occurrence=f",
                                      "-e", "communityid", "-e", "frame.protocols"], timeout: 300)
        var expected: Set<String> = []
        for line in result.lines {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count == 2, !columns[0].isEmpty else { continue }
            // The outer transport only: an ICMP error (which quotes an IP
            // header) counts, anything inside a tunnel does not.
            let layers = columns[1].split(separator: ":")
            guard let outer = layers.firstIndex(where: { $0 == "ip" || $0 == "ipv6" }) else { continue }
            let isICMP = outer + 1 < layers.count && (layers[outer + 1] == "icmp" || layers[outer + 1] == "icmpv6")
            guard isICMP || layers.filter({ $0 == "ip" || $0 == "ipv6" }).count == 1 else { continue }
            expected.insert(String(columns[0]))
        }
        try #require(!expected.isEmpty)
        let (_, output) = try await flowifyCapture(file)
        let actual = Set(output.finals.compactMap { flow -> String? in
            guard ["1", "6", "17", "58"].contains(flow["proto"] ?? "") else { return nil }
            return flow["community_id"]
        })
        #expect(actual == expected, "only flowify: \(actual.subtracting(expected).sorted()), only tshark: \(expected.subtracting(actual).sorted())")
    }

    // Expected: Zeek's conn_state for the nmap scans, from what tshark sees
    // and Zeek's rules (conn.log docs, scripts/base/protocols/conn/main.zeek):
    // - SYN answered by RST (closed port): REJ, history "Sr".
    // - SYN answered by SYN-ACK, then the scanner's RST (open port; the SYN
    //   scan tears down at once, the connect scan after its ACK): RSTO.
    // - SYN with no answer (filtered): S0.
    // - FIN probe answered by RST (the FIN scan's closed ports; the
    //   originator is closed by its FIN, not inactive): RSTR, history "Fr".
    // One TCP 4-tuple can hold several attempts: Zeek starts a new
    // connection for a SYN once the old one saw a FIN or RST
    // (TCPSessionAdapter::IsReuse; Windows retries a refused connect with
    // the same port and ISN, so the connect scan has up to 6 per tuple),
    // and flowify ends an unanswered attempt after its documented 30 s
    // idle timeout. The expected histogram classifies each attempt from
    // tshark's per-frame flags.
    @Test(arguments: [
        "attacks/port_scan/evilfingers_nmap_tcp_syn_scan.pcap",
        "attacks/port_scan/evilfingers_nmap_tcp_connect_scan.pcap",
        "attacks/port_scan/evilfingers_nmap_fin_scan.pcap",
    ])
    func nmapScansGetZeekConnStates(file: String) async throws {
        struct Attempt {
            var scannerSYN = false, scannerFIN = false, scannerRST = false, victimSYNACK = false, victimRST = false
            var last = 0.0
            var state: String {
                if scannerSYN && victimSYNACK && scannerRST { return "RSTO" }
                if scannerSYN && victimRST && !victimSYNACK { return "REJ" }
                if scannerSYN && !victimSYNACK && !victimRST { return "S0" }
                if scannerFIN && !scannerSYN && victimRST { return "RSTR" }
                return "other"
            }
        }
        let scanner = "192.168.1.10"
        var open: [Conversation: Attempt] = [:]
        var expected: [String: Int] = [:]
        for frame in try await OutputCache.shared.tsharkFrames(file) {
            guard let transport = frame.plainTransport, transport.proto == "6",
                  let time = Double(frame.first("frame.time_epoch") ?? ""),
                  let flags = Int(frame.first("tcp.flags")?.dropFirst(2) ?? "", radix: 16) else { continue }
            let (conversation, _) = Conversation.of(proto: "6", source: transport.source, sport: transport.sport,
                                                    destination: transport.destination, dport: transport.dport)
            let fromScanner = transport.source == scanner
            let syn = flags & 0x02 != 0, ack = flags & 0x10 != 0, rst = flags & 0x04 != 0, fin = flags & 0x01 != 0
            if var previous = open[conversation] {
                let closed = previous.scannerFIN || previous.scannerRST || previous.victimRST
                let answered = previous.victimSYNACK || previous.victimRST
                if fromScanner && syn && !ack && (closed || (!answered && time - previous.last >= 30)) {
                    expected[previous.state, default: 0] += 1
                    previous = Attempt()
                }
                open[conversation] = previous
            }
            var attempt = open[conversation] ?? Attempt()
            if fromScanner {
                if syn && !ack { attempt.scannerSYN = true }
                if fin { attempt.scannerFIN = true }
                if rst { attempt.scannerRST = true }
            } else {
                if syn && ack { attempt.victimSYNACK = true }
                if rst { attempt.victimRST = true }
            }
            attempt.last = time
            open[conversation] = attempt
        }
        for attempt in open.values { expected[attempt.state, default: 0] += 1 }
        #expect(expected["other"] == nil, "attempts outside the table: \(expected)")

        let (_, output) = try await flowifyCapture(file)
        var actual: [String: Int] = [:]
        for flow in output.finals where flow["proto"] == "6" {
            actual[flow["conn_state"] ?? "none", default: 0] += 1
        }
        #expect(actual == expected)
    }

    // Expected: per flow and 5 s interval, the packets flowify reports as
    // deltas equal the frames tshark shows in that interval for the
    // conversation (frame.time_epoch, whole seconds / 5), for captures with
    // long connections (slowloris: 150 connections over 144 s) and
    // many-interval SSH sessions. A flow gets an interim report for every
    // interval with packets but the one its final report covers: one per
    // boundary it crossed while sending.
    @Test(arguments: ["attacks/slowloris/kihy_slowloris.pcap", "benign/zeek_ssh_sessions.pcap",
                      "attacks/ssh_bruteforce/zeek_sshguess.pcap"])
    func intervalDeltasMatchTshark(file: String) async throws {
        struct Cell: Hashable { var conversation: Conversation; var interval: Int }
        var expected: [Cell: Int] = [:]
        for frame in try await OutputCache.shared.tsharkFrames(file) {
            guard let transport = frame.plainTransport,
                  let seconds = frame.first("frame.time_epoch")?.split(separator: ".").first.flatMap({ Int($0) })
            else { continue }
            let (conversation, _) = Conversation.of(
                proto: transport.proto, source: transport.source, sport: transport.sport,
                destination: transport.destination, dport: transport.dport)
            expected[Cell(conversation: conversation, interval: seconds / 5 * 5), default: 0] += 1
        }
        let (_, output) = try await flowifyCapture(file)
        var actual: [Cell: Int] = [:]
        var intervalsWithPackets: [String: Set<Int>] = [:]
        var interimCount: [String: Int] = [:]
        var finalInterval: [String: Int] = [:]
        for flow in output.flows {
            guard let proto = flow["proto"], proto == "6" || proto == "17",
                  let id = flow["flow_id"], let start = flow.wholeSeconds("interval_start") else { continue }
            let (conversation, _) = Conversation.of(
                proto: proto, source: flow["src"] ?? "", sport: flow["sport"] ?? "",
                destination: flow["dst"] ?? "", dport: flow["dport"] ?? "")
            let packets = flow.int("orig_packets_delta") + flow.int("resp_packets_delta")
            if packets > 0 {
                actual[Cell(conversation: conversation, interval: start), default: 0] += packets
                intervalsWithPackets[id, default: []].insert(start)
            }
            if flow["report"] == "interim" {
                interimCount[id, default: 0] += 1
                #expect(packets > 0, "flow \(id): an interim report without packets")
            } else {
                finalInterval[id] = start
            }
        }
        #expect(actual == expected)
        for (id, intervals) in intervalsWithPackets {
            let covered = intervals.contains(finalInterval[id] ?? -1) ? 1 : 0
            #expect(interimCount[id, default: 0] == intervals.count - covered, "flow \(id)")
        }
        if file.contains("slowloris") {
            #expect(interimCount.values.contains { $0 >= 5 }, "no slowloris connection has 5 interim reports")
        }
    }
}
