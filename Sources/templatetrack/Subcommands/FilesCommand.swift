import ArgumentParser
import TemplateTrack

struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "List the files of one snapshot of a workspace.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The workspace.")
    var workspace: Int

    @Option(help: "Snapshot: a number, latest, latest~N, or a date/time (default: latest).")
    var snapshot = "latest"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let history = try database.open()
        let found = try history.resolve(try SnapshotReference(parsing: snapshot), workspace: workspace)
        let files = try history.files(of: found)
        if json { return try printJSON(files) }
        var table = TextTable(["SIZE", "SHA-256", "PATH"], rightAligned: [0])
        for file in files { table.add(["\(file.size)", String(file.sha256.prefix(16)), file.path]) }
        print("workspace \(workspace), snapshot \(found.id) (\(found.fetchedAt)):")
        print(table.render(style: .forStandardOutput()))
    }
}
