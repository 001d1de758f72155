import ArgumentParser
import Foundation
import TemplateTrackBase
import TemplateTrackWeb

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the history as a static HTML site that works offline (an overview, a page per change and per template).")

    @OptionGroup var database: DatabaseOptions

    @Option(
        name: .customLong("html"),
        help: ArgumentHelp("The report's folder: created, or updated when an earlier report made it.", valueName: "dir"),
        completion: .directory)
    var directory: String

    @Option(name: [.customShort("w"), .long], help: "Only this workspace (repeatable).", completion: .custom(Completions.workspaces))
    var workspace: [Int] = []

    @Option(help: "Only changes fetched at or after this date or ISO 8601 time.")
    var since: String?

    @OptionGroup var output: JSONOption

    func run() throws {
        let start = try since.map { try time($0, "--since").start }
        let history = try database.open()
        let options = SiteOptions(
            workspaces: workspace, since: start, databaseName: (database.resolvedPath as NSString).lastPathComponent)
        let summary = try Report.write(Site(store: history, options: options), to: HomeFolder.expandingTilde(directory))
        if output.json { return try printJSON(summary) }
        var line = "Report \(summary.created ? "written to" : "updated in") \(summary.directory): \(summary.written) files written"
        if summary.unchanged > 0 { line += ", \(summary.unchanged) unchanged" }
        if summary.removed > 0 { line += ", \(summary.removed) removed" }
        print(line + ".")
        for path in summary.kept { note("kept \(path): edited since the report wrote it, so no longer part of it") }
        print("Open \(summary.index) in a browser (it works offline).")
    }
}
