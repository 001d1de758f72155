import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "List the files of one snapshot of a workspace.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try database.open()
        let found = try target.resolve(in: history)
        let files = try history.treeEntries(found.tree).compactMap { entry in
            entry.sha256.map { FileRecord(path: entry.path, size: entry.size, sha256: $0) }
        }
        if output.json { return try printJSON(files) }
        var table = TextTable(["SIZE", "SHA-256", "PATH"], rightAligned: [0])
        for file in files { table.add(["\(file.size)", String(file.sha256.prefix(16)), file.path]) }
        print("\(target.series), snapshot \(found.id) (\(Timestamp.display(found.fetchedAt))):")
        print(table.render(style: .forStandardOutput()))
    }
}
