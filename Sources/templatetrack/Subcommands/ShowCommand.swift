import ArgumentParser
import Foundation
import TemplateTrack

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
        guard let file = try history.files(of: found).first(where: { $0.path == path }) else {
            throw TemplateTrackError(.notFound, "snapshot \(found.id) has no file '\(path)'", at: [.workspace(target.workspace)])
        }
        try history.readContent(sha256: file.sha256) { FileHandle.standardOutput.write(Data($0)) }
    }
}
