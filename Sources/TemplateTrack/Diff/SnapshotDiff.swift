public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

/// The differences between two snapshots of one series: the model every renderer draws.
public struct SnapshotDiff: Sendable, Encodable {
    public var workspace: Int
    public var api: TemplateAPI
    public var from: Int
    public var to: Int
    public var files: [FileChange]
    /// Templates read as schemas: what changed in each, and in the lookup tables.
    public var templates: [TemplateChange]
    public var lookups: [LookupChange]
    public var warnings: [TemplateWarning]
    /// `.txt` templates in the newer snapshot that disagree with their definitions.
    public var inconsistencies: [Inconsistency]
    /// What can break prepared data, in the order the text output lists it.
    public var breaking: [BreakingChange]
    /// Line differences per changed file, when asked for (for patch and stat views).
    public var patches: [FilePatch]?

    enum CodingKeys: String, CodingKey {
        case workspace, api, from, to, files, templates, lookups, warnings, inconsistencies, breaking
    }

    /// The template part as one comparison.
    public var comparison: TemplateComparison {
        TemplateComparison(templates: templates, lookups: lookups, warnings: warnings, breaking: breaking)
    }

    /// How much to compute.
    public enum Detail: Sendable {
        case summary
        /// Also line differences of text files (whole files are read from the store).
        case lines
    }

    /// Compares `from` and `to` in `series` (default: the latest snapshot and the one before;
    /// with only `from`, `from` and the latest).
    public static func compute(
        in store: any HistoryWriter, series: Series, from: SnapshotReference? = nil, to: SnapshotReference? = nil,
        detail: Detail = .summary
    ) throws -> (diff: SnapshotDiff, old: Snapshot, new: Snapshot) {
        let new = try store.resolve(to ?? .latest(back: 0), in: series)
        let old: Snapshot
        if let from {
            old = try store.resolve(from, in: series)
        } else {
            guard let previous = new.previous, let found = try store.snapshot(id: previous) else {
                let message =
                    to == nil
                    ? "has only one snapshot (\(new.id)); nothing to compare yet"
                    : "snapshot \(new.id) is the first: nothing before it to compare"
                throw TemplateTrackError(.notFound, message, at: [.workspace(series.workspace)])
            }
            old = found
        }
        return (try compute(in: store, old: old, new: new, detail: detail), old, new)
    }

    /// Compares two resolved snapshots.
    public static func compute(in store: any HistoryWriter, old: Snapshot, new: Snapshot, detail: Detail = .summary) throws
        -> SnapshotDiff
    {
        let files = try store.fileChanges(TreePair(from: old.tree, to: new.tree))
        var comparison = TreeComparison(files: FileCounts(), templates: TemplateComparison(), inconsistencies: [])
        if !files.isEmpty {
            comparison = try Comparisons.comparison(TreePair(from: old.tree, to: new.tree), in: store)
        }
        var diff = SnapshotDiff(
            workspace: new.workspace, api: new.api, from: old.id, to: new.id, files: files,
            templates: comparison.templates.templates, lookups: comparison.templates.lookups,
            warnings: comparison.templates.warnings, inconsistencies: comparison.inconsistencies,
            breaking: comparison.templates.breaking)
        if detail == .lines { diff.patches = try files.map { try patch($0, store: store) } }
        return diff
    }

    private static func patch(_ change: FileChange, store: any BlobLoader) throws -> FilePatch {
        if change.isFolder { return FilePatch(change: change, content: .folder, linesAdded: 0, linesRemoved: 0) }
        if change.status == .renamed { return FilePatch(change: change, content: .renamed, linesAdded: 0, linesRemoved: 0) }
        func isText(_ sha256: String?) throws -> Bool { try sha256.map { try store.blobInfo(sha256: $0)?.isText ?? false } ?? true }
        guard try isText(change.fromSHA256), try isText(change.toSHA256) else {
            return FilePatch(change: change, content: .binary, linesAdded: 0, linesRemoved: 0)
        }
        func bytes(_ sha256: String?) throws -> [UInt8] {
            var bytes: [UInt8] = []
            if let sha256 { try store.loadBlob(sha256: sha256) { bytes.append(contentsOf: $0) } }
            return bytes
        }
        let (hunks, added, removed) = Patches.hunks(old: try bytes(change.fromSHA256), new: try bytes(change.toSHA256))
        return FilePatch(change: change, content: .text(hunks), linesAdded: added, linesRemoved: removed)
    }
}
