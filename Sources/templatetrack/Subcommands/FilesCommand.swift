import ArgumentParser
import TemplateTrack

struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "List the files of one snapshot of a workspace.")

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var target: SnapshotOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let history = try database.open()
        let found = try target.resolve(in: history)
        let files = try history.files(of: found)
        if json { return try printJSON(files) }
        var table = TextTable(["SIZE", "SHA-256", "PATH"], rightAligned: [0])
        for file in files { table.add(["\(file.size)", String(file.sha256.prefix(16)), file.path]) }
        print("workspace \(target.workspace), snapshot \(found.id) (\(found.fetchedAt)):")
        print(table.render(style: .forStandardOutput()))
    }
}
