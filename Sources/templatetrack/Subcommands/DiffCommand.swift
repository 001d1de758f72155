import ArgumentParser
import TemplateTrack

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two snapshots of a workspace (default: the last two).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The workspace.")
    var workspace: Int

    @Argument(help: "The older snapshot (a number, latest, latest~N, or a date/time).")
    var from: String?

    @Argument(help: "The newer snapshot (default: latest).")
    var to: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Per-file counts of lines added and removed.")
    var stat = false

    @Flag(help: "Unified line diffs of text files.")
    var patch = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when there are differences, 0 when there are none.")
    var exitCode = false

    func run() throws {
        let history = try database.open()
        let (diff, _, _) = try SnapshotDiff.compute(
            in: history, workspace: workspace, from: try from.map(SnapshotReference.init(parsing:)),
            to: try to.map(SnapshotReference.init(parsing:)))
        if json {
            try printJSON(diff)
        } else {
            let renderer = DiffRenderer(history: history, style: .forStandardOutput())
            if !stat && !patch { print(renderer.summary(diff)) }
            if stat && !diff.files.isEmpty { print(try renderer.stat(diff)) }
            if patch && !diff.files.isEmpty { print(try renderer.patch(diff)) }
        }
        if exitCode && !diff.files.isEmpty { throw ExitCode(1) }
    }
}
