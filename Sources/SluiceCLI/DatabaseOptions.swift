import ArgumentParser
import SluiceCore

#if canImport(Glibc)
import Glibc
#endif

/// Where the database is (cascade's windows, alert's alerts): `--db`, else
/// libpq's own `PG*` variables, else a private cluster that `sluice-pg
/// start` makes (or finds running).
public struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PostgreSQL connection URI or key=value string (default: the PG* variables, else a private cluster from sluice-pg).", valueName: "uri"))
    public var db: String?

    public init() {}

    /// libpq's conninfo for the run.
    public func conninfo(diagnostics: Diagnostics) throws -> String {
        if let db { return db }
        let variables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]
        if variables.contains(where: { getenv($0) != nil }) { return "" }
        return try privateCluster(diagnostics: diagnostics)
    }

    /// Runs `sluice-pg start` and turns the variables it prints into a
    /// conninfo.
    private func privateCluster(diagnostics: Diagnostics) throws -> String {
        guard let script = Self.sluicePg() else {
            throw UsageError("no database: give --db or PG* variables, or put sluice-pg (bin/sluice-pg) on PATH for a private cluster")
        }
        guard let pipe = popen("sh '\(script.replacing("'", with: "'\\''"))' start", "r") else {
            throw UsageError("could not run \(script)")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        let status = pclose(pipe)
        guard status == 0 else { throw DatabaseStartError("sluice-pg start failed (see above)") }
        var words: [String] = []
        let names = ["PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGDATABASE": "dbname"]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            // `PGHOST='/tmp/sluice-pg-0'; export PGHOST` and the like.
            let assignment = line.split(separator: ";")[0]
            guard let equals = assignment.firstIndex(of: "="), let name = names[String(assignment[..<equals])] else { continue }
            var value = assignment[assignment.index(after: equals)...]
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = value.dropFirst().dropLast() }
            words.append("\(name)='\(value.replacing("\\", with: "\\\\").replacing("'", with: "\\'"))'")
        }
        guard words.contains(where: { $0.hasPrefix("host=") }) else { throw DatabaseStartError("sluice-pg start printed no PGHOST") }
        diagnostics.say("using the private cluster of \(script)")
        return words.joined(separator: " ")
    }

    /// `$SLUICE_PG`, `sluice-pg` on PATH, beside this executable, or in
    /// the source tree's bin/ when run from .build.
    private static func sluicePg() -> String? {
        if let path = getenv("SLUICE_PG").map({ String(cString: $0) }), access(path, R_OK) == 0 { return path }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where access("\(folder)/sluice-pg", X_OK) == 0 {
            return "\(folder)/sluice-pg"
        }
        var executable = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &executable, executable.count - 1)
        guard length > 0 else { return nil }
        let folder = String(decoding: executable[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        for candidate in ["sluice-pg", "../../../bin/sluice-pg", "../../bin/sluice-pg"] where access("\(folder)/\(candidate)", R_OK) == 0 {
            return "\(folder)/\(candidate)"
        }
        return nil
    }
}

public struct DatabaseStartError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
