import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "List every fetch and import, oldest first.")

    @OptionGroup var database: DatabaseOptions

    @Option(name: [.customShort("w"), .long], help: "Only this workspace.", completion: .custom(Completions.workspaces))
    var workspace: Int?

    @Option(help: "Only this documentation series: upload or batch-updater.")
    var api: TemplateAPI?

    @Option(help: "Only snapshots fetched at or after this date or ISO 8601 time.")
    var since: String?

    @Flag(help: "Only snapshots whose contents changed.")
    var changed = false

    @Option(help: "Only the most recent N.")
    var limit: Int?

    @OptionGroup var output: JSONOption

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let query = SnapshotQuery(
            workspace: workspace, api: api, since: try since.map { try time($0, "--since").start }, changedOnly: changed,
            limit: limit)
        let snapshots = try database.open().snapshots(query)
        if output.json { return try printJSON(snapshots) }
        if snapshots.isEmpty {
            let filtered = since != nil || changed || api != nil
            if filtered { return print("no snapshots match") }
            return print(workspace.map { "workspace \($0) has no snapshots" } ?? "no snapshots recorded yet")
        }
        let style = Style.forStandardOutput()
        let showAPI = snapshots.contains { $0.api != .upload }
        var header = ["SNAPSHOT", "WORKSPACE", "FETCHED AT", "FILES", "CHANGED", "ARCHIVE SHA-256"]
        if showAPI { header.insert("API", at: 2) }
        var table = TextTable(header, rightAligned: showAPI ? [0, 1, 4] : [0, 1, 3])
        for snapshot in snapshots {
            var row = [
                "\(snapshot.id)", "\(snapshot.workspace)", Timestamp.display(snapshot.fetchedAt), "\(snapshot.fileCount)",
                snapshot.changed ? style.yellow("yes") : "no", String(snapshot.archiveSHA256.prefix(16)),
            ]
            if showAPI { row.insert(snapshot.api.rawValue, at: 2) }
            table.add(row)
        }
        print(table.render(style: style))
    }
}
