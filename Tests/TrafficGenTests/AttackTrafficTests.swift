import Foundation
import SluiceCore
import Testing
@testable import TrafficGen

/// A capture of attacks generated in-process, with its ground truth.
struct AttackCapture {
    var path: String
    var rows: [GroundTruth.Row]
    var summary: TrafficSummary

    /// Attacks alone unless `benign`, at full snap length so tshark can
    /// verify every checksum and reassemble fragments; without a duration
    /// the capture ends 5 s after the last attack packet, as the tool's does.
    static func make(_ specs: [String], name: String, benign: Bool = false, duration_s: Int64? = nil,
                     seed: UInt64 = 1, snapLength: Int = 65535) throws -> AttackCapture {
        var options = TrafficOptions()
        options.seed = seed
        options.benign = benign
        options.snapLength = snapLength
        options.packets = nil
        if let duration_s { options.duration_ns = duration_s * 1_000_000_000 } else { options.attackTail_ns = 5_000_000_000 }
        try options.addAttacks(specs)
        let path = Fixtures.directory.appendingPathComponent(name).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        defer { close(descriptor) }
        let generator = TrafficGenerator(options: options)
        let summary = try generator.run(writer: PcapWriter(fileDescriptor: descriptor, snapLength: snapLength))
        let rows = GroundTruth.rows(attacks: generator.attacks, activity: summary.attacks, nanosecondTimestamps: false)
        return AttackCapture(path: path, rows: rows, summary: summary)
    }

    /// tshark's fields, one array per packet (checksum checks on).
    func fields(_ filter: String, _ names: [String], extra: [String] = []) throws -> [[Substring]] {
        var arguments = extra + ["-T", "fields"]
        if !filter.isEmpty { arguments += ["-Y", filter] }
        for name in names { arguments += ["-e", name] }
        let output = try Fixtures.tshark(path, arguments)
        return output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    func count(_ filter: String, extra: [String] = []) throws -> Int {
        try fields(filter, ["frame.number"], extra: extra).count
    }

    func distinct(_ filter: String, _ field: String) throws -> Set<Substring> {
        Set(try fields(filter, [field]).map { $0[0] })
    }

    /// frame.time_epoch ("1767225610.000123000") in microseconds.
    static func microseconds(_ text: Substring) -> Int64 {
        let parts = text.split(separator: ".")
        let fraction = (String(parts.count > 1 ? parts[1] : "") + "000000").prefix(6)
        return Int64(parts[0])! * 1_000_000 + Int64(fraction)!
    }
}

/// Each attack kind generated alone and read back with tshark: the packets
/// are what the attack is, they are well-formed, and the ground truth's
/// times are the capture's.
@Suite struct AttackTrafficTests {
    /// Open TCP ports of the web server, the scans' default victim.
    static let openPorts: Set<Substring> = ["22", "80", "443"]
    /// 1 to 1024 and the 18 higher ports of the list nmap's top ports
    /// share (1080, 1433, 1521, 1723, 2049, 2375, 3306, 3389, 5060, 5432,
    /// 5900, 6379, 8000, 8080, 8443, 8888, 9200, 27017).
    static let scannedPortCount = 1024 + 18

    // Expected, for every kind: tshark finds no malformed packet and no
    // checksum error (the WiresharkTests filter, with the checksum
    // preferences on), every checksum status is 1 (good, at full snap
    // length), and the ground truth's start and end are the first and last
    // packet times as tshark reads them (all packets are the attack's).
    // UDP floods come from random source ports, some of which tshark ties
    // to a protocol (Quake, EtherNet/IP...) whose dissector then calls the
    // meaningless payload malformed; for those UDP is decoded as data.
    @Test(arguments: [
        "syn_scan:start=0", "connect_scan:start=0", "fin_scan:start=0", "null_scan:start=0", "xmas_scan:start=0",
        "udp_scan:start=0", "horizontal_scan:start=0", "ping_sweep:start=0", "syn_flood:start=0,duration=1",
        "udp_flood:start=0,duration=1", "icmp_flood:start=0,duration=1", "dns_amplification:start=0,duration=1",
        "ssh_bruteforce:start=0,duration=4", "ftp_bruteforce:start=0,duration=4", "slowloris:start=0,duration=20",
    ])
    func wellFormedAndTruthful(spec: String) throws {
        let kind = String(spec.prefix { $0 != ":" })
        let capture = try AttackCapture.make([spec], name: "attack-\(kind).pcap")
        let extra = kind == "udp_flood" ? ["-d", "udp.port==1-65535,data"] : []
        let bad = try Fixtures.tshark(capture.path, extra + ["-Y", WiresharkTests.filter])
        #expect(bad.isEmpty, "\(bad.prefix(1000))")
        let statuses = try capture.fields("", ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
                                               "icmp.checksum.status"], extra: extra)
            .flatMap { $0 }.flatMap { $0.split(separator: ",") }
        #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == "1" }, "\(Set(statuses))")

        let times = try capture.fields("", ["frame.time_epoch"]).map { AttackCapture.microseconds($0[0]) }
        #expect(times.count == capture.summary.packets)
        let row = try #require(capture.rows.first)
        #expect(capture.rows.count == 1)
        #expect(row.technique == kind)
        #expect(AttackCapture.microseconds(Substring(row.start)) == times.first)
        #expect(AttackCapture.microseconds(Substring(row.end)) == times.last)
        // start=0: the first packet is the capture's first instant.
        #expect(row.start == "1767225600.000000")
    }

    // Expected: one SYN to each of the 1042 ports; SYN-ACK from exactly the
    // open ports, each reset by the scanner's kernel (RST without ACK);
    // RST-ACK from the other 1039; all SYNs from one source port.
    @Test func synScan() throws {
        let capture = try AttackCapture.make(["syn_scan:start=0"], name: "syn-scan.pcap")
        #expect(try capture.distinct("tcp.flags.syn==1 && tcp.flags.ack==0", "tcp.dstport").count == Self.scannedPortCount)
        #expect(try capture.distinct("tcp.flags.syn==1 && tcp.flags.ack==0", "tcp.srcport").count == 1)
        #expect(try capture.distinct("tcp.flags.syn==1 && tcp.flags.ack==1", "tcp.srcport") == Self.openPorts)
        #expect(try capture.distinct("tcp.flags==0x004", "tcp.dstport") == Self.openPorts)
        #expect(try capture.count("tcp.flags==0x014 && ip.src==10.1.0.80") == Self.scannedPortCount - 3)
        // nmap's probe: window 1024 and the MSS option alone.
        #expect(try capture.distinct("tcp.flags==0x002", "tcp.window_size_value") == ["1024"])
        #expect(try capture.distinct("tcp.flags==0x002", "tcp.hdr_len") == ["24"])
    }

    // Expected: per TCP stream (tshark's tcp.stream), the open ports show
    // the full handshake then the scanner's RST-ACK (SYN, SYN-ACK, ACK,
    // RST-ACK = flags 0x002 0x012 0x010 0x014), every other port SYN then
    // RST-ACK; one stream per port, each from its own source port.
    @Test func connectScanCompletesHandshakesOnOpenPorts() throws {
        let capture = try AttackCapture.make(["connect_scan:start=0"], name: "connect-scan.pcap")
        var streams: [Substring: (port: Substring, flags: [Substring])] = [:]
        for field in try capture.fields("", ["tcp.stream", "tcp.dstport", "tcp.srcport", "tcp.flags"]) {
            let victimPort = field[2] == "80" || field[2] == "22" || field[2] == "443" ? field[2] : field[1]
            streams[field[0], default: (victimPort, [])].flags.append(field[3])
        }
        #expect(streams.count == Self.scannedPortCount)
        #expect(Set(streams.values.map(\.port)).count == Self.scannedPortCount)
        for (_, stream) in streams {
            if Self.openPorts.contains(stream.port) {
                #expect(stream.flags == ["0x0002", "0x0012", "0x0010", "0x0014"], "port \(stream.port)")
            } else {
                #expect(stream.flags == ["0x0002", "0x0014"], "port \(stream.port)")
            }
        }
        #expect(try capture.distinct("tcp.flags==0x002", "tcp.srcport").count == Self.scannedPortCount)
        #expect(try capture.count("tcp.analysis.flags && !tcp.analysis.window_update") == 0)
    }

    // Expected: the probes carry exactly FIN (0x001), no flag (0x000) or
    // FIN+PSH+URG (0x029); every closed port answers RST-ACK, the open ones
    // nothing.
    @Test(arguments: [("fin_scan", "0x0001"), ("null_scan", "0x0000"), ("xmas_scan", "0x0029")])
    func stealthScanFlags(kind: String, flags: String) throws {
        let capture = try AttackCapture.make(["\(kind):start=0"], name: "\(kind).pcap")
        let probes = try capture.fields("ip.src==203.0.113.66", ["tcp.flags", "tcp.dstport"])
        #expect(Set(probes.map { $0[0] }) == [Substring(flags)])
        #expect(Set(probes.map { $0[1] }).count == Self.scannedPortCount)
        #expect(try capture.count("ip.src==10.1.0.80 && tcp.flags==0x014") == Self.scannedPortCount - 3)
        #expect(try capture.distinct("ip.src==10.1.0.80", "tcp.srcport").isDisjoint(with: Self.openPorts))
    }

    // Expected: one empty datagram per port; ICMP port unreachable (type 3
    // code 3) only within Linux's limit, six at once then one a second
    // (the scan of 1042 ports at 200/s takes some 5.2 s: 6 + 5 or 6), each
    // quoting a probe sent before it, to a closed port (not 53, 123, 161).
    @Test func udpScanUnreachablesQuoteTheProbes() throws {
        let capture = try AttackCapture.make(["udp_scan:start=0"], name: "udp-scan.pcap")
        var probeTimes: [Substring: Int64] = [:]
        for field in try capture.fields("ip.src==203.0.113.66 && udp && !icmp", ["frame.time_epoch", "udp.dstport", "udp.length"]) {
            probeTimes[field[1]] = AttackCapture.microseconds(field[0])
            #expect(field[2] == "8")
        }
        #expect(probeTimes.count == Self.scannedPortCount)
        let errors = try capture.fields("icmp", ["frame.time_epoch", "icmp.type", "icmp.code", "udp.dstport", "ip.src"])
        #expect((11...12).contains(errors.count), "\(errors.count)")
        for error in errors {
            #expect(error[1] == "3" && error[2] == "3")
            #expect(error[4] == "10.1.0.80,203.0.113.66")
            let quotedPort = error[3]
            #expect(!["53", "123", "161"].contains(quotedPort))
            let sent = try #require(probeTimes[quotedPort])
            #expect(sent < AttackCapture.microseconds(error[0]))
        }
    }

    // Expected: one SYN to port 22 of each of the 254 hosts of 10.1.0.0/24;
    // the three attack victims (10.1.0.21, .22, .80, which run SSH) among
    // the hosts answering SYN-ACK, each reset by the scanner; the
    // background's servers (10.1.0.10-15, .25, .30-32, .40-47, .53) silent;
    // most addresses silent.
    @Test func horizontalScan() throws {
        let capture = try AttackCapture.make(["horizontal_scan:start=0"], name: "horizontal.pcap")
        let syns = try capture.fields("tcp.flags==0x002", ["ip.dst", "tcp.dstport"])
        #expect(Set(syns.map { $0[0] }).count == 254)
        #expect(Set(syns.map { $0[1] }) == ["22"])
        let listening = try capture.distinct("tcp.flags==0x012", "ip.src")
        #expect(listening.isSuperset(of: ["10.1.0.21", "10.1.0.22", "10.1.0.80"]))
        #expect(try capture.distinct("tcp.flags==0x004", "ip.dst") == listening)
        let answering = try capture.distinct("ip.dst==203.0.113.66", "ip.src")
        #expect(answering.count < 254 / 4, "\(answering.count)")
        for server in ["10.1.0.10", "10.1.0.25", "10.1.0.31", "10.1.0.44", "10.1.0.53"] {
            #expect(!answering.contains(Substring(server)))
        }
    }

    // Expected: an echo request to each of the 254 hosts; replies (which
    // tshark links to their request, icmp.resp_to) from a minority, among
    // them the three victims.
    @Test func pingSweep() throws {
        let capture = try AttackCapture.make(["ping_sweep:start=0"], name: "ping-sweep.pcap")
        #expect(try capture.distinct("icmp.type==8", "ip.dst").count == 254)
        let replies = try capture.fields("icmp.type==0", ["ip.src", "icmp.resp_to"])
        #expect(replies.count > 3 && replies.count < 254 / 4)
        #expect(replies.allSatisfy { !$0[1].isEmpty })
        #expect(Set(replies.map { $0[0] }).isSuperset(of: ["10.1.0.21", "10.1.0.22", "10.1.0.80"]))
    }

    // Expected: about 5000 SYNs in one second (jitter: ±3 %), to port 80
    // only, nearly all from distinct addresses, none from 0/8, 10/8, 127/8
    // or 224/3; one TTL (one sending machine); nothing from the victim.
    @Test func spoofedSynFlood() throws {
        let capture = try AttackCapture.make(["syn_flood:start=0,duration=1"], name: "syn-flood.pcap")
        let syns = try capture.fields("tcp.flags==0x002", ["ip.src", "tcp.dstport", "ip.ttl", "tcp.srcport"])
        #expect(syns.count > 4850 && syns.count < 5150, "\(syns.count)")
        #expect(syns.count == capture.summary.packets)
        #expect(Set(syns.map { $0[1] }) == ["80"])
        #expect(Set(syns.map { $0[0] }).count > syns.count * 99 / 100)
        #expect(Set(syns.map { $0[2] }).count == 1)
        #expect(Set(syns.map { $0[3] }).count > syns.count * 9 / 10)
        for source in syns.map({ $0[0] }) {
            let first = Int(source.prefix { $0 != "." })!
            #expect(first != 0 && first != 10 && first != 127 && first < 224, "\(source)")
        }
        #expect(capture.rows.first?.attacker == "spoofed")
    }

    // Expected: one source address, one destination port (the truth's),
    // random source ports, payloads of 0 to 64 bytes; the victim's port is
    // closed, so a few ICMP unreachables (six, then one a second).
    @Test func udpFlood() throws {
        let capture = try AttackCapture.make(["udp_flood:start=0,duration=3"], name: "udp-flood.pcap")
        let datagrams = try capture.fields("ip.src==203.0.113.66 && udp", ["udp.dstport", "udp.length", "udp.srcport"],
                                           extra: ["-d", "udp.port==1-65535,data"])
        #expect(datagrams.count > 14_500)
        let port = try #require(capture.rows.first?.destinationPort)
        #expect(Set(datagrams.map { $0[0] }) == [Substring(port)])
        let lengths = Set(datagrams.map { Int($0[1])! - 8 })
        #expect(lengths == Set(0...64))
        #expect(Set(datagrams.map { $0[2] }).count > 10_000)
        let unreachable = try capture.count("icmp.type==3 && icmp.code==3 && ip.src==10.1.0.80")
        #expect((8...9).contains(unreachable), "\(unreachable)")
    }

    // Expected: about 5000 echo requests a second and a reply to each,
    // which tshark pairs with its request (same identifier and sequence).
    @Test func icmpFlood() throws {
        let capture = try AttackCapture.make(["icmp_flood:start=0,duration=1"], name: "icmp-flood.pcap")
        let requests = try capture.count("icmp.type==8 && ip.src==203.0.113.66")
        #expect(requests > 4850 && requests < 5150, "\(requests)")
        let replies = try capture.fields("icmp.type==0", ["icmp.resp_to"])
        #expect(replies.count == requests)
        #expect(replies.allSatisfy { !$0[0].isEmpty })
    }

    // Expected: with IPv4 reassembly on (tshark's default), every response
    // reassembles into a DNS response from port 53 of 1500 to 4000 bytes
    // (UDP length 1508-4008) made of at least two fragments; about 1000 a
    // second from at most 200 resolvers; no query anywhere; the victim
    // sends nothing.
    @Test func dnsAmplificationFragmentsReassemble() throws {
        let capture = try AttackCapture.make(["dns_amplification:start=0,duration=2"], name: "amplification.pcap")
        let responses = try capture.fields("dns.flags.response==1 && udp.srcport==53",
                                           ["udp.length", "ip.fragment.count", "ip.src", "dns.qry.type", "udp.checksum.status"],
                                           extra: ["-o", "ip.defragment:TRUE"])
        #expect(responses.count > 1800 && responses.count < 2200, "\(responses.count)")
        for response in responses {
            #expect((1508...4008).contains(Int(response[0])!))
            #expect(Int(response[1])! >= 2)
            #expect(response[3] == "255")
            #expect(response[4] == "1")
        }
        let sources = Set(responses.map { $0[2] })
        #expect(sources.count > 150 && sources.count <= 200)
        #expect(try capture.count("dns.flags.response==0") == 0)
        #expect(try capture.count("ip.src==10.1.0.80") == 0)
        // Fragments as the IP layer sees them (reassembly off): each
        // datagram starts at offset 0 with more-fragments set and ends with
        // it clear at a later offset, counted in 8-byte units (1480 / 8 =
        // 185 per full fragment).
        let fragments = try capture.fields("", ["ip.flags.mf", "ip.frag_offset"], extra: ["-o", "ip.defragment:FALSE"])
        let firsts = fragments.filter { $0[0] == "1" && $0[1] == "0" }
        let lasts = fragments.filter { $0[0] == "0" }
        #expect(firsts.count == responses.count && lasts.count == responses.count)
        #expect(fragments.allSatisfy { Int($0[1])! % 185 == 0 })
        #expect(lasts.allSatisfy { $0[1] != "0" })
    }

    // Expected: tshark's TCP conversation table (-z conv,tcp) lists one
    // conversation per connection, about 2.5 a second; each shows both SSH
    // banners and the key exchange, and the server sends the first FIN.
    @Test func sshGuessing() throws {
        let capture = try AttackCapture.make(["ssh_bruteforce:start=0,duration=8"], name: "ssh-guess.pcap")
        let conversations = try Fixtures.tshark(capture.path, ["-q", "-z", "conv,tcp"])
            .split(separator: "\n").filter { $0.contains("<->") && $0.contains("10.1.0.22:22") }
        #expect(conversations.count >= 14 && conversations.count <= 26, "\(conversations.count)")
        let streams = try capture.distinct("tcp.flags==0x002", "tcp.stream")
        #expect(streams.count == conversations.count)
        #expect(try capture.distinct("ssh.protocol", "ssh.protocol")
            == ["SSH-2.0-libssh_0.10.6", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"])
        #expect(try capture.count("ssh.message_code==20") == 2 * streams.count)
        #expect(try capture.count("ssh.message_code==30") == streams.count)
        var firstFin: [Substring: Substring] = [:]
        for field in try capture.fields("tcp.flags.fin==1", ["tcp.stream", "ip.src"]) where firstFin[field[0]] == nil {
            firstFin[field[0]] = field[1]
        }
        #expect(firstFin.count == streams.count)
        #expect(Set(firstFin.values) == ["10.1.0.22"])
    }

    // Expected: one conversation per connection, about 2 a second; every
    // connection greets with 220 and answers each of its three PASS with
    // 530 (ftp.response.code), then the server closes first.
    @Test func ftpGuessing() throws {
        let capture = try AttackCapture.make(["ftp_bruteforce:start=0,duration=8"], name: "ftp-guess.pcap")
        let conversations = try Fixtures.tshark(capture.path, ["-q", "-z", "conv,tcp"])
            .split(separator: "\n").filter { $0.contains("<->") && $0.contains("10.1.0.21:21") }
        #expect(conversations.count >= 10 && conversations.count <= 22, "\(conversations.count)")
        #expect(try capture.count("ftp.response.code==220") == conversations.count)
        #expect(try capture.count("ftp.request.command==\"PASS\"") == 3 * conversations.count)
        #expect(try capture.count("ftp.response.code==530") == 3 * conversations.count)
        let closers = try capture.fields("tcp.flags.fin==1", ["tcp.stream", "ip.src"])
        var firstFin: [Substring: Substring] = [:]
        for field in closers where firstFin[field[0]] == nil { firstFin[field[0]] = field[1] }
        #expect(Set(firstFin.values) == ["10.1.0.21"])
    }

    // Expected: 150 connections to port 80, each with one unfinished GET
    // (tshark: http.request, and no request ends, so no response), a
    // keep-alive header every ~15 s (so 60 s give each 4 "X-a:" lines, the
    // last maybe just past the end), and never an HTTP response.
    @Test func slowloris() throws {
        let capture = try AttackCapture.make(["slowloris:start=0,duration=60"], name: "slowloris.pcap")
        let conversations = try Fixtures.tshark(capture.path, ["-q", "-z", "conv,tcp"])
            .split(separator: "\n").filter { $0.contains("<->") && $0.contains("10.1.0.80:80") }
        #expect(conversations.count == 150)
        #expect(try capture.count("http.response") == 0)
        #expect(try capture.count("tcp.payload contains \"GET /?\"") == 150)
        let keepAlives = try capture.count("tcp.payload contains \"X-a: \"")
        #expect(keepAlives >= 150 * 3 && keepAlives <= 150 * 4, "\(keepAlives)")
        #expect(try capture.count("ip.src==10.1.0.80 && tcp.len > 0") == 0)
        // All 150 open within the first 3 s (50 a second, ±50 % jitter).
        let opens = try capture.fields("tcp.flags==0x002", ["frame.time_relative"]).map { Double($0[0])! }
        #expect(opens.count == 150 && opens.max()! < 4.5)
    }

    // Expected: the same options and seed give the same bytes and the same
    // ground truth; another seed changes them.
    @Test func attacksAreDeterministic() throws {
        let specs = ["syn_scan:start=1", "udp_flood:start=1.5,duration=1", "dns_amplification:start=2,duration=1",
                     "ssh_bruteforce:start=0.5,duration=3", "slowloris:start=1,duration=16"]
        let a = try AttackCapture.make(specs, name: "det-a.pcap", benign: true, duration_s: 20, snapLength: 128)
        let b = try AttackCapture.make(specs, name: "det-b.pcap", benign: true, duration_s: 20, snapLength: 128)
        let c = try AttackCapture.make(specs, name: "det-c.pcap", benign: true, duration_s: 20, seed: 2, snapLength: 128)
        #expect(try Fixtures.read(a.path) == Fixtures.read(b.path))
        #expect(GroundTruth.tsv(a.rows) == GroundTruth.tsv(b.rows))
        #expect(try Fixtures.read(a.path) != Fixtures.read(c.path))
        #expect(GroundTruth.tsv(a.rows) != GroundTruth.tsv(c.rows))
        #expect(a.rows.count == specs.count)
    }

    // Expected: attacks do not disturb the background: the benign packets
    // of a run with attacks (those not to or from an attack's addresses)
    // are exactly the packets of the same run without them, because each
    // scenario draws from its own random stream.
    @Test func attacksLeaveTheBackgroundAlone() throws {
        let plain = try AttackCapture.make([], name: "bg-plain.pcap", benign: true, duration_s: 4, snapLength: 128)
        let mixed = try AttackCapture.make(["syn_scan:start=1", "icmp_flood:start=2,duration=1"], name: "bg-mixed.pcap",
                                           benign: true, duration_s: 4, snapLength: 128)
        let filter = "!(ip.addr==203.0.113.66 && ip.addr==10.1.0.80)"
        let fields = ["frame.time_epoch", "frame.len", "ip.src", "ipv6.src", "tcp.seq_raw", "udp.srcport"]
        let benignOfMixed = try mixed.fields(filter, fields)
        #expect(benignOfMixed == (try plain.fields(filter, fields)))
        #expect(benignOfMixed.count == plain.summary.packets)
    }

    // Expected: in a run with the background and several attacks, each
    // row's start and end are the first and last packets between its
    // attacker and victim as tshark sees them.
    @Test func truthAmidTheBackground() throws {
        let capture = try AttackCapture.make(["ftp_bruteforce:start=1,duration=4", "icmp_flood:start=2.25,duration=1.5"],
                                             name: "truth-mixed.pcap", benign: true, duration_s: 12, snapLength: 128)
        let filters = ["ip.addr==10.1.0.21 && ip.addr==203.0.113.66", "icmp && ip.addr==10.1.0.80 && ip.addr==203.0.113.66"]
        #expect(capture.rows.count == 2)
        for (row, filter) in zip(capture.rows, filters) {
            let times = try capture.fields(filter, ["frame.time_epoch"]).map { AttackCapture.microseconds($0[0]) }
            #expect(AttackCapture.microseconds(Substring(row.start)) == times.first, "\(row.technique)")
            #expect(AttackCapture.microseconds(Substring(row.end)) == times.last, "\(row.technique)")
        }
        #expect(capture.rows[1].start == "1767225602.250000")
    }

    // Expected: without a duration the capture runs 5 s past the last
    // attack packet: the last packet falls in (end, end + 5 s].
    @Test func captureEndsFiveSecondsAfterTheAttacks() throws {
        let capture = try AttackCapture.make(["ping_sweep:start=1"], name: "tail.pcap", benign: true, snapLength: 128)
        let end = AttackCapture.microseconds(Substring(try #require(capture.rows.first).end))
        let last = capture.summary.lastTime!.nanoseconds / 1000
        #expect(last > end + 4_900_000 && last < end + 5_000_000)
    }
}
