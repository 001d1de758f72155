import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write a snapshot's files into a folder, as unzip -d would, from the database.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions

    @Option(help: "The folder to write into: created if missing; else one extract made before.", completion: .directory)
    var to: String

    @Flag(name: .customLong("into-existing"), help: "Write into a folder TemplateTrack did not create, beside what is there.")
    var intoExisting = false

    @Flag(help: "Replace or delete files TemplateTrack did not write, or that were edited since.")
    var force = false

    @Option(name: .customLong("wait"), help: ArgumentHelp("Seconds to wait for another extract beside it.", valueName: "seconds"))
    var wait: Int = 60

    @OptionGroup var output: JSONOption

    func validate() throws {
        guard (0...86_400).contains(wait) else { throw ValidationError("--wait must be 0 to 86400 seconds") }
    }

    func run() throws {
        let history = try database.open(.write)
        let found = try target.resolve(in: history)
        // SIGINT and SIGTERM stop it between files: its temporary files go, and what was
        // already in place stays recorded (exit 130 or 143).
        Interruption.install()
        let report = try Extraction.extract(
            found, from: history, to: to,
            options: ExtractionOptions(
                force: force, intoExisting: intoExisting, lockTimeout: TimeInterval(wait),
                isCancelled: { Interruption.isInterrupted }))
        // A signal during the last renames: the files are in place and recorded, but the
        // command was asked to stop, and says so by its status, as sync does.
        if Interruption.isInterrupted { throw TemplateTrackError(.cancelled, "interrupted") }
        if output.json { return try printJSON(report) }
        var line = "\(target.series), snapshot \(found.id) → \(report.directory): "
        line += report.created ? "created, \(report.written) written" : "\(report.written) written, \(report.unchanged) unchanged, \(report.removed) removed"
        if !report.kept.isEmpty { line += "; \(report.kept.count) files not written by templatetrack left as they were" }
        print(line)
    }
}
