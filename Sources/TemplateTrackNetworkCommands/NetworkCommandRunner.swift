import TemplateTrackBase
import TemplateTrackCommandLine

/// Runs network commands in this process (templatetrack-network).
package enum NetworkCommandRunner {
    package static func install() {
        NetworkCommands.perform = { command in
            switch command {
            case let command as SyncCommand: try await command.runHere()
            case let command as WatchCommand: try await command.runHere()
            case let command as WorkspacesCommand: try await command.runHere()
            case let command as ServeCommand: try await command.runHere()
            case let command as ReportCommand: try command.runHere()
            case let command as SimulatorCommand: try await command.runHere()
            case let command as DemoCommand: try await command.runHere()
            default: throw TemplateTrackError(.invalidArgument, "\(type(of: command)) is not a network command")
            }
        }
    }
}
