/// The built-in ruleset, in the YAML of sluice-rules(5): what `alert` uses
/// without `--rules`, and what `alert --print-rules` writes, to start a
/// ruleset of one's own from.
///
/// Every threshold comes from what the attack is, not from a capture: a
/// rate no ordinary host reaches, a count of distinct ports or hosts that
/// no ordinary client needs, a share that says the traffic is one-sided.
/// The `reason` of each rule says which.
public enum DefaultRules {
    public static let file = "(built-in rules)"

    public static let yaml = #"""
# Sluice's built-in rules (sluice-rules(5)). Conditions are over the
# features of sluice-features(7), 5 s steps, per host and view: "src" is
# the host as the originator of its flows, "dst" as their responder.
version: 1
rules:
  - name: tcp_port_scan
    kind: port_scan
    signature_id: 9100001
    signature: "SLUICE SCAN TCP port scan of a host"
    category: Attempted Information Leak
    severity: 2
    view: src
    when: >-
      dports_5m >= 100 and peers_5m <= 4 and failed_ratio_5m >= 0.5 and flows_5s > 0
    attacker: host
    victim: top_peer_5m
    proto: TCP
    message: "{attacker} probed {dports_5m} ports of {victim} in 5 minutes; {failed_ratio_5m} of its connections failed"
    evidence: [flows_started_5m, peers_5m, top_peer_share_5m]
    reason: >-
      A client uses a handful of service ports on a server; a hundred
      distinct ports on at most four hosts in five minutes, with most
      attempts unanswered, rejected or reset, is a search for open ports
      (nmap's default is the 1000 most common). SYN, connect, FIN, NULL
      and Xmas scans all leave failed attempts: closed ports reset them,
      filtered ones never answer. flows_5s > 0 ends the alert with the scan.

  - name: udp_port_scan
    kind: port_scan
    signature_id: 9100002
    signature: "SLUICE SCAN UDP port scan of a host"
    category: Attempted Information Leak
    severity: 2
    view: src
    when: >-
      dports_5m >= 100 and peers_5m <= 4 and udp_packets_5s > tcp_packets_5s
      and packets_in_5s * 2 <= packets_out_5s and bytes_out_5s <= packets_out_5s * 512
    attacker: host
    victim: top_peer_5m
    proto: UDP
    message: "{attacker} sent UDP to {dports_5m} ports of {victim} in 5 minutes, mostly unanswered"
    evidence: [flows_started_5m, packets_out_5s, packets_in_5s]
    reason: >-
      UDP services live on few ports; a hundred distinct ports of at most
      four hosts in five minutes, where fewer than one datagram in two gets
      an answer in the same flow (closed ports answer with ICMP, in flows
      of their own; open ones mostly not at all), is a UDP scan.
      Conversations such as RTP answer in the same flows. Probes are
      small, an empty datagram or a service's shortest request (nmap's
      stay far below 512 bytes); a reflector's answers to queries spoofed
      in a victim's name also reach many of its ports unanswered, but
      they are large, which is the point of amplification.

  - name: horizontal_scan
    kind: horizontal_scan
    signature_id: 9100003
    signature: "SLUICE SCAN horizontal scan of one service"
    category: Attempted Information Leak
    severity: 2
    view: src
    when: >-
      peers_5m >= 50 and top_dport_share_5m >= 0.8 and failed_ratio_5m >= 0.5 and flows_5s > 0
    attacker: host
    victim: none
    dest_port: top_dport_5m
    proto: TCP
    message: "{attacker} tried port {dest_port} on {peers_5m} hosts in 5 minutes; {failed_ratio_5m} of the attempts failed"
    evidence: [flows_started_5m, top_dport_5m]
    reason: >-
      Fifty hosts in five minutes, four connections in five to the same
      port, and most of them failing: a client that talks to many servers
      reaches them (the web, mail delivery), a sweep for one service finds
      most addresses empty or closed.

  - name: ping_sweep
    kind: ping_sweep
    signature_id: 9100004
    signature: "SLUICE SCAN ICMP ping sweep"
    category: Attempted Information Leak
    severity: 3
    view: src
    when: >-
      peers_5m >= 50 and icmp_flows_5m >= 50 and icmp_flows_5m * 2 >= flows_5m and flows_5s > 0
    attacker: host
    victim: none
    proto: ICMP
    message: "{attacker} sent ICMP to {peers_5m} hosts in 5 minutes"
    evidence: [flows_5m]
    reason: >-
      Echo requests to fifty hosts in five minutes, ICMP being at least
      half of the host's flows: host discovery. A monitoring system that
      pings its fleet does the same, and belongs in ignore_hosts.

  - name: syn_flood
    kind: syn_flood
    signature_id: 9100101
    signature: "SLUICE DOS TCP SYN flood"
    category: Attempted Denial of Service
    severity: 1
    view: dst
    when: >-
      s0_flows_5s >= 500 and s0_ratio_5s >= 0.5 and dports_5s <= 10
    attacker: top_peer_5s
    victim: host
    dest_port: top_dport_5s
    proto: TCP
    ignore_hosts: [224.0.0.0/4, 255.255.255.255/32]
    message: "{victim} got {s0_flows_5s} unanswered SYNs to port {dest_port} in 5 s from {peers_5s} sources"
    evidence: [peers_5s, packets_in_5s, flows_started_5s]
    reason: >-
      A live server answers a SYN within a round trip; a hundred attempts a
      second left unanswered, most of the host's TCP flows, on at most ten
      of its ports (a port scan spreads over many), is a flood filling its
      backlog. The sources are named only when one sent most of it:
      spoofed floods come from everywhere, and only the victim's view
      shows them.

  - name: udp_flood
    kind: udp_flood
    signature_id: 9100102
    signature: "SLUICE DOS UDP flood"
    category: Attempted Denial of Service
    severity: 1
    view: dst
    when: >-
      udp_packets_5s >= 2500 and packets_out_5s * 10 <= packets_in_5s
      and (flows_started_5s >= 100 or udp_packets_5s >= 50000)
    attacker: top_peer_5s
    victim: host
    dest_port: top_dport_5s
    proto: UDP
    ignore_hosts: [224.0.0.0/4, 255.255.255.255/32, "ff00::/8"]
    message: "{victim} got {udp_packets_5s} UDP packets in 5 s in {flows_started_5s} new flows from {peers_5s} sources, answering almost none"
    evidence: [peers_5s, bytes_in_5s, packets_out_5s]
    reason: >-
      Five hundred UDP packets a second, one way (the host answers fewer
      than one in ten), arriving in a hundred new flows (random source
      ports or many sources), or at ten thousand a second in any flows. A
      media stream is one flow, and a multicast group is no victim. A
      reflected flood is a UDP flood too: this alert comes beside
      dns_amplification's or udp_reflection's, which say how it is made.

  - name: icmp_flood
    kind: icmp_flood
    signature_id: 9100103
    signature: "SLUICE DOS ICMP flood"
    category: Attempted Denial of Service
    severity: 1
    view: dst
    when: >-
      icmp_packets_5s >= 2500 and icmp_packets_5s * 2 >= packets_in_5s + packets_out_5s
    attacker: top_peer_5s
    victim: host
    proto: ICMP
    ignore_hosts: [224.0.0.0/4, 255.255.255.255/32, "ff00::/8"]
    message: "{victim} got {icmp_packets_5s} ICMP packets in 5 s from {peers_5s} sources"
    evidence: [peers_5s, packets_in_5s, bytes_in_5s]
    reason: >-
      Ping sends one echo a second; five hundred ICMP packets a second to
      one host, most of its traffic, is a flood, whether it answers
      (echo) or not (BlackNurse's port unreachables).

  - name: dns_amplification
    kind: dns_amplification
    signature_id: 9100201
    signature: "SLUICE DOS DNS amplification (reflected responses)"
    category: Attempted Denial of Service
    severity: 1
    view: dst
    when: >-
      top_sport_5s == 53 and top_sport_share_5s >= 0.5 and peers_5s >= 10
      and bytes_in_5s >= 50000 and packets_out_5s * 10 <= packets_in_5s
    attacker: none
    victim: host
    proto: UDP
    ignore_hosts: [224.0.0.0/4, 255.255.255.255/32, "ff00::/8"]
    message: "{victim} got {bytes_in_5s} bytes of DNS responses in 5 s from {peers_5s} servers it did not query"
    evidence: [udp_packets_5s, packets_in_5s]
    reason: >-
      The host is the responder of these flows: the DNS servers spoke
      first, so it asked them nothing (a client's answers belong to its own
      queries' flows, in its src view). Half its bytes from source port 53,
      from ten servers or more, at 10 kB/s or more, with next to nothing
      going back: responses to queries spoofed in its name.

  - name: udp_reflection
    kind: udp_reflection
    signature_id: 9100202
    signature: "SLUICE DOS UDP reflection/amplification"
    category: Attempted Denial of Service
    severity: 1
    view: dst
    when: >-
      top_sport_5s in [17, 19, 111, 123, 137, 161, 389, 520, 1900, 3283, 3702, 5093, 5353, 5683, 10001, 11211, 27015, 33848, 37810]
      and top_sport_share_5s >= 0.5 and peers_5s >= 10 and bytes_in_5s >= 50000
      and packets_out_5s * 10 <= packets_in_5s
    attacker: none
    victim: host
    proto: UDP
    ignore_hosts: [224.0.0.0/4, 255.255.255.255/32, "ff00::/8"]
    message: "{victim} got {bytes_in_5s} bytes in 5 s from {peers_5s} hosts' UDP port {top_sport_5s}, unasked"
    evidence: [udp_packets_5s, packets_in_5s, top_sport_5s]
    reason: >-
      The same as DNS amplification for the other services that answer a
      small spoofed request with a large reply (quote of the day,
      chargen, portmap, NTP, NetBIOS, SNMP, CLDAP, RIP, SSDP, ARMS,
      WS-Discovery, MSSQL-browser class, mDNS, CoAP, Ubiquiti, memcached,
      game servers).

  - name: ssh_password_guessing
    kind: ssh_bruteforce
    signature_id: 9100301
    signature: "SLUICE BRUTEFORCE SSH password guessing"
    category: Attempted Administrator Privilege Gain
    severity: 1
    view: src
    when: >-
      top_dport_5m == 22 and top_dport_share_5m >= 0.8 and flows_started_5m >= 10
      and peers_5m <= 4 and bytes_in_per_flow_5m <= 20000
      and payload_bytes_out_5s > 0 and payload_bytes_in_5s > 0
    attacker: host
    victim: top_peer_5m
    dest_port: 22
    proto: TCP
    message: "{attacker} opened {flows_started_5m} SSH connections to {victim} in 5 minutes, each short and small"
    evidence: [peers_5m, top_peer_share_5m]
    reason: >-
      A person opens a few SSH sessions and keeps them; a guessing tool
      opens one connection per few passwords, because servers drop a
      client after a few failures (MaxAuthTries). Ten connections in five
      minutes to at most four servers, SSH being four in five of the
      host's flows and each receiving less than 20 kB: guessing, when
      both sides send payload in the step (a guess needs the server's
      banner and its answer; connections closed before any data are
      probes, not guesses). Scripts
      that open many short SSH connections (configuration management)
      look the same.

  - name: ftp_password_guessing
    kind: ftp_bruteforce
    signature_id: 9100302
    signature: "SLUICE BRUTEFORCE FTP password guessing"
    category: Attempted Administrator Privilege Gain
    severity: 1
    view: src
    when: >-
      top_dport_5m == 21 and top_dport_share_5m >= 0.8 and flows_started_5m >= 10
      and peers_5m <= 4 and bytes_in_per_flow_5m <= 20000
      and payload_bytes_out_5s > 0 and payload_bytes_in_5s > 0
    attacker: host
    victim: top_peer_5m
    dest_port: 21
    proto: TCP
    message: "{attacker} opened {flows_started_5m} FTP control connections to {victim} in 5 minutes"
    evidence: [peers_5m, top_peer_share_5m]
    reason: >-
      An FTP client logs in once and keeps its control connection (the
      data goes over other connections); servers close the control
      connection after a few failed logins. Ten control connections in
      five minutes to the same few servers, exchanging commands and
      replies in the step, is guessing.

  - name: slowloris
    kind: slowloris
    signature_id: 9100401
    signature: "SLUICE DOS slowloris (many slow HTTP connections)"
    category: Attempted Denial of Service
    severity: 2
    view: src
    when: >-
      top_dport_5s in [80, 443, 8000, 8008, 8080, 8443, 8888] and top_dport_share_5s >= 0.8
      and top_peer_share_5s >= 0.8 and flows_5s >= 50 and s0_ratio_5s <= 0.2
      and payload_bytes_in_5s <= flows_5s * 10 and payload_bytes_out_5s <= flows_5s * 1000
    attacker: host
    victim: top_peer_5s
    dest_port: top_dport_5s
    proto: TCP
    message: "{attacker} held {flows_5s} connections to {victim} port {dest_port} sending {payload_bytes_out_5s} bytes in 5 s and receiving nothing"
    evidence: [flows_started_5s, payload_bytes_out_5s, payload_bytes_in_5s]
    reason: >-
      Browsers open at most six connections to a server; fifty to one web
      server, handshakes completed, each sending under 1 kB in 5 s (a
      partial request, then a header line now and then) and the server
      sending nothing back because no request ever ends: the connections
      are held to exhaust the server's workers.
"""#
}
