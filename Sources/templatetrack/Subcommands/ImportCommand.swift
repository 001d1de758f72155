import ArgumentParser
import Foundation
import TemplateTrack

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record a template zip already on disk as a snapshot of a workspace.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The zip, e.g. ImmportTemplates.5001.zip.")
    var zip: String

    @Option(help: "The workspace the zip belongs to.")
    var workspace: Int

    @Option(name: .customLong("fetched-at"), help: "When it was downloaded, ISO 8601 (default: now).")
    var fetchedAt: String?

    @Flag(help: "Print the snapshot as JSON.")
    var json = false

    func run() throws {
        var time = Date()
        if let fetchedAt {
            guard let parsed = Timestamp.parse(fetchedAt) else {
                throw ValidationError("--fetched-at '\(fetchedAt)' is not an ISO 8601 time")
            }
            time = parsed
        }
        let snapshot = try Pipeline.importZip(at: zip, workspace: workspace, fetchedAt: time, into: try database.open(create: true))
        if json {
            try printJSON(snapshot)
        } else {
            let what =
                switch (snapshot.previous, snapshot.changed) {
                case (nil, _): "\(snapshot.fileCount) files, the workspace's first snapshot"
                case (let previous?, true): "\(snapshot.fileCount) files, changed since snapshot \(previous)"
                case (let previous?, false): "unchanged: same contents as snapshot \(previous)"
                }
            print("workspace \(snapshot.workspace): recorded snapshot \(snapshot.id) (\(what))")
        }
    }
}
