import Foundation

/// The differences between two snapshots of one workspace.
public struct SnapshotDiff: Sendable, Encodable {
    public var workspace: Int
    public var from: Int
    public var to: Int
    public var files: [FileChange]
    /// Templates read as schemas: what changed in each, and in the lookup tables.
    public var templates: [TemplateChange]
    public var lookups: [LookupChange]
    public var warnings: [TemplateWarning]
    /// `.txt` templates in the newer snapshot that disagree with their definitions.
    public var inconsistencies: [Inconsistency]
    /// The comparison the template fields come from (for the summary).
    var comparison: TemplateComparison { TemplateComparison(templates: templates, lookups: lookups, warnings: warnings) }

    enum CodingKeys: String, CodingKey { case workspace, from, to, files, templates, lookups, warnings, inconsistencies }

    /// Compares `from` and `to` (default: the latest snapshot and the one before it; with
    /// only `from` given, `from` and the latest).
    public static func compute(
        in history: HistoryDatabase, workspace: Int, from: SnapshotReference? = nil, to: SnapshotReference? = nil
    ) throws -> (diff: SnapshotDiff, old: Snapshot, new: Snapshot) {
        let new = try history.resolve(to ?? .latest(back: 0), workspace: workspace)
        let old: Snapshot
        if let from {
            old = try history.resolve(from, workspace: workspace)
        } else if to == nil {
            guard let previous = new.previous, let found = try history.snapshot(id: previous) else {
                throw TemplateTrackError(
                    .notFound, "has only one snapshot (\(new.id)); nothing to compare yet", at: [.workspace(workspace)])
            }
            old = found
        } else {
            guard let previous = new.previous, let found = try history.snapshot(id: previous) else {
                throw TemplateTrackError(
                    .notFound, "snapshot \(new.id) is the first: nothing before it to compare", at: [.workspace(workspace)])
            }
            old = found
        }
        let files = try history.changes(from: old, to: new)
        var comparison = TemplateComparison(templates: [], lookups: [], warnings: [])
        var inconsistencies: [Inconsistency] = []
        if !files.isEmpty {
            let (before, after) = (try history.templates(of: old), try history.templates(of: new))
            comparison = TemplateComparer.compare(
                old: before.templates.map(\.template), new: after.templates.map(\.template), oldLookups: before.lookups,
                newLookups: after.lookups)
            inconsistencies = after.inconsistencies
        }
        let diff = SnapshotDiff(
            workspace: workspace, from: old.id, to: new.id, files: files, templates: comparison.templates,
            lookups: comparison.lookups, warnings: comparison.warnings, inconsistencies: inconsistencies)
        return (diff, old, new)
    }
}

/// Text renderings of a `SnapshotDiff`: a list of changes, `--stat` and `--patch`.
public struct DiffRenderer {
    public let history: HistoryDatabase
    public let style: Style

    public init(history: HistoryDatabase, style: Style) {
        self.history = history
        self.style = style
    }

    /// What changed in the templates, breaking changes first, then each changed file.
    public func summary(_ diff: SnapshotDiff) -> String {
        guard !diff.files.isEmpty else { return "workspace \(diff.workspace): no differences between snapshots \(diff.from) and \(diff.to)" }
        var lines = ["workspace \(diff.workspace), snapshot \(diff.from) → \(diff.to):"]
        let templates = TemplateSummary(comparison: diff.comparison, inconsistencies: diff.inconsistencies, style: style)
        if !templates.isEmpty {
            lines += templates.lines()
            lines.append("")
            lines.append(style.bold("Files:"))
        }
        lines += diff.files.map { "  " + Report.fileChange($0, style: style) }
        let files = diff.files.filter { !$0.isFolder }
        let counts = WorkspaceChanges.Counts(files)
        var total = "\(files.count) files changed: \(counts.added) added, \(counts.removed) removed, \(counts.modified) modified, \(counts.renamed) renamed"
        if files.count < diff.files.count { total += "; \(diff.files.count - files.count) empty folders added or removed" }
        lines.append(total)
        return lines.joined(separator: "\n")
    }

    /// Per-file counts of lines added and removed, as `git diff --stat` shows them.
    public func stat(_ diff: SnapshotDiff) throws -> String {
        var rows: [(String, String)] = []
        var (insertions, deletions) = (0, 0)
        for change in diff.files where !change.isFolder {
            let name = change.status == .renamed ? "\(change.fromPath ?? "") → \(change.path)" : change.path
            if let counts = try lineCounts(change) {
                insertions += counts.added
                deletions += counts.removed
                let bar = style.green(String(repeating: "+", count: min(counts.added, 40)))
                    + style.red(String(repeating: "-", count: min(counts.removed, 40)))
                rows.append((name, "\(counts.added + counts.removed) \(bar)"))
            } else {
                rows.append((name, "Bin \(change.fromSize ?? 0) -> \(change.toSize ?? 0) bytes"))
            }
        }
        let width = rows.map { TextTable.visibleWidth($0.0) }.max() ?? 0
        var lines = rows.map { " " + $0.0 + String(repeating: " ", count: width - TextTable.visibleWidth($0.0)) + " | " + $0.1 }
        lines.append(" \(rows.count) files changed, \(insertions) insertions(+), \(deletions) deletions(-)")
        return lines.joined(separator: "\n")
    }

    /// Unified diffs of text files (3 lines of context), for people to read (not for
    /// `git apply`); one line for binary files and for empty folders.
    public func patch(_ diff: SnapshotDiff) throws -> String {
        var out: [String] = []
        for change in diff.files {
            if change.isFolder {
                out.append(style.bold("empty folder \(change.path) \(change.status.rawValue)"))
                continue
            }
            let oldPath = change.fromPath ?? change.path
            out.append(style.bold("diff a/\(oldPath) b/\(change.path)"))
            if change.status == .renamed {
                out.append("rename from \(oldPath)")
                out.append("rename to \(change.path)")
                continue  // identical bytes
            }
            guard try isText(change.fromSHA256), try isText(change.toSHA256) else {
                out.append("Binary files \(change.fromSHA256 == nil ? "/dev/null" : "a/" + oldPath) and \(change.toSHA256 == nil ? "/dev/null" : "b/" + change.path) differ")
                continue  // binary bytes are never loaded
            }
            let (old, new) = (try bytes(change.fromSHA256), try bytes(change.toSHA256))
            out.append(style.bold(change.fromSHA256 == nil ? "--- /dev/null" : "--- a/\(oldPath)"))
            out.append(style.bold(change.toSHA256 == nil ? "+++ /dev/null" : "+++ b/\(change.path)"))
            out.append(contentsOf: hunks(old: old, new: new))
        }
        return out.joined(separator: "\n")
    }

    private func bytes(_ sha256: String?) throws -> [UInt8] {
        try sha256.map { try history.content(sha256: $0) } ?? []
    }

    private func isText(_ sha256: String?) throws -> Bool {
        try sha256.map { try history.isText(sha256: $0) } ?? true
    }

    private func lineCounts(_ change: FileChange) throws -> (added: Int, removed: Int)? {
        if change.status == .renamed { return (0, 0) }
        guard try isText(change.fromSHA256), try isText(change.toSHA256) else { return nil }
        let operations = LineDiff.operations(
            LineDiff.lines(try bytes(change.fromSHA256)), LineDiff.lines(try bytes(change.toSHA256)))
        var counts = (added: 0, removed: 0)
        for operation in operations {
            switch operation {
            case .insert: counts.added += 1
            case .delete: counts.removed += 1
            case .equal: break
            }
        }
        return counts
    }

    func hunks(old: [UInt8], new: [UInt8], context: Int = 3) -> [String] {
        let (a, b) = (LineDiff.lines(old), LineDiff.lines(new))
        let operations = LineDiff.operations(a, b)
        let changed = operations.indices.filter { if case .equal = operations[$0] { false } else { true } }
        guard !changed.isEmpty else { return [] }
        // Group changes whose contexts touch.
        var groups: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(operations.count - 1, index + context)
            if let last = groups.last, range.lowerBound <= last.upperBound + 1 {
                groups[groups.count - 1] = last.lowerBound...range.upperBound
            } else {
                groups.append(range)
            }
        }
        var out: [String] = []
        for group in groups {
            var lines: [String] = []
            var (oldStart, newStart, oldCount, newCount) = (-1, -1, 0, 0)
            for operation in operations[group] {
                switch operation {
                case .equal(let i, let j):
                    if oldStart < 0 { (oldStart, newStart) = (i, j) }
                    oldCount += 1
                    newCount += 1
                    lines += Self.show(" ", a[i])
                case .delete(let i):
                    if oldStart < 0 { oldStart = i }
                    oldCount += 1
                    lines += Self.show("-", a[i]).map { $0.hasPrefix("\\") ? $0 : style.red($0) }
                case .insert(let j):
                    if newStart < 0 { newStart = j }
                    newCount += 1
                    lines += Self.show("+", b[j]).map { $0.hasPrefix("\\") ? $0 : style.green($0) }
                }
            }
            if oldStart < 0 { oldStart = Self.position(in: operations, before: group.lowerBound, old: true) }
            if newStart < 0 { newStart = Self.position(in: operations, before: group.lowerBound, old: false) }
            let oldLabel = oldCount == 0 ? "\(oldStart),0" : "\(oldStart + 1),\(oldCount)"
            let newLabel = newCount == 0 ? "\(newStart),0" : "\(newStart + 1),\(newCount)"
            out.append(style.dim("@@ -\(oldLabel) +\(newLabel) @@"))
            out.append(contentsOf: lines)
        }
        return out
    }

    /// Lines on one side before operation `index` (for a hunk with no line on that side).
    private static func position(in operations: [LineDiff.Operation], before index: Int, old: Bool) -> Int {
        var count = 0
        for operation in operations[..<index] {
            switch operation {
            case .equal: count += 1
            case .delete: if old { count += 1 }
            case .insert: if !old { count += 1 }
            }
        }
        return count
    }

    /// One line of a hunk, and the marker GNU diff adds when it has no newline.
    static func show(_ prefix: String, _ line: ArraySlice<UInt8>) -> [String] {
        guard line.last == UInt8(ascii: "\n") else { return [prefix + decode(line), "\\ No newline at end of file"] }
        return [prefix + decode(line.dropLast())]
    }

    /// UTF-8 where valid, else Latin-1 (every byte maps to a character); `\r` is kept.
    static func decode(_ line: ArraySlice<UInt8>) -> String {
        if let text = String(validating: line, as: UTF8.self) { return text }
        return String(line.map { Character(Unicode.Scalar($0)) })
    }
}
