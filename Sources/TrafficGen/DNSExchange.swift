/// A DNS lookup over UDP: one query from a client to the internal resolver
/// and one response shortly after — sub-millisecond from cache, tens of
/// milliseconds on a miss.
///
/// The messages are real DNS (RFC 1035) with names under the reserved
/// example domains, so dissectors decode them and a flow's bytes are
/// plausible. About one lookup in twenty fails with NXDOMAIN.
final class DNSExchange: Session {
    private(set) var nextTime: Int64
    private let ends: Endpoints
    private var random: SeededRandom
    private let queryID: UInt16
    private let name: Int
    private let isAAAA: Bool
    private var answered = false
    private var ipID: UInt16

    /// Names looked up: a label and a reserved second-level domain.
    static let labels: [[UInt8]] = ["www", "api", "mail", "cdn", "static", "login", "img", "updates", "ntp", "git"].map { Array($0.utf8) }
    static let domain: [UInt8] = Array("example".utf8)
    static let topLevel: [[UInt8]] = ["com", "net", "org"].map { Array($0.utf8) }

    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24.
    static let documentationNetworks: [UInt32] = [0xC000_0200, 0xC633_6400, 0xCB00_7100]

    init(start: Int64, ends: Endpoints, random: SeededRandom) {
        self.nextTime = start
        self.ends = ends
        self.random = random
        queryID = UInt16(truncatingIfNeeded: self.random.next())
        ipID = UInt16(truncatingIfNeeded: self.random.next())
        name = self.random.below(Self.labels.count * Self.topLevel.count)
        isAAAA = ends.isIPv6 ? self.random.chance(0.7) : self.random.chance(0.2)
    }

    func emit(into builder: PacketBuilder) -> Bool {
        let payload = builder.beginUDP(ends, fromClient: !answered, ipID: ipID)
        ipID &+= 1
        var length = writeHeaderAndQuestion(payload, isResponse: answered)
        if !answered {
            builder.finishUDP(payloadBytes: length)
            answered = true
            let fromCache = random.chance(0.7)
            nextTime += Int64(fromCache ? random.logUniform(150_000, 2_000_000) : random.logUniform(8_000_000, 90_000_000))
            return true
        }
        if payload[3] & 0x0F == 0 {
            // One answer: a pointer to the question name, type, class IN, TTL, address.
            let answer = payload + length
            answer[0] = 0xC0; answer[1] = 12
            store16(answer + 2, isAAAA ? 28 : 1)
            store16(answer + 4, 1)
            store32(answer + 6, UInt32(random.int(30...3600)))
            if isAAAA {
                store16(answer + 10, 16)
                store64(answer + 12, 0x2001_0DB8_FF00_0000 | UInt64(random.below(3)) << 16)
                store64(answer + 20, UInt64(random.int(1...254)) << 8 | 1)
                length += 28
            } else {
                store16(answer + 10, 4)
                store32(answer + 12, Self.documentationNetworks[random.below(3)] | UInt32(random.int(1...254)))
                length += 16
            }
        }
        builder.finishUDP(payloadBytes: length)
        return false
    }

    /// Writes the 12-byte header and the question; returns their length.
    private func writeHeaderAndQuestion(_ message: UnsafeMutablePointer<UInt8>, isResponse: Bool) -> Int {
        store16(message, queryID)
        if isResponse {
            let failed = random.chance(0.05)
            store16(message + 2, failed ? 0x8183 : 0x8180)
            store16(message + 6, failed ? 0 : 1)
        } else {
            store16(message + 2, 0x0100)
            store16(message + 6, 0)
        }
        store16(message + 4, 1)
        store16(message + 8, 0)
        store16(message + 10, 0)
        var offset = 12
        func append(_ label: [UInt8]) {
            message[offset] = UInt8(label.count)
            offset += 1
            for byte in label { message[offset] = byte; offset += 1 }
        }
        append(Self.labels[name % Self.labels.count])
        append(Self.domain)
        append(Self.topLevel[name / Self.labels.count])
        message[offset] = 0
        store16(message + offset + 1, isAAAA ? 28 : 1)
        store16(message + offset + 3, 1)
        return offset + 5
    }
}
