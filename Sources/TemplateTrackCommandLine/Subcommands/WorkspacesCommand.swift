package import ArgumentParser
package import Foundation
package import TemplateTrack
package import TemplateTrackBase

package struct WorkspacesCommand: NetworkCommand {
    package static let configuration = CommandConfiguration(
        commandName: "workspaces", abstract: "List the workspaces your ImmPort account can see.")

    @OptionGroup package var server: ServerOptions
    @OptionGroup package var database: DatabaseOptions

    @Flag(help: "List the workspaces in the history instead, with their names and snapshots.")
    package var local = false

    @Option(help: ArgumentHelp("Give a workspace in the history a name (repeatable).", valueName: "ID=NAME"))
    package var name: [String] = []

    @OptionGroup package var output: JSONOption

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
