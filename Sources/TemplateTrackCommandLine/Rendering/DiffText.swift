package import TemplateTrack
package import TemplateTrackHistory
package import TemplateTrackTemplates

/// Text renderings of a `SnapshotDiff`: what changed, `--stat` and `--patch`.
package struct DiffText {
    package let style: Style

    package init(style: Style) { self.style = style }

    /// What changed in the templates, breaking changes first, then each changed file.
    package func summary(_ diff: SnapshotDiff, title: String? = nil) -> String {
        let series = Series(workspace: diff.workspace, api: diff.api)
        guard !diff.files.isEmpty else { return "\(series): no differences between snapshots \(diff.from) and \(diff.to)" }
        var lines = [title ?? "\(series), snapshot \(diff.from) → \(diff.to):"]
        let templates = TemplateSummaryText(comparison: diff.comparison, inconsistencies: diff.inconsistencies, style: style)
        if !templates.isEmpty {
            lines += templates.lines()
            lines.append("")
            lines.append(style.bold("Files:"))
        }
        lines += diff.files.map { "  " + fileChange($0) }
        let files = diff.files.filter { !$0.isFolder }
        let counts = FileCounts(files)
        var total = "\(files.count) files changed: \(counts.added) added, \(counts.removed) removed, \(counts.modified) modified, \(counts.renamed) renamed"
        if files.count < diff.files.count { total += "; \(diff.files.count - files.count) empty folders added or removed" }
        lines.append(total)
        return lines.joined(separator: "\n")
    }

    package func fileChange(_ change: FileChange) -> String {
        switch change.status {
        case .added: style.green("added    ") + " " + change.path
        case .removed: style.red("removed  ") + " " + change.path
        case .modified: style.yellow("modified ") + " " + change.path
        case .renamed: style.yellow("renamed  ") + " " + (change.fromPath ?? "?") + " → " + change.path
        }
    }

    /// Per-file counts of lines added and removed, as `git diff --stat` shows them.
    package func stat(_ patches: [FilePatch]) -> String {
        var rows: [(String, String)] = []
        var (insertions, deletions) = (0, 0)
        for patch in patches where patch.content != .folder {
            let change = patch.change
            let name = change.status == .renamed ? "\(change.fromPath ?? "") → \(change.path)" : change.path
            if patch.content == .binary {
                rows.append((name, "Bin \(change.fromSize ?? 0) -> \(change.toSize ?? 0) bytes"))
                continue
            }
            insertions += patch.linesAdded
            deletions += patch.linesRemoved
            let bar = style.green(String(repeating: "+", count: min(patch.linesAdded, 40)))
                + style.red(String(repeating: "-", count: min(patch.linesRemoved, 40)))
            rows.append((name, "\(patch.linesAdded + patch.linesRemoved) \(bar)"))
        }
        let width = rows.map { TextTable.visibleWidth($0.0) }.max() ?? 0
        var lines = rows.map { " " + $0.0 + String(repeating: " ", count: width - TextTable.visibleWidth($0.0)) + " | " + $0.1 }
        lines.append(" \(rows.count) files changed, \(insertions) insertions(+), \(deletions) deletions(-)")
        return lines.joined(separator: "\n")
    }

    /// Unified diffs of text files (3 lines of context), for people to read (not for
    /// `git apply`); one line for binary files and for empty folders.
    package func patch(_ patches: [FilePatch]) -> String {
        var out: [String] = []
        for patch in patches {
            let change = patch.change
            if patch.content == .folder {
                out.append(style.bold("empty folder \(change.path) \(change.status.rawValue)"))
                continue
            }
            let oldPath = change.fromPath ?? change.path
            out.append(style.bold("diff a/\(oldPath) b/\(change.path)"))
            switch patch.content {
            case .folder:
                break
            case .renamed:
                out.append("rename from \(oldPath)")
                out.append("rename to \(change.path)")
            case .binary:
                let old = change.fromSHA256 == nil ? "/dev/null" : "a/" + oldPath
                let new = change.toSHA256 == nil ? "/dev/null" : "b/" + change.path
                out.append("Binary files \(old) and \(new) differ")
            case .text(let hunks):
                out.append(style.bold(change.fromSHA256 == nil ? "--- /dev/null" : "--- a/\(oldPath)"))
                out.append(style.bold(change.toSHA256 == nil ? "+++ /dev/null" : "+++ b/\(change.path)"))
                for hunk in hunks {
                    let old = hunk.oldCount == 0 ? "\(hunk.oldStart),0" : "\(hunk.oldStart),\(hunk.oldCount)"
                    let new = hunk.newCount == 0 ? "\(hunk.newStart),0" : "\(hunk.newStart),\(hunk.newCount)"
                    out.append(style.dim("@@ -\(old) +\(new) @@"))
                    for line in hunk.lines {
                        switch line.kind {
                        case .context: out.append(" " + line.text)
                        case .removed: out.append(style.red("-" + line.text))
                        case .added: out.append(style.green("+" + line.text))
                        }
                        if line.missingNewline { out.append("\\ No newline at end of file") }
                    }
                }
            }
        }
        return out.joined(separator: "\n")
    }
}

/// The template part of `diff`'s text output: what a submitter can act on, breaking changes
/// first, then a one-line overview, warnings, and each template's column changes.
package struct TemplateSummaryText {
    package let comparison: TemplateComparison
    package let inconsistencies: [Inconsistency]
    package let style: Style

    package var isEmpty: Bool { comparison.templates.isEmpty && comparison.lookups.isEmpty && inconsistencies.isEmpty }

    package func lines() -> [String] {
        var lines: [String] = []
        let breaking = comparison.breaking
        if !breaking.isEmpty {
            lines.append(style.bold(style.red("Breaking changes (\(breaking.count)):")))
            lines += breaking.map { "  ! " + $0.message }
        }
        lines.append(style.bold("Templates: ") + overview())
        if let lookups = lookupOverview() { lines.append(style.bold("Lookups: ") + lookups) }

        let unchangedVersion = comparison.warnings.filter { $0.kind == .rulesChangedVersionKept }
        let versionOnly = comparison.warnings.filter { $0.kind == .versionOnly }
        for warning in unchangedVersion { lines.append(style.yellow("warning: ") + "\(warning.template): \(warning.message)") }
        if !versionOnly.isEmpty {
            lines.append(
                style.yellow("note: ")
                    + "\(count(versionOnly.count, "template")) moved Schema Version with no change to columns or rules")
        }
        for problem in inconsistencies {
            lines.append(style.yellow("inconsistent: ") + "\(problem.path) (\(problem.template)): \(problem.problem)")
        }

        for change in comparison.templates where change.columnsOrRulesChanged || change.status == .added || change.status == .removed {
            var title = "  \(change.name)"
            if change.status == .renamed { title += " (was \(change.fromName ?? ""))" }
            if change.status == .added { title += " (new, \(change.toFile ?? ""))" }
            if change.status == .removed { title += " (removed)" }
            if change.status != .added && change.status != .removed, change.fromVersion != change.toVersion {
                title += " \(change.fromVersion ?? "?") → \(change.toVersion ?? "?")"
            }
            lines.append(style.bold(title))
            guard change.status == .modified || change.status == .renamed else { continue }
            lines += change.columnsRemoved.map { style.red("    - \($0)") }
            lines += change.columnsAdded.map { style.green("    + \($0)") }
            lines += change.columnsMoved.map { "    ↕ \($0) moved" }
            for column in change.columnsChanged {
                let details = column.changes.keys.sorted().map { "\($0) \(column.changes[$0]!.from) → \(column.changes[$0]!.to)" }
                lines.append(style.yellow("    ~ \(column.column): ") + details.joined(separator: "; "))
            }
        }
        return lines
    }

    /// e.g. "schema 3.15 → 3.18 in 63 templates; 14 renamed (elisa → elisa_reagents, ...); 5 changed columns (...)".
    package func overview() -> String {
        let templates = comparison.templates
        var parts: [String] = []
        for move in comparison.versionMoves {
            parts.append("schema \(move.from ?? "unset") → \(move.to ?? "unset") in \(count(move.templates, "template"))")
        }
        let renamed = templates.filter { $0.status == .renamed }
        if !renamed.isEmpty {
            parts.append("\(renamed.count) renamed (" + list(renamed.map { "\($0.fromName ?? "") → \($0.name)" }) + ")")
        }
        let columns = templates.filter { $0.status != .added && $0.status != .removed && $0.columnsOrRulesChanged }
        if !columns.isEmpty { parts.append("\(columns.count) changed columns (" + list(columns.map(\.name)) + ")") }
        let added = templates.filter { $0.status == .added }
        if !added.isEmpty { parts.append("\(count(added.count, "template")) added (" + list(added.map(\.name)) + ")") }
        let removed = templates.filter { $0.status == .removed }
        if !removed.isEmpty { parts.append("\(count(removed.count, "template")) removed (" + list(removed.map(\.name)) + ")") }
        let other = templates.filter { !$0.changes.isEmpty }
        if !other.isEmpty {
            let keys = Set(other.flatMap(\.changes.keys)).sorted().joined(separator: ", ")
            parts.append("\(count(other.count, "template")) with other attributes changed (\(keys))")
        }
        return parts.isEmpty ? "no change" : parts.joined(separator: "; ")
    }

    package func lookupOverview() -> String? {
        let lookups = comparison.lookups
        guard !lookups.isEmpty else { return nil }
        var parts: [String] = []
        let added = lookups.filter { $0.status == .added }
        let removed = lookups.filter { $0.status == .removed }
        let changed = lookups.filter { $0.status == .modified }
        if !added.isEmpty { parts.append("\(count(added.count, "table")) added (" + list(added.map(\.name)) + ")") }
        if !removed.isEmpty { parts.append("\(count(removed.count, "table")) removed (" + list(removed.map(\.name)) + ")") }
        if !changed.isEmpty {
            parts.append(
                "\(count(changed.count, "table")) changed values ("
                    + list(changed.map { "\($0.name) +\($0.valuesAdded.count) −\($0.valuesRemoved.count)" }) + ")")
        }
        return parts.joined(separator: "; ")
    }

    private func list(_ items: [String], limit: Int = 4) -> String {
        items.prefix(limit).joined(separator: ", ") + (items.count > limit ? ", …" : "")
    }

    private func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
}
