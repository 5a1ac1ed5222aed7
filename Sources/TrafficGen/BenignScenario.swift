/// The ordinary background of a small network: clients opening TCP
/// connections to web, mail, SSH and database servers, looking names up and
/// now and then pinging something.
///
/// Sessions start as a Poisson process (exponential gaps) at the configured
/// rate. Each session gets its own random stream, forked from the
/// scenario's, so a session's shape depends only on the seed and its place
/// in the sequence of starts.
public final class BenignScenario: Scenario {
    public private(set) var nextStartTime: Int64
    private var random: SeededRandom
    private let plan: AddressPlan
    private let meanGapNs: Double
    private let ipv6Share: Double
    private let serviceTable: [Int]
    private let services: [Service]

    /// Shares of session kinds; the rest are TCP.
    static let dnsShare = 0.22
    static let icmpShare = 0.03

    public init(start: Int64, sessionsPerSecond: Double, ipv6Share: Double, plan: AddressPlan, random: SeededRandom,
                services: [Service] = Service.benignMix) {
        self.random = random
        self.plan = plan
        self.meanGapNs = 1e9 / sessionsPerSecond
        self.ipv6Share = ipv6Share
        self.services = services
        // One entry per unit of weight: picking a service is one draw.
        serviceTable = services.indices.flatMap { index in Array(repeating: index, count: services[index].weight) }
        nextStartTime = start
        nextStartTime = start + gap()
    }

    private func gap() -> Int64 {
        Int64(random.exponential(mean: meanGapNs)) + 1
    }

    public func startSession() -> Session {
        let start = nextStartTime
        nextStartTime = start + gap()
        var sessionRandom = random.fork()
        let host = sessionRandom.below(plan.hostCount)
        let isIPv6 = sessionRandom.chance(ipv6Share)
        var ends = Endpoints(isIPv6: isIPv6, clientMAC: plan.clientMAC(host), serverMAC: AddressPlan.routerMAC,
                             clientIPv4: plan.clientIPv4(host), clientIPv6: plan.clientIPv6(host),
                             clientPort: UInt16(sessionRandom.int(32768...60999)), serverPort: 0,
                             clientTTL: plan.clientTTL(host), serverTTL: 64)
        let kind = sessionRandom.unit()
        if kind < Self.dnsShare {
            setServer(&ends, plan.internalServer(port: 53, random: &sessionRandom), port: 53)
            return DNSExchange(start: start, ends: ends, random: sessionRandom)
        }
        let isInternal: Bool
        let service = services[serviceTable[sessionRandom.below(serviceTable.count)]]
        if kind < Self.dnsShare + Self.icmpShare {
            isInternal = sessionRandom.chance(0.4)
        } else {
            isInternal = sessionRandom.chance(service.internalShare)
        }
        let server = isInternal ? plan.internalServer(port: service.port, random: &sessionRandom)
                                : plan.externalServer(random: &sessionRandom)
        setServer(&ends, server, port: service.port)
        let roundTripNs = Int64(isInternal ? sessionRandom.logUniform(150_000, 2_000_000)
                                           : sessionRandom.logUniform(8_000_000, 180_000_000))
        if kind < Self.dnsShare + Self.icmpShare {
            ends.clientPort = 0
            ends.serverPort = 0
            return ICMPEcho(start: start, ends: ends, roundTripNs: roundTripNs, random: sessionRandom)
        }
        return TCPSession(start: start, ends: ends, service: service, roundTripNs: roundTripNs, random: sessionRandom)
    }

    private func setServer(_ ends: inout Endpoints, _ server: (IPv4: UInt32, IPv6: IPv6Bits, ttl: UInt8), port: UInt16) {
        ends.serverIPv4 = server.IPv4
        ends.serverIPv6 = server.IPv6
        ends.serverTTL = server.ttl
        ends.serverPort = port
    }
}
