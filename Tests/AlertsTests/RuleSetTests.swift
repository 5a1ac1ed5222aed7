import Testing
import SluiceCore
@testable import Alerts

/// Reading rules files: the built-in set, and a message with the file and
/// line for each kind of mistake (line numbers counted by hand in the
/// YAML below).
@Suite struct RuleSetTests {
    @Test func builtInRulesRead() throws {
        let rules = try RuleSet(yaml: DefaultRules.yaml, file: DefaultRules.file).rules
        // One rule at least for each attack family the issue names.
        let kinds = Set(rules.map(\.kind))
        for kind in ["port_scan", "horizontal_scan", "ping_sweep", "syn_flood", "udp_flood", "icmp_flood",
                     "dns_amplification", "udp_reflection", "ssh_bruteforce", "ftp_bruteforce", "slowloris"] {
            #expect(kinds.contains(kind), "\(kind)")
        }
        #expect(rules.allSatisfy { !$0.reason.isEmpty }, "every built-in rule says why")
    }

    static func error(_ yaml: String) -> RuleError? {
        do {
            _ = try RuleSet(yaml: yaml, file: "my.yaml")
            return nil
        } catch {
            return error
        }
    }

    static let good = """
        rules:
          - name: r
            kind: k
            signature_id: 5
            signature: s
            category: c
            severity: 2
            view: src
            when: flows_5s > 1
            message: m
        """

    @Test func aGoodRuleReads() throws {
        let rule = try #require(try RuleSet(yaml: Self.good, file: "my.yaml").rules.first)
        #expect(rule.steps == 1 && rule.revision == 1 && rule.attacker == .host && rule.victim == .none && rule.destinationPort == .none)
    }

    @Test(arguments: [
        // (the YAML, the line, the start of the message)
        (good.replacingOccurrences(of: "when: flows_5s > 1", with: "when: flows_5s > 1 and nope > 2"), 9,
         "rule 'r': when: column 18: unknown feature 'nope'"),
        (good.replacingOccurrences(of: "    view: src", with: "    view: sideways"), 8, "rule 'r': 'view' must be src or dst"),
        (good.replacingOccurrences(of: "    severity: 2", with: "    severity: 7"), 7, "rule 'r': 'severity' must be a whole number from 1 to 3"),
        (good.replacingOccurrences(of: "    message: m", with: "    message: m\n    wen: x"), 11, "rule 'r': unknown key 'wen'"),
        (good.replacingOccurrences(of: "    message: m", with: "    message: \"{nope}\""), 10, "rule 'r': message: unknown placeholder '{nope}'"),
        (good.replacingOccurrences(of: "    kind: k\n", with: ""), 2, "rule 'r': 'kind' is missing"),
        (good + "\n" + good.replacingOccurrences(of: "rules:\n", with: "").replacingOccurrences(of: "name: r", with: "name: q"), 11,
         "rule 'q': signature_id 5 is taken by rule 'r'"),
        (good.replacingOccurrences(of: "    view: src", with: "    view: [src"), 9, "YAML:"),
        (good.replacingOccurrences(of: "    message: m", with: "    message: m\n    ignore_hosts: [10.0.0.0/33]"), 11,
         "rule 'r': ignore_hosts: not an address or CIDR block: 10.0.0.0/33"),
        (good.replacingOccurrences(of: "    message: m", with: "    message: m\n    attacker: everyone"), 11,
         "rule 'r': 'attacker' must be host, top_peer_5s, top_peer_5m or none"),
        ("rules: 3", 1, "'rules' must be a list of rules"),
    ] as [(String, Int, String)])
    func mistakesNameTheLine(yaml: String, line: Int, message: String) throws {
        let failure = try #require(Self.error(yaml))
        #expect(failure.file == "my.yaml")
        #expect(failure.line == line, "\(failure)")
        #expect(failure.message.hasPrefix(message), "\(failure)")
    }

    @Test func addressRanges() throws {
        let multicast = try #require(AddressRange("224.0.0.0/4"))
        #expect(multicast.contains(try #require(IPAddress("239.255.255.250"))))
        #expect(!multicast.contains(try #require(IPAddress("10.0.0.1"))))
        let v6 = try #require(AddressRange("ff00::/8"))
        let group = try #require(IPAddress("ff02::fb")), documentation = try #require(IPAddress("2001:db8::1"))
        #expect(v6.contains(group) && !v6.contains(documentation))
        #expect(try #require(AddressRange("10.1.2.3")).contains(try #require(IPAddress("10.1.2.3"))))
        #expect(AddressRange("10.0.0.0/33") == nil && AddressRange("nope") == nil)
    }
}
