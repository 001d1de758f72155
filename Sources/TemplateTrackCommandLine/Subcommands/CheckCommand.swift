import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
package import TemplateTrackCheck
package import TemplateTrackHistory
package import TemplateTrackSQLite

/// The templates and lookups of a snapshot, as `check` validates against them.
package func catalog(of snapshot: Snapshot, in history: SQLiteHistory) throws -> TemplateCatalog {
    let inventory = try history.templates(of: snapshot.tree)
    return TemplateCatalog(templates: inventory.templates.map(\.template), lookups: inventory.lookups)
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check filled-in templates (.txt or .xlsx) against a snapshot's templates and lookups.",
        discussion: """
            Exit status: 0 when there are no errors (warnings do not count), 1 when there are, 2 for input that cannot \
            be read. With --from and --to: what a template change does to the files, each new finding tied to the \
            change that causes it; exit 1 when the change brings new errors.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions

    @Argument(help: "Filled-in templates: ImmPort's tab-separated .txt or .xlsx.", completion: .file(extensions: ["txt", "xlsx"]))
    var files: [String]

    @Option(help: "The snapshot the files were filled against (with --to: show the impact of the change).")
    var from: String?

    @Option(help: "The newer snapshot (with --from).")
    var to: String?

    @OptionGroup var output: JSONOption

    func validate() throws {
        if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
        if files.isEmpty { throw ValidationError("name at least one file") }
    }

    func run() throws {
        let history = try database.open()
        if let from, let to { return try impact(from: from, to: to, history: history) }
        let snapshot = try target.resolve(in: history)
        let templates = try catalog(of: snapshot, in: history)
        var findings: [CheckFinding] = []
        for file in files {
            findings += try FilledTemplateChecker.check(fileAt: file, against: templates)
        }
        let errors = findings.filter { $0.severity == .error }.count
        if output.json {
            try printJSON(
                CheckReport(
                    workspace: target.workspace, snapshot: snapshot.id, files: files.count, errors: errors,
                    warnings: findings.count - errors, findings: findings))
        } else {
            printFindings(findings, header: "\(target.series), snapshot \(snapshot.id)")
        }
        if errors > 0 { throw ExitCode(1) }
    }

    private func impact(from: String, to: String, history: SQLiteHistory) throws {
        let older = try history.resolve(try SnapshotReference(parsing: from), in: target.series)
        let newer = try history.resolve(try SnapshotReference(parsing: to), in: target.series)
        let impact = try ChangeImpact.assess(
            files: files, from: catalog(of: older, in: history), to: catalog(of: newer, in: history))
        let newErrors = impact.entries(.new).filter { $0.finding.severity == .error }.count
        if output.json {
            try printJSON(
                ImpactReport(
                    workspace: target.workspace, from: older.id, to: newer.id, newErrors: newErrors,
                    new: impact.entries(.new), fixed: impact.entries(.fixed), unchanged: impact.entries(.unchanged)))
        } else {
            let style = Style.forStandardOutput()
            let new = impact.entries(.new)
            print("\(target.series), snapshot \(older.id) → \(newer.id): \(new.count) new, \(impact.entries(.fixed).count) fixed, \(impact.entries(.unchanged).count) unchanged")
            if !new.isEmpty {
                print(style.bold(style.red("New under snapshot \(newer.id):")))
                for (cause, entries) in Dictionary(grouping: new, by: { causeText($0.cause) }).sorted(by: { $0.key < $1.key }) {
                    print("  " + cause + ":")
                    for line in FindingText.lines(for: FindingGrouping.group(entries.map(\.finding))) { print("    " + line) }
                }
            }
            let fixed = impact.entries(.fixed)
            if !fixed.isEmpty {
                print(style.bold(style.green("Fixed by snapshot \(newer.id):")))
                for line in FindingText.lines(for: FindingGrouping.group(fixed.map(\.finding))) { print("    " + line) }
            }
        }
        if newErrors > 0 { throw ExitCode(1) }
    }

    private func printFindings(_ findings: [CheckFinding], header: String) {
        let style = Style.forStandardOutput()
        let errors = findings.filter { $0.severity == .error }.count
        guard !findings.isEmpty else { return print("\(header): \(files.count) file\(files.count == 1 ? "" : "s"), no problems") }
        print("\(header): \(errors) error\(errors == 1 ? "" : "s"), \(findings.count - errors) warning\(findings.count - errors == 1 ? "" : "s")")
        for line in FindingText.lines(for: FindingGrouping.group(findings)) {
            print(line.hasPrefix(" ") ? line : style.bold(line))
        }
    }
}

/// A cause as a heading: "Column 'Ethnicity' is now required".
package func causeText(_ cause: ChangeCause?) -> String {
    guard let text = cause?.description else { return "No template change explains it" }
    return text.hasSuffix(".") ? String(text.dropLast()) : text
}

/// What a template change does to the filled-in files in a folder (`--data DIR`).
struct DataImpact: Encodable {
    var folder: String
    var files: Int
    var affected: [String]
    /// `.txt` and `.xlsx` files that are not filled-in templates (a README, a damaged workbook).
    var skipped: [String]

    enum CodingKeys: String, CodingKey { case folder, files, affected = "affected_files", skipped = "skipped_files" }

    /// `.txt` and `.xlsx` files directly in `folder`, checked against both snapshots; hidden
    /// files and Excel's `~$` lock files are passed over, and files that are not filled-in
    /// templates are set aside by name rather than stopping the answer.
    static func assess(folder: String, from older: Snapshot, to newer: Snapshot, history: SQLiteHistory) throws -> DataImpact {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw TemplateTrackError(.notFound, "cannot list the folder", at: [.file(folder)], cause: error)
        }
        let files = names.filter { ($0.hasSuffix(".txt") || $0.hasSuffix(".xlsx")) && !$0.hasPrefix(".") && !$0.hasPrefix("~$") }
            .sorted().map { folder + "/" + $0 }
        let (from, to) = (try catalog(of: older, in: history), try catalog(of: newer, in: history))
        var affected: [String] = []
        var skipped: [String] = []
        for file in files {
            do {
                let impact = try ChangeImpact.assess(files: [file], from: from, to: to)
                if impact.entries(.new).contains(where: { $0.finding.severity == .error }) { affected.append(file) }
            } catch let error as TemplateTrackError
                where [.invalidFile, .invalidArchive, .io, .notFound].contains(error.code)
            {
                skipped.append(file)
            }
        }
        return DataImpact(folder: folder, files: files.count - skipped.count, affected: affected, skipped: skipped)
    }

    /// "Your files: 2 of 5 break under this change (…)".
    func line(from older: Int, to newer: Int, workspace: Int) -> String {
        let passedOver = skipped.isEmpty ? "" : "; \(skipped.count) other file\(skipped.count == 1 ? "" : "s") there \(skipped.count == 1 ? "is" : "are") not a filled-in template"
        guard !affected.isEmpty else { return "Your files: none of \(files) in \(folder) gains an error under this change\(passedOver)" }
        return "Your files: \(affected.count) of \(files) in \(folder) break under this change (templatetrack check FILE -w \(workspace) --from \(older) --to \(newer) says why)\(passedOver)"
    }
}

/// `check --json`.
struct CheckReport: Encodable {
    var workspace: Int
    var snapshot: Int
    var files: Int
    var errors: Int
    var warnings: Int
    var findings: [CheckFinding]
    var templatetrackVersion = TemplateTrackVersion.current

    enum CodingKeys: String, CodingKey {
        case workspace, snapshot, files, errors, warnings, findings, templatetrackVersion = "templatetrack_version"
    }
}

/// `check --from --to --json`.
struct ImpactReport: Encodable {
    var workspace: Int
    var from: Int
    var to: Int
    var newErrors: Int
    var new: [ChangeImpact.Entry]
    var fixed: [ChangeImpact.Entry]
    var unchanged: [ChangeImpact.Entry]
    var templatetrackVersion = TemplateTrackVersion.current

    enum CodingKeys: String, CodingKey {
        case workspace, from, to, newErrors = "new_errors", new, fixed, unchanged, templatetrackVersion = "templatetrack_version"
    }
}

struct UpgradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Rewrite a filled-in .txt template to a newer snapshot's version where the change is mechanical.",
        discussion: """
            Mechanical means: the Schema Version tag, the template's new name after a rename, column order, new \
            optional columns added empty, and columns removed when they are empty. A value is never guessed: what \
            needs a person is reported as findings (exit 1 when any is an error). The input is never changed, and \
            --out must not exist.
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The filled-in .txt template.", completion: .file(extensions: ["txt"]))
    var file: String

    @OptionGroup var seriesOptions: SeriesOptions

    @Option(help: "The snapshot to upgrade to.")
    var to = "latest"

    @Option(help: "The snapshot the file was filled against (default: the latest before --to whose template has the file's Schema Version).")
    var from: String?

    @Option(help: "Where to write the upgraded file (must not exist).", completion: .file())
    var out: String

    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try database.open()
        let series = seriesOptions.series
        let newer = try history.resolve(try SnapshotReference(parsing: to), in: series)
        let older: Snapshot
        if let from {
            older = try history.resolve(try SnapshotReference(parsing: from), in: series)
        } else {
            older = try filledAgainst(newer: newer, history: history, series: series)
        }
        let result = try TemplateUpgrader.upgrade(
            fileAt: file, from: catalog(of: older, in: history), to: catalog(of: newer, in: history), writingTo: out)
        let errors = result.findings.filter { $0.severity == .error }.count
        if output.json {
            struct Upgraded: Encodable {
                var input, output, fromTemplate, toTemplate: String
                var fromVersion, toVersion: String?
                var fromSnapshot, toSnapshot: Int
                var columnsAdded, columnsRemoved: [String]
                var columnsRenamed: [[String: String]]
                var columnsReordered: Bool
                var rows: Int
                var findings: [CheckFinding]
                enum CodingKeys: String, CodingKey {
                    case input, output, fromTemplate = "from_template", toTemplate = "to_template"
                    case fromVersion = "from_version", toVersion = "to_version", fromSnapshot = "from_snapshot"
                    case toSnapshot = "to_snapshot", columnsAdded = "columns_added", columnsRemoved = "columns_removed"
                    case columnsRenamed = "columns_renamed", columnsReordered = "columns_reordered", rows, findings
                }
            }
            try printJSON(
                Upgraded(
                    input: result.input, output: result.output, fromTemplate: result.fromTemplate, toTemplate: result.toTemplate,
                    fromVersion: result.fromVersion, toVersion: result.toVersion, fromSnapshot: older.id, toSnapshot: newer.id,
                    columnsAdded: result.columnsAdded, columnsRemoved: result.columnsRemoved,
                    columnsRenamed: result.columnsRenamed.map { ["from": $0.from, "to": $0.to] },
                    columnsReordered: result.columnsReordered, rows: result.rowsWritten, findings: result.findings))
        } else {
            var line = "\(result.output): \(result.fromTemplate) \(result.fromVersion ?? "?") → \(result.toTemplate) \(result.toVersion ?? "?"), \(result.rowsWritten) rows"
            var changes: [String] = []
            if !result.columnsAdded.isEmpty { changes.append("added " + result.columnsAdded.joined(separator: ", ")) }
            if !result.columnsRemoved.isEmpty { changes.append("removed empty " + result.columnsRemoved.joined(separator: ", ")) }
            if !result.columnsRenamed.isEmpty { changes.append("renamed " + result.columnsRenamed.map { "\($0.from) → \($0.to)" }.joined(separator: ", ")) }
            if result.columnsReordered { changes.append("columns reordered") }
            if !changes.isEmpty { line += "; " + changes.joined(separator: "; ") }
            print(line)
            if !result.findings.isEmpty {
                print("Still needs a person:")
                for text in FindingText.lines(for: FindingGrouping.group(result.findings)) { print("  " + text) }
            }
        }
        if errors > 0 { throw ExitCode(1) }
    }

    /// The latest snapshot before `newer` whose template of the file's name has the file's Schema Version.
    private func filledAgainst(newer: Snapshot, history: SQLiteHistory, series: Series) throws -> Snapshot {
        guard let firstLine = (try? String(contentsOfFile: file, encoding: .utf8))?.split(whereSeparator: \.isNewline).first else {
            throw TemplateTrackError(.invalidArgument, "not a readable .txt template", at: [.file(file)])
        }
        let cells = firstLine.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let name = cells.first?.replacingOccurrences(of: "\u{FEFF}", with: "") ?? ""
        let version = cells.count > 1 ? TemplateCatalog.schemaVersion(inTag: cells[1]) : nil
        for snapshot in try history.snapshots(SnapshotQuery(workspace: series.workspace, api: series.api)).reversed()
        where snapshot.fetchedAt <= newer.fetchedAt && snapshot.id != newer.id && snapshot.changed {
            let templates = try history.templates(of: snapshot.tree).templates
            if templates.contains(where: { $0.template.name == name && $0.template.schemaVersion == version }) { return snapshot }
        }
        throw TemplateTrackError(
            .notFound,
            "no snapshot before \(newer.id) has template '\(DisplayName.escaped(name))' at Schema Version \(version ?? "?"); name one with --from",
            at: [.workspace(series.workspace)])
    }
}
