import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct ChangedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changed", abstract: "List the workspaces whose templates changed, with counts.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only changes in snapshots fetched at or after this date or ISO 8601 time.")
    var since: String?

    @Flag(help: "Only changes to templates (versions, names, columns, rules) and lookups, not other files.")
    var templates = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when any workspace changed.")
    var exitCode = false

    @Option(help: ArgumentHelp("With --templates: a folder of filled-in templates; count those each change breaks.", valueName: "dir"), completion: .directory)
    var data: String?

    @OptionGroup var output: JSONOption

    func validate() throws {
        if data != nil && !templates { throw ValidationError("--data goes with --templates") }
    }

    func run() throws {
        let start = try since.map { try time($0, "--since").start }
        let history = try database.open()
        let any: Bool
        if templates {
            let changes = try Queries.templateChanges(since: start, in: history)
            any = !changes.isEmpty
            var affected: [Int: DataImpact] = [:]
            if let data {
                for series in changes {
                    for change in series.snapshots {
                        guard let older = try history.snapshot(id: change.previous), let newer = try history.snapshot(id: change.snapshot) else { continue }
                        affected[change.snapshot] = try DataImpact.assess(folder: data, from: older, to: newer, history: history)
                    }
                }
            }
            try printTemplateChanges(changes, affected: affected)
        } else {
            let changes = try Queries.changed(since: start, in: history)
            any = !changes.isEmpty
            try printChanges(changes)
        }
        if exitCode && any { throw ExitCode(1) }
    }

    private func printChanges(_ changes: [SeriesChanges]) throws {
        if output.json { return try printJSON(changes) }
        guard !changes.isEmpty else {
            return print(since.map { "no workspace changed since \($0)" } ?? "no workspace has changed")
        }
        var table = TextTable(
            ["WORKSPACE", "NAME", "CHANGES", "SNAPSHOTS", "ADDED", "REMOVED", "MODIFIED", "RENAMED"],
            rightAligned: [0, 2, 4, 5, 6, 7])
        for change in changes {
            table.add([
                workspaceLabel(change.series), change.name ?? "", "\(change.snapshots.count)",
                "\(change.snapshots.first!.previous) → \(change.snapshots.last!.snapshot)", "\(change.counts.added)",
                "\(change.counts.removed)", "\(change.counts.modified)", "\(change.counts.renamed)",
            ])
        }
        print(table.render(style: .forStandardOutput()))
    }

    private func printTemplateChanges(_ changes: [SeriesTemplateChanges], affected: [Int: DataImpact]) throws {
        if output.json {
            guard data != nil else { return try printJSON(changes) }
            // Each change gains "affected_files" (the filled-in files it breaks) and "skipped_files".
            let encoded = try JSONSerialization.jsonObject(with: Data(try jsonText(changes).utf8)) as? [[String: Any]] ?? []
            let merged = encoded.map { series -> [String: Any] in
                var series = series
                series["snapshots"] = (series["snapshots"] as? [[String: Any]] ?? []).map { change -> [String: Any] in
                    var change = change
                    change["affected_files"] = (change["snapshot"] as? Int).flatMap { affected[$0]?.affected } ?? []
                    change["skipped_files"] = (change["snapshot"] as? Int).flatMap { affected[$0]?.skipped } ?? []
                    return change
                }
                return series
            }
            let data = try JSONSerialization.data(withJSONObject: merged, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return printJSONText(String(decoding: data, as: UTF8.self))
        }
        guard !changes.isEmpty else {
            return print(since.map { "no workspace's templates changed since \($0)" } ?? "no workspace's templates have changed")
        }
        var header = ["WORKSPACE", "NAME", "SNAPSHOT", "SCHEMA VERSIONS", "ADDED", "REMOVED", "MODIFIED", "RENAMED", "BREAKING"]
        if data != nil { header.append("YOUR FILES") }
        var table = TextTable(header, rightAligned: [0, 4, 5, 6, 7, 8, 9])
        for series in changes {
            for change in series.snapshots {
                let versions = change.schemaVersions.sorted { ($0.from ?? "", $0.to ?? "") < ($1.from ?? "", $1.to ?? "") }
                    .map { "\($0.from ?? "unset") → \($0.to ?? "unset") (\($0.templates))" }
                var row = [
                    workspaceLabel(series.series), series.name ?? "", "\(change.previous) → \(change.snapshot)",
                    versions.joined(separator: ", "), "\(change.templatesAdded)", "\(change.templatesRemoved)",
                    "\(change.templatesModified)", "\(change.templatesRenamed)", "\(change.breakingChanges)",
                ]
                if let impact = affected[change.snapshot] { row.append("\(impact.affected.count) of \(impact.files) break") }
                table.add(row)
            }
        }
        print(table.render(style: .forStandardOutput()))
    }
}

/// `5001`, or `5001 (batch-updater)` for the second series.
func workspaceLabel(_ series: Series) -> String {
    series.api == .upload ? "\(series.workspace)" : "\(series.workspace) (\(series.api.rawValue))"
}
