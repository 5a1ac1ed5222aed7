/// cascade's schema, created and migrated by cascade itself: each
/// migration runs once, in order, recorded in `sluice_schema_version`,
/// under a lock so that several cascades starting at once take turns.
///
/// One B-tree, the primary key, ordered for history queries (a host, a
/// level, a time range); merges read a level's rows in a time range of one
/// partition, which the BRIN index on window_start narrows to the blocks
/// written at that time, at almost no cost per insert.
enum Schema {
    /// Advisory lock keys ("sluice" in ASCII, then 1 and 2).
    static let migrationLock: Int64 = 0x736C_7569_6365_0001
    static let partitionLock: Int64 = 0x736C_7569_6365_0002

    /// Migration N (1-based) is `migrations[N - 1]`. Append; never edit
    /// one that has shipped.
    static func migrations(partitionSeconds: Int64) -> [String] {
        [
            """
            CREATE TABLE sluice_settings (partition_s bigint NOT NULL);
            INSERT INTO sluice_settings VALUES (\(partitionSeconds));
            CREATE TABLE sluice_windows (
              \(WindowColumns.definitions()),
              PRIMARY KEY (key_value, level_s, window_start, sensor, key_kind)
            ) PARTITION BY RANGE (window_start);
            CREATE INDEX sluice_windows_time ON sluice_windows USING brin (window_start);
            CREATE TABLE sluice_progress (
              sensor text NOT NULL,
              level_s integer NOT NULL,
              completed_until bigint NOT NULL,
              PRIMARY KEY (sensor, level_s)
            );
            """,
            // 2: who and which services a window's traffic was mostly with.
            """
            ALTER TABLE sluice_windows ADD COLUMN top_peers text, ADD COLUMN top_dports text, ADD COLUMN top_sports text;
            """,
            // 3: alert's alerts and episode ends, beside the windows.
            """
            CREATE TABLE sluice_alerts (
              event text NOT NULL,
              signature_id integer NOT NULL,
              sensor text NOT NULL,
              attacker text NOT NULL,
              victim text NOT NULL,
              alert_time timestamptz NOT NULL,
              first_seen timestamptz NOT NULL,
              rule text NOT NULL,
              kind text NOT NULL,
              severity integer NOT NULL,
              dest_port integer,
              repeats integer NOT NULL,
              message text NOT NULL,
              record jsonb NOT NULL,
              PRIMARY KEY (signature_id, sensor, attacker, victim, alert_time, event)
            );
            CREATE INDEX sluice_alerts_time ON sluice_alerts (alert_time);
            """,
        ]
    }

    static func migrate(_ connection: PostgresConnection, partitionSeconds: Int64) throws(StoreError) {
        let migrations = migrations(partitionSeconds: partitionSeconds)
        try connection.transaction { () throws(StoreError) in
            try connection.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS sluice_schema_version (
                  version integer PRIMARY KEY,
                  applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let current = Int(try connection.query("SELECT coalesce(max(version), 0) FROM sluice_schema_version").text(0, 0) ?? "0") ?? 0
            guard current <= migrations.count else {
                throw .statement(sqlState: "", message: "the database's schema version \(current) is newer than this cascade's (\(migrations.count)); use a newer cascade", sql: "")
            }
            for index in current..<migrations.count {
                try connection.execute(migrations[index])
                try connection.query("INSERT INTO sluice_schema_version (version) VALUES ($1)", [String(index + 1)])
            }
        }
    }
}
