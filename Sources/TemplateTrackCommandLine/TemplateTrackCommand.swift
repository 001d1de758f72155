package import ArgumentParser
import Foundation
package import TemplateTrackBase

/// The root command; `templatetrack` and `templatetrack-network` both start here.
package struct TemplateTrackCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "templatetrack",
        abstract: "Keep a queryable history of ImmPort's template documentation for each workspace.",
        discussion: """
            Global options, accepted before or after the command: --config FILE (default: \
            $TEMPLATETRACK_CONFIG, else $XDG_CONFIG_HOME/templatetrack/config.toml or \
            ~/.config/templatetrack/config.toml) and --color auto|always|never.
            """,
        version: TemplateTrackVersion.current,
        subcommands: [
            DemoCommand.self, SyncCommand.self, ImportCommand.self, LogCommand.self, FilesCommand.self,
            DiffCommand.self, ChangedCommand.self, HistoryCommand.self, ShowCommand.self, ExtractCommand.self,
            SearchCommand.self, TemplatesCommand.self, LookupsCommand.self, CheckCommand.self, UpgradeCommand.self, WorkspacesCommand.self, ForgetCommand.self, PruneCommand.self,
            WatchCommand.self, ConfigCommand.self, ReportCommand.self, ServeCommand.self, SimulatorCommand.self,
        ])

    package init() {}

    /// Parses the arguments and runs the command. Exit status: 0 success, 1 only where a
    /// command promises it (`--exit-code`), 64 for a usage error, 130 or 143 when interrupted
    /// by SIGINT or SIGTERM, 2 for any other error, printed as one line naming what failed.
    package static func start() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        do {
            GlobalOptions.current = try GlobalOptions.extract(from: &arguments)
            Style.choice = GlobalOptions.current.color
        } catch {
            exit(withError: error)
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)  // ArgumentParser's usage errors: 64, help and --version: 0
        }
        // Read after parsing, so that help, --version, `config` and `demo` work whatever the file says.
        // ArgumentParser answers `--help` and `help` with a command of its own.
        let ownCommand = !String(reflecting: type(of: command)).hasPrefix("ArgumentParser.")
        if ownCommand && !(command is IndependentOfConfiguration) {
            do {
                Configuration.current = try Configuration.load(path: GlobalOptions.current.config)
            } catch let error as TemplateTrackError {
                Foundation.exit(report(error))
            } catch {
                exit(withError: error)
            }
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            OpenHistories.closeAll()
        } catch let error as TemplateTrackError {
            OpenHistories.closeAll()
            Foundation.exit(report(error))
        } catch let error as ExitCode {
            OpenHistories.closeAll()
            Foundation.exit(error.rawValue)
        } catch is CancellationError {
            OpenHistories.closeAll()
            Foundation.exit(Interruption.exitStatus)
        } catch {
            OpenHistories.closeAll()
            // A usage error found while running (a bad date, say): one line, as others are.
            if let error = error as? ValidationError {
                note("templatetrack: error: \(error.message)")
                Foundation.exit(64)
            }
            // ArgumentParser's other signals exit as it decides; anything else it does not
            // know is an error: 2.
            if exitCode(for: error) != .failure {
                type(of: command).exit(withError: error)
            }
            note("templatetrack: error: \(error)")
            Foundation.exit(2)
        }
    }

    /// Prints the error (with a hint naming the flag that helps, where one does) and returns
    /// the exit status.
    package static func report(_ error: TemplateTrackError) -> Int32 {
        if error.code == .cancelled {
            FileHandle.standardError.write(Data("templatetrack: interrupted; what was already recorded stays, nothing half-done was kept\n".utf8))
            return Interruption.exitStatus
        }
        var line = "templatetrack: error: \(error)"
        if let hint = hint(for: error) { line += " (\(hint))" }
        note(line)
        return error.code == .invalidArgument ? 64 : 2
    }

    private static func hint(for error: TemplateTrackError) -> String? {
        switch error.code {
        case .notFound where error.message == "no history database here":
            "pass --db PATH, or run sync or import first"
        case .conflict where error.message.contains("was not written by TemplateTrack")
            || error.message.contains("edited since"):
            "use --force to replace it"
        case .conflict where error.message.contains("not created by TemplateTrack")
            || error.message.contains("holds files TemplateTrack did not write"):
            "extract into a new folder, or pass --into-existing to write beside what is there"
        case .limitExceeded where error.message.contains("the most accepted") || error.message.contains("accepted"):
            "the --max-* options raise the limits"
        default: nil
        }
    }
}

/// Options every command takes, read before the command line is parsed: `--config FILE` and
/// `--color auto|always|never` (also as `--config=FILE`, `--color=never`).
package struct GlobalOptions {
    /// This run's, set once before any command runs.
    package nonisolated(unsafe) static var current = GlobalOptions()

    package var config: String?
    package var color: ColorChoice = .auto

    package static func extract(from arguments: inout [String]) throws -> GlobalOptions {
        var options = GlobalOptions()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            var value: String?
            var name = argument
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard name == "--config" || name == "--color" else {
                index += 1
                continue
            }
            var consumed = 1
            if value == nil {
                guard index + 1 < arguments.count else { throw ValidationError("\(name) needs a value") }
                value = arguments[index + 1]
                consumed = 2
            }
            if name == "--config" {
                options.config = value
            } else {
                guard let choice = ColorChoice(rawValue: value!) else {
                    throw ValidationError("--color must be auto, always or never")
                }
                options.color = choice
            }
            arguments.removeSubrange(index..<index + consumed)
        }
        return options
    }
}
