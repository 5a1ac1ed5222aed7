import SluiceCore

/// One detection rule (sluice-rules(5)): a condition over a host's feature
/// vector in one view that must hold for some consecutive 5 s steps, and
/// what the alert then says: who attacked whom, and the EVE signature.
public struct Rule: Sendable {
    /// A short machine name, unique in the set ("syn_flood").
    public var name: String
    /// The family the alert reports, for consumers that group by it
    /// ("port_scan", "syn_flood", ...).
    public var kind: String
    /// EVE `alert.signature_id`, unique in the set.
    public var signatureID: Int
    /// EVE `alert.rev`.
    public var revision: Int
    /// EVE `alert.signature`: fixed text, so consumers can group by it.
    public var signature: String
    /// EVE `alert.category`.
    public var category: String
    /// EVE `alert.severity`: 1 (high) to 3 (low), as Suricata.
    public var severity: Int
    /// The view whose vectors the rule reads: "src" (the host as
    /// originator) or "dst" (as responder).
    public var view: String
    public var condition: Condition
    /// Consecutive steps the condition must hold before the alert.
    public var steps: Int
    public var attacker: Party
    public var victim: Party
    /// Where the alert's `dest_port` comes from.
    public var destinationPort: PortSource
    /// EVE `proto`: "TCP", "UDP", "ICMP", or nil to leave it out.
    public var proto: String?
    /// A sentence with `{name}` placeholders: attacker, victim, dest_port,
    /// host, and any feature.
    public var message: String
    /// Features written as evidence besides those of the condition.
    public var evidence: [String]
    /// Why the thresholds are what they are (documentation only).
    public var reason: String
    /// Hosts whose vectors the rule does not read (multicast groups for a
    /// flood, a monitoring system for a sweep).
    public var ignoreHosts: [AddressRange] = []

    /// True when `host` (a record's address text) is one to leave alone.
    func ignores(_ host: String) -> Bool {
        guard !ignoreHosts.isEmpty, let address = IPAddress(host) else { return false }
        return ignoreHosts.contains { $0.contains(address) }
    }

    /// Who a party of the alert is: the host itself, the heaviest peer of
    /// a horizon (named only when it carries at least `dominantShare` of
    /// the host's packets, else a crowd, such as spoofed sources), or no one.
    public enum Party: Equatable, Sendable {
        case host
        case topPeer(Horizon)
        case none
    }

    /// Where a port comes from: the heaviest responder port of a horizon
    /// (when it carries at least `dominantShare` of the flows), a fixed
    /// port, or none.
    public enum PortSource: Equatable, Sendable {
        case topPort(Horizon)
        case fixed(Int)
        case none
    }

    public enum Horizon: String, Sendable {
        case fiveSeconds = "5s", fiveMinutes = "5m"
    }

    /// A peer or a port is named when it has at least this share.
    public static let dominantShare = 0.5
}
