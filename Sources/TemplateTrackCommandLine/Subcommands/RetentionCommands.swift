import ArgumentParser
import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite

struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget", abstract: "Remove snapshots by number, then what nothing references any more.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "Snapshot numbers, as log shows them.")
    var snapshots: [Int]

    @Flag(name: .customLong("dry-run"), help: "Say what would go; change nothing.")
    var dryRun = false

    @OptionGroup var output: JSONOption

    func run() throws {
        guard !snapshots.isEmpty else { throw ValidationError("name at least one snapshot") }
        let history = try database.open(dryRun ? .read : .write)
        let unique = Array(Set(snapshots)).sorted()
        for id in unique where try history.snapshot(id: id) == nil {
            throw TemplateTrackError(.notFound, "no snapshot \(id)", at: [.file(history.path)])
        }
        try finishRetention(history, forget: unique, kept: [:], dryRun: dryRun, json: output.json)
    }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Forget repeated fetches of unchanged contents; every change is kept.",
        discussion: """
            A series' latest snapshot and every snapshot that changed the contents are always kept, so diff and changed \
            answer the same for the snapshots that remain. Of the unchanged fetches, the last of each of the last N days \
            (--keep-daily) and months (--keep-monthly) are kept too. Then trees and blobs nothing references are removed \
            and the file shrinks.
            """)

    @OptionGroup var database: DatabaseOptions

    @Flag(name: .customLong("keep-changes"), help: "Keep every snapshot that changed the contents (always on).")
    var keepChanges = false

    @Option(name: .customLong("keep-daily"), help: ArgumentHelp("Keep the last snapshot of each of the last N days.", valueName: "n"))
    var keepDaily: Int?

    @Option(name: .customLong("keep-monthly"), help: ArgumentHelp("Keep the last snapshot of each of the last N months.", valueName: "n"))
    var keepMonthly: Int?

    @Flag(name: .customLong("dry-run"), help: "Say what would go; change nothing.")
    var dryRun = false

    @OptionGroup var output: JSONOption

    func validate() throws {
        if let keepDaily, keepDaily < 0 { throw ValidationError("--keep-daily must be 0 or more") }
        if let keepMonthly, keepMonthly < 0 { throw ValidationError("--keep-monthly must be 0 or more") }
    }

    func run() throws {
        let defaults = Configuration.current.retention
        let policy = RetentionPolicy(
            keepDaily: keepDaily ?? defaults.keepDaily, keepMonthly: keepMonthly ?? defaults.keepMonthly)
        let history = try database.open(dryRun ? .read : .write)
        let plan = Retention.plan(policy, snapshots: try history.snapshots(SnapshotQuery()))
        try finishRetention(history, forget: plan.forget, kept: plan.kept, dryRun: dryRun, json: output.json)
    }
}

/// `forget` and `prune`: remove, collect, report.
private func finishRetention(_ history: SQLiteHistory, forget: [Int], kept: [String: Int], dryRun: Bool, json: Bool) throws {
    struct Outcome: Encodable {
        var forgotten: [Int]
        var kept: [String: Int]
        var dryRun: Bool
        var garbage: GarbageReport?

        enum CodingKeys: String, CodingKey { case forgotten, kept, dryRun = "dry_run", garbage }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(forgotten, forKey: .forgotten)
            try container.encode(kept, forKey: .kept)
            try container.encode(dryRun, forKey: .dryRun)
            try container.encode(garbage, forKey: .garbage)  // null on a dry run
        }
    }
    var garbage: GarbageReport?
    if !dryRun {
        try history.forget(forget)
        garbage = try history.collectGarbage()
    }
    if json { return try printJSON(Outcome(forgotten: forget, kept: kept, dryRun: dryRun, garbage: garbage)) }
    let list = forget.count > 12 ? forget.prefix(12).map(String.init).joined(separator: ", ") + ", …" : forget.map(String.init).joined(separator: ", ")
    let keptText = kept.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
    if dryRun {
        print("would forget \(forget.count) snapshot\(forget.count == 1 ? "" : "s")\(forget.isEmpty ? "" : ": " + list)")
        if !keptText.isEmpty { print("would keep \(keptText)") }
        return
    }
    print("forgot \(forget.count) snapshot\(forget.count == 1 ? "" : "s")\(forget.isEmpty ? "" : ": " + list)")
    if !keptText.isEmpty { print("kept \(keptText)") }
    if let garbage {
        print(
            "removed \(garbage.trees) trees and \(garbage.blobs) files (\(ByteCount.format(garbage.bytes))); "
                + "database \(ByteCount.format(garbage.fileSizeBefore)) → \(ByteCount.format(garbage.fileSizeAfter))")
    }
}
