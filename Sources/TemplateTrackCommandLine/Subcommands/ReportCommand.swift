package import ArgumentParser
import Foundation
import TemplateTrackBase

package struct ReportCommand: NetworkCommand {
    package static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the history as a static HTML site that works offline (an overview, a page per change and per template).")

    @OptionGroup package var database: DatabaseOptions

    @Option(
        name: .customLong("html"),
        help: ArgumentHelp("The report's folder: created, or updated when an earlier report made it.", valueName: "dir"),
        completion: .directory)
    package var directory: String

    @Option(name: [.customShort("w"), .long], help: "Only this workspace (repeatable).", completion: .custom(Completions.workspaces))
    package var workspace: [Int] = []

    @Option(help: "Only changes fetched at or after this date or ISO 8601 time.")
    package var since: String?

    @OptionGroup package var output: JSONOption

    package init() {}

    /// Run by templatetrack-network (see `NetworkCommands`).
    package func run() async throws { try await NetworkCommands.run(self) }
}
