import ArgumentParser
import TemplateTrack

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "List every fetch and import, oldest first.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this workspace.")
    var workspace: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let snapshots = try database.open().snapshots(workspace: workspace)
        if json { return try printJSON(snapshots) }
        let style = Style.forStandardOutput()
        var table = TextTable(["SNAPSHOT", "WORKSPACE", "FETCHED AT", "FILES", "CHANGED", "ARCHIVE SHA-256"], rightAligned: [0, 1, 3])
        for snapshot in snapshots {
            table.add([
                "\(snapshot.id)", "\(snapshot.workspace)", snapshot.fetchedAt, "\(snapshot.fileCount)",
                snapshot.changed ? style.yellow("yes") : "no", String(snapshot.archiveSHA256.prefix(16)),
            ])
        }
        if snapshots.isEmpty {
            return print(workspace.map { "workspace \($0) has no snapshots" } ?? "no snapshots recorded yet")
        }
        print(table.render(style: style))
    }
}
