import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show each distinct version of one file over time.")

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var seriesOptions: SeriesOptions

    @Argument(help: "The file's path as stored in the zip.")
    var path: String

    @OptionGroup var output: JSONOption

    func run() throws {
        let versions = try database.open().fileVersions(path: path, in: seriesOptions.series)
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
        print("\(path) in \(seriesOptions.series):")
        print(table.render(style: style))
    }
}
