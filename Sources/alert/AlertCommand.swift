import Alerts
import ArgumentParser
import Foundation
import SluiceCLI
import SluiceCore
import Store

/// alert(1): feature vectors in, EVE alerts out (sluice-rules(5)).
struct AlertCommand: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Apply detection rules to feature vectors and write alerts as Suricata EVE JSON.",
        discussion: """
            Reads featurize's features records from the files or standard input and applies the rules \
            (the built-in set, or --rules FILE): a rule whose condition holds for its number of \
            consecutive 5 s steps of a host's vectors raises an alert naming the attacker, the victim \
            and the port. One alert per rule and (attacker, victim) pair per --suppress seconds, the \
            others counted; an alert_end record when the pair has been quiet that long. Ticks move \
            event time; other records are counted and left out. See alert(1) and sluice-rules(5).
            """,
        version: sluiceVersion
    )

    @Option(help: ArgumentHelp("Rules file in YAML (default: the built-in rules; see --print-rules).", valueName: "file"))
    var rules: String?

    @Flag(name: .customLong("print-rules"), help: "Write the built-in rules (YAML) to standard output and exit.")
    var printRules = false

    @Flag(name: .customLong("check"), help: "Check the rules, list them on standard output and exit.")
    var checkOnly = false

    @Option(help: ArgumentHelp("One alert per rule and attacker/victim pair per this period; an episode ends after as long without a firing.", valueName: "seconds"))
    var suppress = Seconds(nanoseconds: 60_000_000_000)

    @Flag(help: "Also store the alerts in PostgreSQL (the database of --db, the PG* variables, else the private cluster).")
    var store = false

    @Option(name: .customLong("db-timeout"), help: ArgumentHelp("With --store: give up (status 1) after the database has been away this long.", valueName: "seconds"))
    var dbTimeout = Seconds(nanoseconds: 60_000_000_000)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var filter: FilterOptions

    mutating func execute() throws -> ExitStatus {
        if printRules {
            print(DefaultRules.yaml, terminator: "")
            return .ok
        }
        let ruleSet = try loadRules()
        if checkOnly {
            for rule in ruleSet.rules {
                print("\(rule.signatureID)\t\(rule.name)\t\(rule.kind)\t\(rule.view)\t\(rule.condition.text)")
            }
            return .ok
        }
        guard suppress.nanoseconds >= 5_000_000_000, suppress.nanoseconds % 1_000_000_000 == 0 else {
            throw UsageError("--suppress: must be whole seconds, at least 5")
        }
        guard dbTimeout.nanoseconds > 0 else { throw UsageError("--db-timeout: must be more than 0 seconds") }
        let diagnostics = Diagnostics(tool: "alert")
        var alertStore: AlertStore?
        if store || database.db != nil {
            alertStore = try connect(diagnostics: diagnostics)
        }
        let writer = NDJSONWriter(flushesEachRecord: filter.lineBuffered)
        StopSignal.install()
        let output = AlertOutput(writer: writer, store: alertStore, dbTimeout: dbTimeout.nanoseconds, diagnostics: diagnostics)
        let engine = AlertEngine(rules: ruleSet.rules, suppressionSeconds: suppress.nanoseconds / 1_000_000_000, emit: output.write)
        let input = AlertInput(engine: engine, features: ruleSet.featuresRead, diagnostics: diagnostics, showsProgress: !filter.quiet)
        try filter.readInputs(input.read)
        try engine.finish()
        try output.finish()
        let status = filter.exitStatus(summary: input.summary(output: output), diagnostics: diagnostics)
        if let failure = output.storeFailure {
            diagnostics.say(failure)
            return .failure
        }
        return status
    }

    private func loadRules() throws -> RuleSet {
        guard let path = rules else { return try RuleSet(yaml: DefaultRules.yaml, file: DefaultRules.file) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UsageError("\(path): cannot read the rules: \((error as NSError).localizedDescription)")
        }
        do {
            return try RuleSet(yaml: text, file: path)
        } catch {
            throw UsageError(error.description)
        }
    }

    private func connect(diagnostics: Diagnostics) throws -> AlertStore {
        let conninfo = try database.conninfo(diagnostics: diagnostics)
        do {
            return try AlertStore(conninfo: conninfo)
        } catch {
            throw DatabaseStartError("\(error)")
        }
    }
}
