import ArgumentParser
import TemplateTrack

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show each distinct version of one file over time.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The workspace.")
    var workspace: Int

    @Argument(help: "The file's path as stored in the zip.")
    var path: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let versions = try database.open().history(of: path, workspace: workspace)
        if json { return try printJSON(versions) }
        let style = Style.forStandardOutput()
        var table = TextTable(
            ["FIRST", "FETCHED AT", "LAST", "FETCHED AT", "SNAPSHOTS", "SIZE", "SHA-256"], rightAligned: [0, 2, 4, 5])
        for version in versions {
            table.add([
                "\(version.snapshot)", version.fetchedAt, "\(version.lastSnapshot)", version.lastFetchedAt,
                "\(version.snapshots)", version.size.map { "\($0)" } ?? "",
                version.sha256.map { String($0.prefix(16)) } ?? style.red("(absent)"),
            ])
        }
        print("\(path) in workspace \(workspace):")
        print(table.render(style: style))
    }
}
