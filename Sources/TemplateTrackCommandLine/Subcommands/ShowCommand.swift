import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Write one file's exact bytes, from a snapshot, to standard output.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var target: SnapshotOptions

    @Argument(help: "The file's path as stored in the zip.")
    var path: String

    func run() throws {
        let history = try database.open()
        let found = try target.resolve(in: history)
        guard let sha256 = try history.treeEntries(found.tree).first(where: { $0.path == path })?.sha256 else {
            throw TemplateTrackError(
                .notFound, "snapshot \(found.id) has no file '\(DisplayName.escaped(path))'", at: [.workspace(target.workspace)])
        }
        try history.loadBlob(sha256: sha256) { FileHandle.standardOutput.write(Data($0)) }
    }
}
