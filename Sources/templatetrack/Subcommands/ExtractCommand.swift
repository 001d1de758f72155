import ArgumentParser
import TemplateTrack

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write a snapshot's files into a folder, as unzip -d would, from the database.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The workspace.")
    var workspace: Int

    @Option(help: "Snapshot: a number, latest, latest~N, or a date/time (default: latest).")
    var snapshot = "latest"

    @Option(help: "The folder to write into (created if missing).")
    var to: String

    @Flag(help: "Overwrite or delete files TemplateTrack did not write, or that were edited since.")
    var force = false

    @Flag(help: "Print what was done as JSON.")
    var json = false

    func run() throws {
        let history = try database.open()
        let found = try history.resolve(try SnapshotReference(parsing: snapshot), workspace: workspace)
        let report = try Extraction.extract(found, from: history, to: to, force: force)
        if json { return try printJSON(report) }
        var line = "workspace \(workspace), snapshot \(found.id) → \(report.directory): \(report.written) written, \(report.unchanged) unchanged, \(report.removed) removed"
        if !report.kept.isEmpty { line += "; \(report.kept.count) files not written by templatetrack left as they were" }
        print(line)
    }
}
