import SluiceCore
import Testing
@testable import TrafficGen

/// `--attack KIND[:key=value,...]` parsed in-process: defaults, every key,
/// and a message for each kind of mistake.
@Suite struct AttackSpecTests {
    // Expected: the defaults the issue and trafficgen(1) give: start 10 s,
    // the kind's duration and rate, attacker 203.0.113.66 (0xCB007142),
    // victim 10.1.0.80 (0x0A010050), no port for a vertical scan.
    @Test func bareKindTakesTheDefaults() throws {
        let spec = try AttackSpec(parsing: "syn_scan")
        #expect(spec.kind == .synScan)
        #expect(spec.start_ns == 10_000_000_000)
        #expect(spec.duration_ns == 30_000_000_000)
        #expect(spec.rate == 500)
        #expect(spec.attacker == 0xCB00_7142)
        #expect(spec.victim == 0x0A01_0050 && spec.victimPrefixLength == 32)
        #expect(spec.port == nil)
    }

    // Expected: each default as the manual's table states it.
    @Test func defaultsPerKind() throws {
        let expected: [(String, Double, Int64, UInt16?)] = [
            ("udp_scan", 200, 30, nil), ("horizontal_scan", 100, 30, 22), ("ping_sweep", 100, 30, nil),
            ("syn_flood", 5000, 20, 80), ("udp_flood", 5000, 20, nil), ("icmp_flood", 5000, 20, nil),
            ("dns_amplification", 1000, 20, nil), ("ssh_bruteforce", 2.5, 60, 22), ("ftp_bruteforce", 2, 60, 21),
            ("slowloris", 50, 120, 80),
        ]
        for (kind, rate, seconds, port) in expected {
            let spec = try AttackSpec(parsing: kind)
            #expect(spec.rate == rate, "\(kind)")
            #expect(spec.duration_ns == seconds * 1_000_000_000, "\(kind)")
            #expect(spec.port == port, "\(kind)")
        }
        #expect(try AttackSpec(parsing: "syn_flood").attacker == nil)
        #expect(try AttackSpec(parsing: "dns_amplification").attacker == nil)
        // 10.1.0.22 and 10.1.0.21; 10.1.0.0/24 for the sweeps.
        #expect(try AttackSpec(parsing: "ssh_bruteforce").victim == 0x0A01_0016)
        #expect(try AttackSpec(parsing: "ftp_bruteforce").victim == 0x0A01_0015)
        let sweep = try AttackSpec(parsing: "ping_sweep")
        #expect(sweep.victim == 0x0A01_0000 && sweep.victimPrefixLength == 24)
    }

    // Expected: every key read exactly; 198.51.100.7 is 0xC6336407,
    // 10.1.0.81 is 0x0A010051; 2.5 s is 2,500,000,000 ns.
    @Test func everyKey() throws {
        let spec = try AttackSpec(parsing: "slowloris:start=2.5,duration=30,rate=10,attacker=198.51.100.7,victim=10.1.0.81,port=8080")
        #expect(spec.start_ns == 2_500_000_000)
        #expect(spec.duration_ns == 30_000_000_000)
        #expect(spec.rate == 10)
        #expect(spec.attacker == 0xC633_6407)
        #expect(spec.victim == 0x0A01_0051)
        #expect(spec.port == 8080)
        #expect(spec.text == "slowloris:start=2.5,duration=30,rate=10,attacker=198.51.100.7,victim=10.1.0.81,port=8080")
        let flood = try AttackSpec(parsing: "syn_flood:attacker=192.0.2.9")
        #expect(flood.attacker == 0xC000_0209)
        #expect(try AttackSpec(parsing: "syn_flood:attacker=spoofed").attacker == nil)
        let sweep = try AttackSpec(parsing: "horizontal_scan:victim=10.2.0.0/16,port=3389")
        #expect(sweep.victim == 0x0A02_0000 && sweep.victimPrefixLength == 16 && sweep.port == 3389)
    }

    // Expected: a UDP flood's port, left to chance, is drawn once from the
    // dynamic range 49152-65535; a given one is kept.
    @Test func udpFloodPortIsDrawnOnce() throws {
        var random = SeededRandom(seed: 3)
        let drawn = try AttackSpec(parsing: "udp_flood").resolved(&random)
        #expect((49152...65535).contains(drawn.port ?? 0))
        #expect(try AttackSpec(parsing: "udp_flood:port=53").resolved(&random).port == 53)
    }

    // Expected: the problem named, after the spec in quotes.
    @Test(arguments: [
        ("syn_scn", "unknown kind 'syn_scn'"),
        ("syn_scan:", "expected key=value, found ''"),
        ("syn_scan:rate", "expected key=value, found 'rate'"),
        ("syn_scan:rate=0", "rate: not a number above 0"),
        ("syn_scan:rate=fast", "rate: not a number above 0"),
        ("syn_scan:rate=1e8", "rate: not a number above 0"),
        ("syn_scan:start=-1", "start: not a number of seconds"),
        ("syn_scan:duration=0", "duration: not a number of seconds above 0"),
        ("syn_scan:duration=99999999", "duration: not a number of seconds above 0"),
        ("syn_scan:port=80", "port does not apply to syn_scan"),
        ("ping_sweep:port=1", "port does not apply to ping_sweep"),
        ("slowloris:port=0", "port: not a port number"),
        ("slowloris:port=65536", "port: not a port number"),
        ("slowloris:attacker=10.0.0.256", "attacker: not an IPv4 address"),
        ("slowloris:attacker=010.0.0.1", "attacker: not an IPv4 address"),
        ("syn_flood:attacker=somewhere", "attacker: not an IPv4 address or 'spoofed'"),
        ("dns_amplification:attacker=192.0.2.1", "attacker does not apply"),
        ("slowloris:victim=10.1.0.0/24", "victim: not an IPv4 address"),
        ("horizontal_scan:victim=10.1.0.1", "victim: not a network"),
        ("horizontal_scan:victim=10.1.0.1/24", "victim: not a network"),
        ("horizontal_scan:victim=10.0.0.0/8", "victim: not a network"),
        ("slowloris:rate=1,rate=2", "rate given twice"),
        ("slowloris:speed=2", "unknown key 'speed'"),
        ("ssh_bruteforce:attacker=10.1.0.22", "attacker and victim are the same address"),
    ])
    func badSpecsAreNamed(text: String, problem: String) {
        do {
            _ = try AttackSpec(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.spec == text)
            #expect(error.problem.hasPrefix(problem), "\(error.problem)")
            #expect(error.description == "--attack '\(text)': \(error.problem)")
        }
    }

    // Expected: an attack must start inside a --duration capture.
    @Test func attacksAreCheckedAgainstTheCapture() throws {
        var options = TrafficOptions()
        options.duration_ns = 5_000_000_000
        #expect(throws: AttackSpecError.self) { try options.addAttacks(["syn_scan"]) }
        try options.addAttacks(["syn_scan:start=4.999"])
        #expect(options.attacks.count == 1)
    }

    // Expected: the families of the ground truth's kind column.
    @Test func familiesForTheDetector() {
        for kind in [AttackKind.synScan, .connectScan, .finScan, .nullScan, .xmasScan, .udpScan] {
            #expect(kind.family == "port_scan")
        }
        for kind in [AttackKind.horizontalScan, .pingSweep, .synFlood, .udpFlood, .icmpFlood, .dnsAmplification,
                     .sshBruteforce, .ftpBruteforce, .slowloris] {
            #expect(kind.family == kind.rawValue)
        }
        #expect(AttackKind.allCases.count == 15)
    }

    // Expected: what inet_pton(3) accepts and refuses.
    @Test func dottedQuads() {
        #expect(parseIPv4("0.0.0.0") == 0)
        #expect(parseIPv4("255.255.255.255") == 0xFFFF_FFFF)
        #expect(parseIPv4("203.0.113.66") == 0xCB00_7142)
        for bad in ["", "1.2.3", "1.2.3.4.5", "1.2.3.04", "1.2.3.-4", "1..3.4", "a.b.c.d", "1.2.3.4 ", "+1.2.3.4"] {
            #expect(parseIPv4(bad) == nil, "\(bad)")
        }
        #expect(parseIPv4Network("10.1.0.0/24")! == (0x0A01_0000, 24))
        #expect(parseIPv4Network("10.1.0.0/15") == nil)
        #expect(parseIPv4Network("10.1.0.0/31") == nil)
    }
}

/// The ground-truth file's name and its fields.
@Suite struct GroundTruthTests {
    @Test(arguments: [
        ("capture.pcap", "capture.truth.tsv"),
        ("/tmp/x/attack.pcapng", "/tmp/x/attack.truth.tsv"),
        ("a.b.pcap", "a.b.truth.tsv"),
        ("capture", "capture.truth.tsv"),
        ("dir.d/capture", "dir.d/capture.truth.tsv"),
        (".hidden", ".hidden.truth.tsv"),
    ])
    func besideThePcap(pcap: String, truth: String) {
        #expect(GroundTruth.path(besidePcap: pcap) == truth)
    }

    // Expected: truncation to the stored precision, as the pcap record
    // keeps fraction / 1000 for microseconds; zero-padded.
    @Test func timesAsThePcapStoresThem() {
        #expect(GroundTruth.timeText(1_767_225_610_000_999_999, nanoseconds: false) == "1767225610.000999")
        #expect(GroundTruth.timeText(1_767_225_610_000_999_999, nanoseconds: true) == "1767225610.000999999")
        #expect(GroundTruth.timeText(1_767_225_610_000_000_000, nanoseconds: false) == "1767225610.000000")
    }

    // Expected: the header of the issue plus technique; one line per
    // attack that wrote packets, numbered by its place among the attacks.
    @Test func rowsSkipSilentAttacksButKeepNumbers() throws {
        let specs = try ["syn_flood", "slowloris", "horizontal_scan:victim=10.2.0.0/16"].map { try AttackSpec(parsing: $0) }
        var written = AttackActivity()
        written.packets = 3
        written.first_ns = 1_000_000_000
        written.last_ns = 2_000_001_000
        let rows = GroundTruth.rows(attacks: specs, activity: [written, AttackActivity(), written],
                                    nanosecondTimestamps: false)
        #expect(GroundTruth.tsv(rows) == """
            scenario\tkind\ttechnique\tattacker\tvictim\tdest_port\tstart\tend
            1\tsyn_flood\tsyn_flood\tspoofed\t10.1.0.80\t80\t1.000000\t2.000001
            3\thorizontal_scan\thorizontal_scan\t203.0.113.66\t10.2.0.0/16\t22\t1.000000\t2.000001

            """)
    }
}

/// The Linux ICMP error limit the UDP scan and flood answer within.
@Suite struct ICMPRateLimitTests {
    // Expected: six at once (the inet_peer burst), then one per second:
    // in 10 s of probes every 10 ms, 6 + 9 or 10 answers.
    @Test func burstOfSixThenOneASecond() {
        var limit = ICMPRateLimit()
        var allowed = 0
        for tick in 0..<1000 where limit.allows(at: Int64(tick) * 10_000_000) { allowed += 1 }
        #expect(allowed == 15 || allowed == 16, "\(allowed)")
        var fresh = ICMPRateLimit()
        #expect((0..<10).filter { _ in fresh.allows(at: 0) }.count == 6)
    }
}
