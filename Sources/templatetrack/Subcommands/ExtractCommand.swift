import Foundation
import ArgumentParser
import TemplateTrack

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write a snapshot's files into a folder, as unzip -d would, from the database.")

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: SnapshotOptions

    @Option(help: "The folder to write into (created if missing).")
    var to: String

    @Flag(help: "Overwrite or delete files TemplateTrack did not write, or that were edited since.")
    var force = false

    @Flag(help: "Print what was done as JSON.")
    var json = false

    func run() throws {
        let history = try database.open()
        let found = try target.resolve(in: history)
        // Asked before the swap: afterwards the working folder is the old, removed one.
        let here = FileManager.default.currentDirectoryPath
        let report = try Extraction.extract(found, from: history, to: to, force: force)
        // The folder was swapped whole: a shell inside it still sees the old one.
        if here == report.directory || here.hasPrefix(report.directory + "/") {
            progress("note: you are inside \(report.directory); run `cd \"$PWD\"` to see the new contents")
        }
        if json { return try printJSON(report) }
        var line = "workspace \(target.workspace), snapshot \(found.id) → \(report.directory): \(report.written) written, \(report.unchanged) unchanged, \(report.removed) removed"
        if !report.kept.isEmpty { line += "; \(report.kept.count) files not written by templatetrack left as they were" }
        print(line)
    }
}
