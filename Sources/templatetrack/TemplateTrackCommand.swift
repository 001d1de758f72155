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

    /// Errors print as one line naming what failed, and exit 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as TemplateTrackError {
            FileHandle.standardError.write(Data("templatetrack: error: \(error)\n".utf8))
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }
}
