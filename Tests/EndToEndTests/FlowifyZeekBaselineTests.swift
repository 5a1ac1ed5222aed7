import Foundation
import Testing

/// flowify against Zeek itself: the conn.log that Zeek's own test suite
/// expects for three of the shared traces, copied from zeek/zeek's btest
/// baselines (columns id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto,
/// orig_bytes, resp_bytes, conn_state, history, orig_pkts, resp_pkts, as
/// they are).
@Suite struct FlowifyZeekBaselineTests {
    /// `benign/zeek_ssh_sessions.pcap` is testing/btest/Traces/ssh/ssh.pcap;
    /// testing/btest/Baseline/scripts.base.protocols.ssh.basic/conn.log at
    /// commit 1843e2daaeb324729a446e3041987cc7c54be7c1.
    static let sshBaseline = """
        192.168.1.79 51880 131.159.21.1 22 tcp 2669 2501 SF ShAdDaFf 25 20
        10.0.0.18 40184 128.2.6.88 41644 tcp 3813 3633 SF ShADadFf 22 26
        192.168.2.1 57189 192.168.2.158 22 tcp 5253 3489 SF ShADadFf 38 29
        192.168.2.1 57191 192.168.2.158 22 tcp 576 813 SF ShAdDaFf 23 16
        192.168.2.1 55179 192.168.2.158 2200 tcp 2757 1721 RSTR ShADadFr 37 29
        192.168.2.1 56594 192.168.2.158 22 tcp 480 537 SF ShAdDaFf 17 14
        192.168.2.1 56821 192.168.2.158 22 tcp 820 1125 SF ShAdDaFf 26 20
        192.168.2.1 56837 192.168.2.158 22 tcp 692 997 SF ShAdDaFf 25 19
        192.168.2.1 56845 192.168.2.158 22 tcp 660 965 SF ShAdDaFf 26 20
        192.168.2.1 56875 192.168.2.158 22 tcp 588 549 SF ShAdDaFf 19 16
        192.168.2.1 56878 192.168.2.158 22 tcp 684 825 SF ShAdDaFf 25 19
        192.168.2.1 56940 192.168.2.158 22 tcp 500 609 SF ShAdDaFf 14 10
        192.168.2.1 57831 192.168.2.158 22 tcp 576 813 SF ShAdDaFf 23 18
        192.168.2.1 59246 192.168.2.158 22 tcp 3049 4165 SF ShADadFf 32 23
        192.168.1.32 41164 128.2.10.238 22 tcp 6087 3015 SF ShADadFf 32 33
        192.168.1.32 33910 128.2.13.133 22 tcp 6471 6037 SF ShADadFf 33 29
        192.168.1.32 41268 128.2.10.238 22 tcp 5613 2487 SF ShADadFf 24 20
        192.168.1.31 52294 192.168.1.32 22 tcp 3729 2229 SF ShADadFf 36 24
        192.168.1.31 57621 192.168.1.255 57621 udp - - S0 D 1 0
        192.168.1.32 57621 192.168.1.31 57621 udp - - S0 D 1 0
        192.168.1.31 51476 192.168.1.32 8118 tcp 76 0 SF DaFfA 6 5
        192.168.1.31 51489 192.168.1.32 22 tcp 4029 2497 SF ShAdDaFf 42 27
        192.168.1.32 58641 131.103.20.168 22 tcp 2885 2309 SF ShADdaFf 16 13
        192.168.1.32 58646 131.103.20.168 22 tcp 4477 535101 SF ShADadFf 179 226
        192.168.1.32 58649 131.103.20.168 22 tcp 4477 534861 SF ShADadFf 183 236
        """

    /// `linktypes/zeek_mixed_vlan_mpls.pcap` is
    /// testing/btest/Traces/mixed-vlan-mpls.trace (test core/vlan-mpls.zeek);
    /// testing/btest/Baseline/core.vlan-mpls/conn.log at commit
    /// 012acb22e96fa4296f2c9df35d64f6d2bb55e38a. Its connections run over
    /// VLAN and MPLS; the half-open one (SH, "SADF") never got an answer.
    static let vlanMPLSBaseline = """
        10.1.2.1 11001 10.34.0.1 23 tcp 26 0 SH SADF 11 0
        141.42.64.125 56730 125.190.109.199 80 tcp 98 9417 SF ShADdFaf 12 10
        10.20.80.1 50343 10.0.0.15 80 tcp 9 3429 SF ShADadfF 7 7
        """

    // Expected: one flow per Zeek connection, with the same originator,
    // conn_state, history (TCP; Zeek's UDP "D" is not written by flowify),
    // payload bytes from sequence numbers (orig_bytes, resp_bytes) and
    // packets each way.
    /// `linktypes/zeek_pppoe_over_qinq.pcap` is
    /// testing/btest/Traces/pppoe-over-qinq.pcap;
    /// testing/btest/Baseline/core.pppoe-over-qinq/conn.log at commit
    /// 0e2f8397198130b04fe45ee536468b44bcb3204e. A TLS connection with
    /// retransmissions both ways: Zeek writes T and t twice each, at the
    /// 1st and the 10th retransmission of each side (its scaled history).
    static let pppoeBaseline = """
        1.1.1.1 20394 2.2.2.2 443 tcp 11352 4984 SF ShADdtaTTtFf 44 42
        """

    @Test(arguments: [("benign/zeek_ssh_sessions.pcap", sshBaseline),
                      ("linktypes/zeek_mixed_vlan_mpls.pcap", vlanMPLSBaseline),
                      ("linktypes/zeek_pppoe_over_qinq.pcap", pppoeBaseline)])
    func flowsMatchZeeksConnLog(file: String, baseline: String) async throws {
        let (_, output) = try await flowifyCapture(file)
        let finals = output.finals
        let rows = baseline.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(finals.count == rows.count)
        for row in rows {
            let flow = finals.first {
                $0["src"] == row[0] && $0["sport"] == row[1] && $0["dst"] == row[2] && $0["dport"] == row[3]
            }
            guard let flow else {
                Issue.record("no flow oriented as Zeek's \(row[0]):\(row[1]) -> \(row[2]):\(row[3])")
                continue
            }
            let name = "\(row[0]):\(row[1]) -> \(row[2]):\(row[3])"
            #expect(flow["proto"] == (row[4] == "tcp" ? "6" : "17"), "\(name)")
            #expect(flow["conn_state"] == row[7], "\(name)")
            #expect(flow["orig_packets"] == row[9] && flow["resp_packets"] == row[10], "\(name)")
            if row[4] == "tcp" {
                #expect(flow["history"] == row[8], "\(name)")
                #expect(flow["orig_seq_bytes"] == row[5] && flow["resp_seq_bytes"] == row[6], "\(name)")
            }
        }
    }
}
