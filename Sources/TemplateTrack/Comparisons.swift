public import TemplateTrackHistory
import TemplateTrackTemplates

/// Comparisons of trees: computed once per pair and kept, so that the template changes,
/// `diff` and the reports read stored results instead of re-reading templates.
public enum Comparisons {
    /// Compares two trees: files by path and content, templates and lookups as schemas.
    public static func compute(_ pair: TreePair, in store: any HistoryReader) throws -> TreeComparison {
        let files = try store.fileChanges(pair)
        guard !files.isEmpty else { return TreeComparison(files: FileCounts(), templates: TemplateComparison(), inconsistencies: []) }
        let (before, after) = (try store.templates(of: pair.from), try store.templates(of: pair.to))
        let templates = TemplateComparer.compare(
            old: before.templates.map(\.template), new: after.templates.map(\.template), oldLookups: before.lookups,
            newLookups: after.lookups)
        return TreeComparison(files: FileCounts(files), templates: templates, inconsistencies: after.inconsistencies)
    }

    /// The stored comparison, or one computed now (and kept, where the store can be written).
    public static func comparison(_ pair: TreePair, in store: any HistoryWriter) throws -> TreeComparison {
        if let stored = try store.comparison(pair) { return stored }
        let computed = try compute(pair, in: store)
        if !store.isReadOnly { try store.saveComparison(computed, for: pair) }
        return computed
    }

    /// Computes and keeps the comparison of every consecutive change that lacks one: after
    /// each import, and once for a history written by an older build.
    @discardableResult
    public static func completeMissing(in store: any HistoryWriter) throws -> Int {
        guard !store.isReadOnly else { return 0 }
        let missing = try store.pairsMissingComparison()
        for pair in missing { try store.saveComparison(try compute(pair, in: store), for: pair) }
        return missing.count
    }
}

/// Brings a history written by an older build up to date: templates read from stored files,
/// comparisons computed. A no-op (and no write) when nothing is pending.
public enum Maintenance {
    public static func catchUp(_ store: any HistoryWriter) throws {
        guard !store.isReadOnly else { return }
        _ = try store.recognizeUnreadBlobs()
        try Comparisons.completeMissing(in: store)
    }
}
