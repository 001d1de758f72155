import ArgumentParser
import TemplateTrack

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Full-text search in the text files of the latest snapshots.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "Words to find, as a phrase (case-insensitive, whole words).")
    var text: String

    @Option(help: "Only this workspace.")
    var workspace: Int?

    @Flag(name: .customLong("all-snapshots"), help: "Search every snapshot, not only each workspace's latest.")
    var allSnapshots = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let hits = try database.open().search(text, workspace: workspace, allSnapshots: allSnapshots)
        if json { return try printJSON(hits) }
        guard !hits.isEmpty else { return print("no matches for '\(text)'") }
        let style = Style.forStandardOutput()
        var table = TextTable(["WORKSPACE", "SNAPSHOT", "PATH", "MATCH"], rightAligned: [0, 1])
        for hit in hits {
            let snippet = hit.snippet.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            table.add(["\(hit.workspace)", "\(hit.snapshot)", hit.path, style.colour ? highlight(snippet, style) : snippet])
        }
        print(table.render(style: style))
    }

    /// Turns the `**match**` marks into bold on a terminal.
    private func highlight(_ snippet: String, _ style: Style) -> String {
        let parts = snippet.components(separatedBy: "**")
        return parts.enumerated().map { $0.offset % 2 == 1 ? style.bold(style.yellow($0.element)) : $0.element }.joined()
    }
}
