import ArgumentParser
import Foundation
import TemplateTrack

@main
struct TemplateTrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templatetrack",
        abstract: "Keep a queryable history of ImmPort's template documentation for each workspace.",
        subcommands: [
            DemoCommand.self, SyncCommand.self, ImportCommand.self, LogCommand.self, FilesCommand.self,
            DiffCommand.self, ChangedCommand.self, HistoryCommand.self, ShowCommand.self, ExtractCommand.self,
            SearchCommand.self, TemplatesCommand.self, WorkspacesCommand.self, SimulatorCommand.self,
        ])

    /// Exit status: 0 success, 1 only where a command promises it (`diff --exit-code`),
    /// 64 for a usage error, 2 for any other error, printed as one line naming what failed.
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
            FileHandle.standardError.write(Data("templatetrack: error: \(error)\n".utf8))
            Foundation.exit(error.code == .invalidArgument ? 64 : 2)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
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
}
