import ArgumentParser
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two snapshots of a workspace (default: the last two).")

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var seriesOptions: SeriesOptions

    @Argument(help: "The older snapshot (a number, latest, latest~N, or a date/time).")
    var from: String?

    @Argument(help: "The newer snapshot.")
    var to: String?

    @OptionGroup var output: JSONOption

    @Flag(help: "Per-file counts of lines added and removed.")
    var stat = false

    @Flag(help: "Unified line diffs of text files.")
    var patch = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when there are differences, 0 when there are none.")
    var exitCode = false

    @Option(help: ArgumentHelp("A folder of filled-in templates: say how many of them the change breaks.", valueName: "dir"), completion: .directory)
    var data: String?

    func run() throws {
        let history = try database.open()
        let detail: SnapshotDiff.Detail = (stat || patch) && !output.json ? .lines : .summary
        let (diff, old, new) = try SnapshotDiff.compute(
            in: history, series: seriesOptions.series, from: try from.map(SnapshotReference.init(parsing:)),
            to: try to.map(SnapshotReference.init(parsing:)), detail: detail)
        let impact = try data.map { try DataImpact.assess(folder: $0, from: old, to: new, history: history) }
        if output.json {
            if let impact {
                struct WithData: Encodable {
                    var diff: SnapshotDiff
                    var data: DataImpact
                    func encode(to encoder: any Encoder) throws {
                        try diff.encode(to: encoder)
                        enum Keys: String, CodingKey { case data }
                        var container = encoder.container(keyedBy: Keys.self)
                        try container.encode(data, forKey: .data)
                    }
                }
                try printJSON(WithData(diff: diff, data: impact))
            } else {
                try printJSON(diff)
            }
        } else {
            let renderer = DiffText(style: .forStandardOutput())
            var text: [String] = []
            if !stat && !patch { text.append(renderer.summary(diff)) }
            if let impact { text.append(impact.line(from: old.id, to: new.id, workspace: seriesOptions.workspace)) }
            if stat && !diff.files.isEmpty { text.append(renderer.stat(diff.patches ?? [])) }
            if patch && !diff.files.isEmpty { text.append(renderer.patch(diff.patches ?? [])) }
            Pager.show(text.joined(separator: "\n"), long: patch)
        }
        if exitCode && !diff.files.isEmpty { throw ExitCode(1) }
    }
}

extension ColorChoice: ExpressibleByArgument {}
