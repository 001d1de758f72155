import ArgumentParser
import Foundation
import TemplateTrackBase
import TemplateTrackWeb
import TemplateTrackCommandLine

extension ReportCommand {
    func runHere() throws {
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
