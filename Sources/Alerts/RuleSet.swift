import Features
import Yams

/// The rules alert applies, read from YAML (sluice-rules(5)). Everything is
/// checked here, before any input is read: a problem is a `RuleError`
/// naming the file, the line and the rule.
public struct RuleSet: Sendable {
    public var rules: [Rule]

    /// The feature names a condition may use, in the order of the vector;
    /// a feature's slot is its index here.
    public static let featureNames = FeatureVector.names
    static let featureSlots: [String: Int] = Dictionary(uniqueKeysWithValues: featureNames.enumerated().map { ($1, $0) })

    public static func slot(of feature: String) -> Int { featureSlots[feature]! }

    /// The features any rule reads: its condition's, its evidence and the
    /// shares that name its parties.
    public var featuresRead: [String] {
        var names: [String] = []
        for rule in rules {
            let placeholders = MessageTemplate.placeholders(rule.message).compactMap { $0 }.filter { Self.featureSlots[$0] != nil }
            for name in rule.condition.features + rule.evidence + rule.partyFeatures + placeholders where !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// Reads `text`, the contents of `file` (for messages).
    public init(yaml text: String, file: String) throws(RuleError) {
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw RuleError.yaml(error, file: file)
        } catch {
            throw RuleError(file: file, line: nil, message: "\(error)")
        }
        guard let document, let top = document.mapping else {
            throw RuleError(file: file, line: document?.mark?.line, message: "expected a mapping with a 'rules' list")
        }
        let reader = RuleReader(file: file)
        try reader.checkKeys(top, allowed: ["version", "rules"], what: "the file")
        if let version = top["version"] {
            guard version.int == 1 else { throw reader.error(version, "version must be 1") }
        }
        guard let list = top["rules"] else { throw reader.error(document, "no 'rules' list") }
        guard let entries = list.sequence else { throw reader.error(list, "'rules' must be a list of rules") }
        var rules: [Rule] = []
        for entry in entries {
            let rule = try reader.rule(entry)
            if let other = rules.first(where: { $0.name == rule.name }) {
                throw reader.error(entry, "rule '\(rule.name)': the name is taken by an earlier rule (signature_id \(other.signatureID))")
            }
            if let other = rules.first(where: { $0.signatureID == rule.signatureID }) {
                throw reader.error(entry, "rule '\(rule.name)': signature_id \(rule.signatureID) is taken by rule '\(other.name)'")
            }
            rules.append(rule)
        }
        self.rules = rules
    }
}

/// A problem with a rules file: `file:line: message`.
public struct RuleError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }

    static func yaml(_ error: YamlError, file: String) -> RuleError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let text = context.map { "\($0.text) \(problem)" } ?? problem
            return RuleError(file: file, line: mark.line, message: "YAML: \(text) (column \(mark.column))")
        case .reader(let problem, _, _, _):
            return RuleError(file: file, line: nil, message: "YAML: \(problem)")
        default:
            return RuleError(file: file, line: nil, message: "YAML: \(error)")
        }
    }
}

extension Rule {
    /// The shares that decide whether the parties and the port are named.
    var partyFeatures: [String] {
        var names: [String] = []
        for party in [attacker, victim] {
            if case .topPeer(let horizon) = party { names.append("top_peer_share_\(horizon.rawValue)") }
        }
        if case .topPort(let horizon) = destinationPort {
            names += ["top_dport_\(horizon.rawValue)", "top_dport_share_\(horizon.rawValue)"]
        }
        return names
    }
}

/// Turns YAML nodes into rules, with the line of whatever is wrong.
struct RuleReader {
    let file: String

    static let ruleKeys: Set<String> = [
        "name", "kind", "signature_id", "rev", "signature", "category", "severity", "view", "when", "for",
        "attacker", "victim", "dest_port", "proto", "message", "evidence", "reason", "ignore_hosts",
    ]
    static let required = ["name", "kind", "signature_id", "signature", "category", "severity", "view", "when", "message"]

    func error(_ node: Node, _ message: String) -> RuleError {
        RuleError(file: file, line: node.mark?.line, message: message)
    }

    func checkKeys(_ mapping: Node.Mapping, allowed: Set<String>, what: String, rule: String? = nil) throws(RuleError) {
        var seen: Set<String> = []
        let prefix = rule.map { "rule '\($0)': " } ?? ""
        for (key, _) in mapping {
            guard let name = key.string else { throw error(key, "\(prefix)keys must be names") }
            guard allowed.contains(name) else {
                throw error(key, "\(prefix)unknown key '\(name)' in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard seen.insert(name).inserted else { throw error(key, "\(prefix)'\(name)' is given twice") }
        }
    }

    func rule(_ node: Node) throws(RuleError) -> Rule {
        guard let mapping = node.mapping else { throw error(node, "each rule must be a mapping of keys") }
        let name = mapping["name"]?.string ?? "?"
        try checkKeys(mapping, allowed: Self.ruleKeys, what: "a rule", rule: name)
        for key in Self.required where mapping[key] == nil {
            throw error(node, "rule '\(name)': '\(key)' is missing")
        }
        func text(_ key: String) throws(RuleError) -> String {
            guard let value = mapping[key], let string = value.scalar?.string, !string.isEmpty else {
                throw error(mapping[key] ?? node, "rule '\(name)': '\(key)' must be text")
            }
            return string
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, default fallback: Int? = nil) throws(RuleError) -> Int {
            guard let value = mapping[key] else { return fallback! }
            guard let number = value.int, range.contains(number) else {
                throw error(value, "rule '\(name)': '\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }), name.first?.isLetter == true else {
            throw error(mapping["name"]!, "rule '\(name)': a name is lowercase letters, digits and '_', starting with a letter")
        }
        let view = try text("view")
        guard view == "src" || view == "dst" else { throw error(mapping["view"]!, "rule '\(name)': 'view' must be src or dst") }

        let whenNode = mapping["when"]!
        let conditionText = try text("when")
        let condition: Condition
        do {
            condition = try ConditionParser(features: RuleSet.featureNames).compile(conditionText, slot: RuleSet.slot(of:))
        } catch {
            throw self.error(whenNode, "rule '\(name)': when: column \(error.column): \(error.message)")
        }

        var evidence: [String] = []
        if let list = mapping["evidence"] {
            guard let items = list.sequence else { throw self.error(list, "rule '\(name)': 'evidence' must be a list of features") }
            for item in items {
                guard let feature = item.string, RuleSet.featureSlots[feature] != nil else {
                    throw self.error(item, "rule '\(name)': evidence: unknown feature '\(item.string ?? "?")'")
                }
                if !evidence.contains(feature) { evidence.append(feature) }
            }
        }
        var proto: String? = nil
        if mapping["proto"] != nil {
            let value = try text("proto")
            // Suricata's names, as its EVE records spell them.
            guard ["TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP"].contains(value) else {
                throw self.error(mapping["proto"]!, "rule '\(name)': 'proto' must be TCP, UDP, ICMP, IPv6-ICMP or SCTP")
            }
            proto = value
        }
        let message = try text("message")
        try checkPlaceholders(message, node: mapping["message"]!, rule: name)
        let severity = try integer("severity", 1...3)
        var ignored: [AddressRange] = []
        if let list = mapping["ignore_hosts"] {
            guard let items = list.sequence else { throw self.error(list, "rule '\(name)': 'ignore_hosts' must be a list of addresses or CIDR blocks") }
            for item in items {
                guard let text = item.string, let range = AddressRange(text) else {
                    throw self.error(item, "rule '\(name)': ignore_hosts: not an address or CIDR block: \(item.string ?? "?")")
                }
                ignored.append(range)
            }
        }
        var rule = Rule(
            name: name, kind: try text("kind"), signatureID: try integer("signature_id", 1...Int(Int32.max)),
            revision: try integer("rev", 1...Int(Int32.max), default: 1), signature: try text("signature"),
            category: try text("category"), severity: severity, view: view, condition: condition,
            steps: try integer("for", 1...720, default: 1),
            attacker: try party("attacker", mapping, rule: name, default: view == "src" ? .host : .none),
            victim: try party("victim", mapping, rule: name, default: view == "dst" ? .host : .none),
            destinationPort: try port(mapping, rule: name), proto: proto, message: message, evidence: evidence,
            reason: mapping["reason"]?.string ?? "")
        rule.ignoreHosts = ignored
        return rule
    }

    func party(_ key: String, _ mapping: Node.Mapping, rule name: String, default fallback: Rule.Party) throws(RuleError) -> Rule.Party {
        guard let node = mapping[key] else { return fallback }
        switch node.string {
        case "host": return .host
        case "top_peer_5s": return .topPeer(.fiveSeconds)
        case "top_peer_5m": return .topPeer(.fiveMinutes)
        case "none": return .none
        default: throw error(node, "rule '\(name)': '\(key)' must be host, top_peer_5s, top_peer_5m or none")
        }
    }

    func port(_ mapping: Node.Mapping, rule name: String) throws(RuleError) -> Rule.PortSource {
        guard let node = mapping["dest_port"] else { return .none }
        if let number = node.int {
            guard (0...65535).contains(number) else { throw error(node, "rule '\(name)': 'dest_port' must be 0 to 65535") }
            return .fixed(number)
        }
        switch node.string {
        case "top_dport_5s": return .topPort(.fiveSeconds)
        case "top_dport_5m": return .topPort(.fiveMinutes)
        case "none": return .none
        default: throw error(node, "rule '\(name)': 'dest_port' must be a port number, top_dport_5s, top_dport_5m or none")
        }
    }

    /// `{attacker}`, `{victim}`, `{dest_port}`, `{host}` and feature names.
    func checkPlaceholders(_ template: String, node: Node, rule name: String) throws(RuleError) {
        for piece in MessageTemplate.placeholders(template) {
            guard let placeholder = piece else { throw error(node, "rule '\(name)': message: a '{' without its '}'") }
            guard MessageTemplate.parties.contains(placeholder) || RuleSet.featureSlots[placeholder] != nil else {
                throw error(node, "rule '\(name)': message: unknown placeholder '{\(placeholder)}'")
            }
        }
    }
}
