/// DNS amplification: the attacker, elsewhere, sends small ANY queries to
/// open resolvers with the victim's address as source; what the capture
/// sees is the resolvers' large answers to a victim that never asked.
///
/// 200 resolvers with addresses spread over public-looking ranges, each
/// with its own TTL, answer at a combined 1000 responses/s (Poisson
/// arrivals): DNS responses of 1500 to 4000 bytes (a question for ANY under
/// the reserved example domains, TXT records, an EDNS0 OPT record), from
/// port 53 to a random port of the victim. Being larger than the 1500-byte
/// MTU, each response arrives as IPv4 fragments of 1480 data bytes, in
/// order and back to back at the rate of a 1 Gb/s link, with the UDP
/// checksum over the whole datagram in the first fragment, as a resolver's
/// kernel sends them.
///
/// The victim's own reactions (ICMP port unreachable, rate-limited per
/// resolver) are left out: they would be a few hundred a second against
/// thousands of fragments, and detectors key on the inbound volume.
final class AmplificationSession: Session {
    private(set) var nextTime: Int64
    private var random: SeededRandom
    private let victim: UInt32
    private let endTime: Int64
    private let meanGapNs: Double
    private var reflectors: [(address: UInt32, ttl: UInt8)] = []
    private var nextResponseTime: Int64

    /// The response being sent: the whole UDP datagram, and how much of it
    /// the fragments so far carried.
    private let datagram: UnsafeMutablePointer<UInt8>
    private var datagramBytes = 0
    private var sentBytes = 0
    private var ends: Endpoints
    private var ipID: UInt16 = 0

    static let reflectorCount = 200
    static let responseBytes = 1500...4000
    static let datagramCapacity = 8 + 4000
    /// Nanoseconds per byte on a 1 Gb/s link.
    static let linkNsPerByte: Int64 = 8

    static let domain: [UInt8] = Array("example".utf8)
    static let topLevel: [[UInt8]] = ["com", "net", "org"].map { Array($0.utf8) }
    static let textAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    init(spec: AttackSpec, start: Int64, random: SeededRandom) {
        self.random = random
        victim = spec.victim
        endTime = start + spec.duration_ns
        meanGapNs = 1e9 / spec.rate
        datagram = .allocate(capacity: Self.datagramCapacity)
        datagram.initialize(repeating: 0, count: Self.datagramCapacity)
        ends = AttackEnds.endpoints(attacker: 0, attackerTTL: 0, attackerPort: 53, victim: victim, victimPort: 0)
        var seen: Set<UInt32> = []
        while reflectors.count < Self.reflectorCount {
            let address = AttackEnds.publicLookingAddress(&self.random)
            guard address != victim, seen.insert(address).inserted else { continue }
            let roll = self.random.below(20)
            let initial = roll < 14 ? 64 : roll < 17 ? 128 : 255
            reflectors.append((address, UInt8(initial - self.random.int(6...20))))
        }
        nextTime = start
        nextResponseTime = start
    }

    deinit { datagram.deallocate() }

    func emit(into builder: PacketBuilder) -> Bool {
        let now = nextTime
        if sentBytes == 0 { buildResponse() }
        let count = min(PacketBuilder.fragmentDataBytes, datagramBytes - sentBytes)
        let isLast = sentBytes + count == datagramBytes
        builder.ipv4Fragment(ends, fromClient: true, ipID: ipID, protocolNumber: 17, datagram: datagram,
                             offset: sentBytes, count: count, moreFragments: !isLast)
        let wireNs = Int64(builder.frameBytes) * Self.linkNsPerByte
        if !isLast {
            sentBytes += count
            nextTime = now + wireNs
            return true
        }
        sentBytes = 0
        nextResponseTime += Int64(random.exponential(mean: meanGapNs)) + 1
        // One link carries them all: a response cannot start mid-frame.
        nextTime = max(nextResponseTime, now + wireNs)
        return nextResponseTime < endTime
    }

    /// Writes the next response, UDP header and DNS message, into
    /// `datagram`, from a random resolver to a random port of the victim.
    private func buildResponse() {
        let reflector = reflectors[random.below(reflectors.count)]
        ends.clientIPv4 = reflector.address
        ends.clientTTL = reflector.ttl
        ends.clientPort = 53
        ends.serverPort = UInt16(random.int(1024...65535))
        ipID = UInt16(truncatingIfNeeded: random.next())
        let messageBytes = random.int(Self.responseBytes)
        let message = datagram + 8
        store16(datagram, 53)
        store16(datagram + 2, ends.serverPort)
        // Header: random ID, a recursive answer (QR, RD, RA), one question,
        // the answers counted below, one additional (OPT).
        store16(message, UInt16(truncatingIfNeeded: random.next()))
        store16(message + 2, 0x8180)
        store16(message + 4, 1)
        store16(message + 8, 0)
        store16(message + 10, 1)
        var offset = 12
        let name = random.below(Self.topLevel.count)
        message[offset] = UInt8(Self.domain.count)
        offset = append(Self.domain, to: message, at: offset + 1)
        message[offset] = UInt8(Self.topLevel[name].count)
        offset = append(Self.topLevel[name], to: message, at: offset + 1)
        message[offset] = 0
        store16(message + offset + 1, 255)
        store16(message + offset + 3, 1)
        offset += 5
        // TXT records, each of one string of up to 255 characters, until the
        // message (with the 11-byte OPT record at the end) has its size.
        var remaining = messageBytes - offset - 11
        var answers = 0
        while remaining > 0 {
            let rdataBytes: Int
            if remaining <= 12 + 256 {
                rdataBytes = remaining - 12
            } else if remaining - (12 + 256) < 13 {
                rdataBytes = remaining - 12 - 13
            } else {
                rdataBytes = 256
            }
            let record = message + offset
            record[0] = 0xC0; record[1] = 12
            store16(record + 2, 16)
            store16(record + 4, 1)
            store32(record + 6, 3600)
            store16(record + 10, UInt16(rdataBytes))
            record[12] = UInt8(rdataBytes - 1)
            writeText(record + 13, count: rdataBytes - 1)
            offset += 12 + rdataBytes
            remaining -= 12 + rdataBytes
            answers += 1
        }
        store16(message + 6, UInt16(answers))
        // OPT: root name, type 41, the resolver's 4096-byte UDP size, no
        // extended flags, no options.
        message[offset] = 0
        store16(message + offset + 1, 41)
        store16(message + offset + 3, 4096)
        store32(message + offset + 5, 0)
        store16(message + offset + 9, 0)
        offset += 11
        datagramBytes = 8 + offset
        PacketBuilder.finishUDPDatagram(datagram, count: datagramBytes, source: reflector.address, destination: victim)
    }

    /// Base64-looking text (the shape of DKIM keys and verification tokens
    /// in TXT records), ten characters per random draw. The generator and
    /// the alphabet are taken into locals: this loop writes most of an
    /// amplification run's bytes.
    private func writeText(_ text: UnsafeMutablePointer<UInt8>, count: Int) {
        var generator = random
        defer { random = generator }
        Self.textAlphabet.withUnsafeBufferPointer { alphabet in
            var index = 0
            while index < count {
                var bits = generator.next()
                let end = min(index + 10, count)
                while index < end {
                    text[index] = alphabet[Int(bits & 63)]
                    bits >>= 6
                    index += 1
                }
            }
        }
    }
}
