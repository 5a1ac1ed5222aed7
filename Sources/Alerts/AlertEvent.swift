/// One alert (or an episode's end) as the rule and the vector that fired
/// it say: who, whom, which port, and the evidence.
public struct AlertEvent: Sendable {
    public let rule: Rule
    let ruleIndex: Int
    public let record: FeatureRecord
    /// Consecutive steps the condition had held.
    public let steps: Int
    /// The attacker's address, or nil when it is a crowd (spoofed or
    /// distributed sources) or unknown.
    public let attacker: String?
    /// The victim's address, or nil (a scan of many hosts).
    public let victim: String?
    public let destinationPort: Int?
    /// Firings since the previous alert of the episode (0 for its first).
    public var repeats = 0
    /// The step that started the episode (epoch seconds).
    public var firstSeen: Int64 = 0
    /// For an episode's end: its last firing, its firings and its alerts.
    public var isEnd = false
    public var lastSeen: Int64 = 0
    public var firings = 0
    public var alerts = 0

    init(rule: Rule, ruleIndex: Int, record: FeatureRecord, steps: Int) {
        self.rule = rule
        self.ruleIndex = ruleIndex
        self.record = record
        self.steps = steps
        attacker = Self.name(rule.attacker, record)
        victim = Self.name(rule.victim, record)
        switch rule.destinationPort {
        case .none:
            destinationPort = nil
        case .fixed(let port):
            destinationPort = port
        case .topPort(let horizon):
            let port = record.value("top_dport_\(horizon.rawValue)")
            let share = record.value("top_dport_share_\(horizon.rawValue)")
            // A port only when the record holds one: a whole number in
            // 0...65535 (a hostile 1e300 would trap the conversion).
            destinationPort = (0...65535).contains(port) && port == port.rounded() && share >= Rule.dominantShare
                ? Int(port) : nil
        }
    }

    private static func name(_ party: Rule.Party, _ record: FeatureRecord) -> String? {
        switch party {
        case .host:
            return record.host
        case .none:
            return nil
        case .topPeer(let horizon):
            guard record.value("top_peer_share_\(horizon.rawValue)") >= Rule.dominantShare else { return nil }
            return record.topPeer(horizon)
        }
    }

    /// The features written as evidence: the condition's, then the rule's
    /// own list, each once.
    public var evidenceFeatures: [String] {
        var names = rule.condition.features
        for name in rule.evidence where !names.contains(name) { names.append(name) }
        return names
    }

    /// The rule's message with its placeholders filled in.
    public var message: String {
        MessageTemplate.render(rule.message) { name in
            switch name {
            case "attacker": attacker ?? "many sources"
            case "victim": victim ?? "many hosts"
            case "dest_port": destinationPort.map(String.init) ?? "various ports"
            case "host": record.host
            default: AlertEvent.numberText(record.value(name))
            }
        }
    }

    /// Whole numbers without a fraction, others with at most three decimals.
    static func numberText(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() && abs(rounded) < 9e15 { return String(Int64(rounded)) }
        return rounded.isFinite ? rounded.description : value.description
    }
}
