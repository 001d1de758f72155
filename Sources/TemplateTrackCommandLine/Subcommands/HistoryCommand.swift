import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show each distinct version of one file over time.")

    @OptionGroup var database: DatabaseOptions

    @Option(name: [.customShort("w"), .long], help: "The workspace.", completion: .custom(Completions.workspaces))
    var workspace: Int

    @Option(name: .customLong("api"), help: "Which documentation series: upload or batch-updater (default: the configuration's api, else upload).")
    var apiChoice: TemplateAPI?

    /// `--api`, else the configuration's `api`, else upload.
    var api: TemplateAPI { apiChoice ?? Configuration.current.api ?? .upload }

    @Argument(help: "The file's path as stored in the zip.")
    var path: String

    @OptionGroup var output: JSONOption

    func run() throws {
        let versions = try database.open().fileVersions(path: path, in: Series(workspace: workspace, api: api))
        if output.json { return try printJSON(versions) }
        let style = Style.forStandardOutput()
        var table = TextTable(
            ["FIRST", "FETCHED AT", "LAST", "FETCHED AT", "SNAPSHOTS", "SIZE", "SHA-256"], rightAligned: [0, 2, 4, 5])
        for version in versions {
            table.add([
                "\(version.snapshot)", Timestamp.display(version.fetchedAt), "\(version.lastSnapshot)",
                Timestamp.display(version.lastFetchedAt), "\(version.snapshots)", version.size.map { "\($0)" } ?? "",
                version.sha256.map { String($0.prefix(16)) } ?? style.red("(absent)"),
            ])
        }
        print("\(path) in \(Series(workspace: workspace, api: api)):")
        print(table.render(style: style))
    }
}
