import ArgumentParser
import Foundation
import TemplateTrackBase

@main
struct TemplateTrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templatetrack",
        abstract: "Keep a queryable history of ImmPort's template documentation for each workspace.",
        subcommands: [
            DemoCommand.self, SyncCommand.self, ImportCommand.self, LogCommand.self, FilesCommand.self,
            DiffCommand.self, ChangedCommand.self, HistoryCommand.self, ShowCommand.self, ExtractCommand.self,
            SearchCommand.self, TemplatesCommand.self, WorkspacesCommand.self, ForgetCommand.self, PruneCommand.self,
            SimulatorCommand.self, ReportCommand.self, ServeCommand.self,
        ])

    /// Exit status: 0 success, 1 only where a command promises it (`--exit-code`), 64 for a
    /// usage error, 130 or 143 when interrupted by SIGINT or SIGTERM, 2 for any other error,
    /// printed as one line naming what failed.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // ArgumentParser's usage errors: 64, help: 0
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as TemplateTrackError {
            Foundation.exit(report(error))
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch is CancellationError {
            Foundation.exit(Interruption.exitStatus)
        } catch {
            // ArgumentParser's own signals (help, validation) exit as it decides, with the
            // subcommand's usage; anything else it does not know is an error: 2.
            if exitCode(for: error) != .failure {
                type(of: command).exit(withError: error)
            }
            FileHandle.standardError.write(Data("templatetrack: error: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }

    /// Prints the error (with a hint naming the flag that helps, where one does) and returns
    /// the exit status.
    static func report(_ error: TemplateTrackError) -> Int32 {
        if error.code == .cancelled {
            FileHandle.standardError.write(Data("templatetrack: interrupted; nothing of the interrupted work was kept\n".utf8))
            return Interruption.exitStatus
        }
        var line = "templatetrack: error: \(error)"
        if let hint = hint(for: error) { line += " (\(hint))" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
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
