import Foundation
import ArgumentParser
import TemplateTrack

struct ChangedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changed", abstract: "List the workspaces whose templates changed, with counts.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only changes in snapshots fetched at or after this date or ISO 8601 time.")
    var since: String?

    @Flag(help: "Only changes to templates (versions, names, columns, rules) and lookups, not other files.")
    var templates = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var time: Date?
        if let since {
            guard let parsed = Timestamp.parse(since) else {
                throw ValidationError("--since '\(since)' is not a date or ISO 8601 time")
            }
            time = parsed
        }
        if templates { return try printTemplateChanges(since: time) }
        let changes = try database.open().changedWorkspaces(since: time)
        if json { return try printJSON(changes) }
        guard !changes.isEmpty else {
            return print(since.map { "no workspace changed since \($0)" } ?? "no workspace has changed")
        }
        var table = TextTable(
            ["WORKSPACE", "NAME", "CHANGES", "SNAPSHOTS", "ADDED", "REMOVED", "MODIFIED", "RENAMED"],
            rightAligned: [0, 2, 4, 5, 6, 7])
        for change in changes {
            table.add([
                "\(change.workspace)", change.name ?? "", "\(change.snapshots.count)",
                "\(change.snapshots.first!.previous) → \(change.snapshots.last!.snapshot)", "\(change.counts.added)",
                "\(change.counts.removed)", "\(change.counts.modified)", "\(change.counts.renamed)",
            ])
        }
        print(table.render(style: .forStandardOutput()))
    }

    private func printTemplateChanges(since time: Date?) throws {
        let changes = try database.open().templateChanges(since: time)
        if json { return try printJSON(changes) }
        guard !changes.isEmpty else {
            return print(since.map { "no workspace's templates changed since \($0)" } ?? "no workspace's templates have changed")
        }
        var table = TextTable(
            ["WORKSPACE", "NAME", "SNAPSHOT", "SCHEMA VERSIONS", "ADDED", "REMOVED", "MODIFIED", "RENAMED", "BREAKING"],
            rightAligned: [0, 4, 5, 6, 7, 8])
        for workspace in changes {
            for change in workspace.snapshots {
                let versions = change.schemaVersions.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
                table.add([
                    "\(workspace.workspace)", workspace.name ?? "", "\(change.previous) → \(change.snapshot)",
                    versions.joined(separator: ", "), "\(change.templatesAdded)", "\(change.templatesRemoved)",
                    "\(change.templatesModified)", "\(change.templatesRenamed)", "\(change.breakingChanges)",
                ])
            }
        }
        print(table.render(style: .forStandardOutput()))
    }
}
