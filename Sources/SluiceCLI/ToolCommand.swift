import ArgumentParser
import SluiceCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The version every tool prints for `--version`.
public let sluiceVersion = "0.1.0"

/// A Sluice executable: options parsed by ArgumentParser, then `execute()`
/// returns the exit status. `main()` maps the outcome to the documented exit
/// statuses: help and version to stdout with 0, usage errors to stderr
/// with 2 (ArgumentParser alone would use 64).
public protocol ToolCommand: ParsableCommand {
    /// Runs the tool. Usage problems found after parsing throw `UsageError`.
    mutating func execute() throws -> ExitStatus
}

/// A usage problem found after option parsing (a bad value combination).
public struct UsageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ToolCommand {
    public mutating func run() throws {}

    public static func main() {
        let name = configuration.commandName ?? "sluice"
        // A subcommand's help and usage are its own (cascade history).
        let words = CommandLine.arguments.dropFirst().drop { $0 == "help" }
        let subcommand = configuration.subcommands.first { $0.configuration.commandName == words.first }
        let subcommandHelp = subcommand.map { command in
            let own = command.configuration.commandName ?? ""
            return command.helpMessage().replacing("USAGE: \(own)", with: "USAGE: \(name) \(own)", maxReplacements: 1)
        }
        let asksHelp = CommandLine.arguments.contains { ["-h", "--help", "help"].contains($0) }
        var command: any ToolCommand
        do {
            // A tool with subcommands (cascade) parses as one of them.
            guard let parsed = try parseAsRoot() as? any ToolCommand else {
                // `help` and a subcommand's `--help` parse as ArgumentParser's own help command.
                print(subcommandHelp ?? helpMessage())
                terminate(.ok)
            }
            command = parsed
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                if let subcommandHelp, asksHelp {
                    print(subcommandHelp)
                } else {
                    print(fullMessage(for: error))
                }
                terminate(ExitStatus.ok)
            }
            let commandName = subcommand.map { "\(name) \($0.configuration.commandName ?? "")" } ?? name
            writeStandardError("\(name): \(message(for: error))\n")
            writeStandardError("Usage: \(usageString(for: subcommand ?? Self.self))\n")
            writeStandardError("See '\(commandName) --help'.\n")
            terminate(ExitStatus.usage)
        }
        do {
            let status = try command.execute()
            terminate(status)
        } catch let error as UsageError {
            writeStandardError("\(name): \(error.description)\n")
            terminate(ExitStatus.usage)
        } catch let error as OutputError {
            if error == .closed { terminate(.ok) }
            writeStandardError("\(name): \(error.message)\n")
            terminate(ExitStatus.failure)
        } catch {
            writeStandardError("\(name): \(error)\n")
            terminate(ExitStatus.failure)
        }
    }

    /// The usage line alone, without the "Usage: " prefix ArgumentParser adds.
    static func usageString(for command: ParsableCommand.Type = Self.self) -> String {
        let text = helpMessage(for: command, columns: 200)
        for line in text.split(separator: "\n") where line.hasPrefix("USAGE:") {
            return line.dropFirst("USAGE:".count).trimmingCharacters(in: " ")
        }
        return name
    }

    private static var name: String { configuration.commandName ?? "" }
}

/// Ends the process with `status`.
func terminate(_ status: ExitStatus) -> Never {
    Glibc.exit(status.rawValue)
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var slice = self[...]
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return String(slice)
    }
}
