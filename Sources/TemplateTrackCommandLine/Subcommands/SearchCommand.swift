import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Full-text search in the text files of the latest snapshots.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "Words to find, as a phrase (case-insensitive, whole words).")
    var text: String

    @Option(name: [.customShort("w"), .long], help: "Only this workspace.", completion: .custom(Completions.workspaces))
    var workspace: Int?

    @Flag(name: .customLong("all-snapshots"), help: "Search every snapshot, not only each series' latest.")
    var allSnapshots = false

    @OptionGroup var output: JSONOption

    func run() throws {
        // Files recorded since the last search are indexed first, where the file can be written.
        let history = try (try? database.open(.write)) ?? database.open()
        let hits = try history.search(text, workspace: workspace, allSnapshots: allSnapshots)
        if output.json { return try printJSON(hits) }
        guard !hits.isEmpty else { return print("no matches for '\(text)'") }
        let style = Style.forStandardOutput()
        var table = TextTable(["WORKSPACE", "SNAPSHOT", "PATH", "MATCH"], rightAligned: [0, 1])
        for hit in hits {
            let snippet = hit.snippet.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            table.add([
                workspaceLabel(Series(workspace: hit.workspace, api: hit.api)), "\(hit.snapshot)", hit.path,
                style.colour ? highlight(snippet, style) : snippet,
            ])
        }
        print(table.render(style: style))
    }

    /// Turns the `**match**` marks into bold on a terminal.
    private func highlight(_ snippet: String, _ style: Style) -> String {
        let parts = snippet.components(separatedBy: "**")
        return parts.enumerated().map { $0.offset % 2 == 1 ? style.bold(style.yellow($0.element)) : $0.element }.joined()
    }
}
