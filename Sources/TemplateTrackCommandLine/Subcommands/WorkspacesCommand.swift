package import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase

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

    /// `--local` and `--name` read and write the history here; listing the account's
    /// workspaces runs in templatetrack-network (see `NetworkCommands`).
    package func run() async throws {
        if local || !name.isEmpty { return try runLocal() }
        try await NetworkCommands.run(self)
    }

    /// The history's own list, and names for workspaces that only ever came from imports.
    private func runLocal() throws {
        var names: [(Int, String)] = []
        for entry in name {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = Int(parts[0]), id > 0, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--name takes ID=NAME, e.g. --name 5001='Influenza Vaccine Cohort'")
            }
            names.append((id, String(parts[1])))
        }
        let history = try database.open(name.isEmpty ? .read : .write)
        if !names.isEmpty {
            let known = Set(try history.workspaces().map(\.workspace))
            if let (id, _) = names.first(where: { !known.contains($0.0) }) {
                throw TemplateTrackError(.notFound, "workspace \(id) has no snapshots in this history", at: [.file(history.path)])
            }
            for (id, text) in names { try history.setWorkspaceName(text, workspace: id) }
        }
        let workspaces = try history.workspaces()
        if output.json { return try printJSON(workspaces) }
        var table = TextTable(["WORKSPACE", "NAME", "SNAPSHOTS", "SERIES", "LATEST"], rightAligned: [0, 2])
        for workspace in workspaces {
            table.add([
                "\(workspace.workspace)", workspace.name ?? "", "\(workspace.snapshots)",
                workspace.apis.map(\.rawValue).joined(separator: ", "),
                workspace.latestFetchedAt.map(Timestamp.display) ?? "",
            ])
        }
        print(table.render(style: .forStandardOutput()))
    }
}
