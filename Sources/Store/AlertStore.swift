/// alert's table, `sluice_alerts`, beside cascade's windows: one row per
/// alert and per episode end, keyed by (signature, sensor, attacker,
/// victim, time, event), so replaying the same features stores each once.
public final class AlertStore {
    public let connection: PostgresConnection

    /// One row: what an alert record says, and the record itself (EVE JSON).
    public struct Row: Sendable {
        /// "alert" or "alert_end".
        public var event: String
        public var signatureID: Int
        public var sensor: String
        /// "" for a crowd (spoofed or distributed sources) or many hosts.
        public var attacker: String
        public var victim: String
        /// The alert's time (its step's start; an end's last firing), epoch seconds.
        public var time: Int64
        public var firstSeen: Int64
        public var rule: String
        public var kind: String
        public var severity: Int
        public var destinationPort: Int?
        public var repeats: Int
        public var message: String
        public var record: String

        public init(event: String, signatureID: Int, sensor: String, attacker: String, victim: String, time: Int64,
                    firstSeen: Int64, rule: String, kind: String, severity: Int, destinationPort: Int?, repeats: Int,
                    message: String, record: String) {
            self.event = event
            self.signatureID = signatureID
            self.sensor = sensor
            self.attacker = attacker
            self.victim = victim
            self.time = time
            self.firstSeen = firstSeen
            self.rule = rule
            self.kind = kind
            self.severity = severity
            self.destinationPort = destinationPort
            self.repeats = repeats
            self.message = message
            self.record = record
        }
    }

    /// Connects and creates or migrates the schema (cascade's and this).
    public init(conninfo: String) throws(StoreError) {
        connection = try PostgresConnection(conninfo: conninfo)
        try Schema.migrate(connection, partitionSeconds: 86_400)
    }

    public func reconnect() throws(StoreError) { try connection.reconnect() }

    /// Stores rows in one transaction; rows already stored are left as they are.
    public func store(_ rows: [Row]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        try connection.transaction { () throws(StoreError) in
            for row in rows {
                try connection.query("""
                    INSERT INTO sluice_alerts (event, signature_id, sensor, attacker, victim, alert_time, first_seen, rule, kind,
                      severity, dest_port, repeats, message, record)
                    VALUES ($1, $2, $3, $4, $5, to_timestamp($6), to_timestamp($7), $8, $9, $10, $11, $12, $13, $14::jsonb)
                    ON CONFLICT DO NOTHING
                    """, [row.event, String(row.signatureID), row.sensor, row.attacker, row.victim, String(row.time),
                          String(row.firstSeen), row.rule, row.kind, String(row.severity), row.destinationPort.map(String.init),
                          String(row.repeats), row.message, row.record])
            }
        }
    }
}
