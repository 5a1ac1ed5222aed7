/// Builds the scenario that plays one `--attack`, starting at `start`
/// (epoch nanoseconds) with its own random stream; connections take their
/// source ports from `ports`, which all attacks share.
func makeAttackScenario(_ spec: AttackSpec, start: Int64, random: SeededRandom, ports: EphemeralPorts) -> Scenario {
    switch spec.kind {
    case .synScan, .connectScan, .finScan, .nullScan, .xmasScan, .udpScan:
        return PortScanScenario(spec: spec, start: start, random: random, ports: ports)
    case .horizontalScan, .pingSweep:
        return NetworkSweepScenario(spec: spec, start: start, random: random)
    case .synFlood, .udpFlood, .icmpFlood:
        return OneSessionScenario(start: start) { FloodSession(spec: spec, start: start, random: random) }
    case .dnsAmplification:
        return OneSessionScenario(start: start) { AmplificationSession(spec: spec, start: start, random: random) }
    case .sshBruteforce, .ftpBruteforce:
        return PasswordGuessingScenario(spec: spec, start: start, random: random, ports: ports)
    case .slowloris:
        return SlowlorisScenario(spec: spec, start: start, random: random, ports: ports)
    }
}

extension AttackSpec {
    /// The spec with everything left to chance drawn: a UDP flood's port,
    /// a random high port chosen once (49152 to 65535, the dynamic range),
    /// as flood tools aimed at no service pick one.
    func resolved(_ random: inout SeededRandom) -> AttackSpec {
        var spec = self
        if spec.kind == .udpFlood && spec.port == nil {
            spec.port = UInt16(random.int(49152...65535))
        }
        return spec
    }
}
