import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackTemplates

extension SiteBuilder {
    /// The page of the change from `old` to `new`: the `SnapshotDiff` with line differences,
    /// and both snapshots' templates for the columns' attributes side by side.
    func changePage(old: Snapshot, new: Snapshot) throws -> ChangePage {
        let series = new.series
        let path = SitePaths.change(series, from: old.id, to: new.id)
        let diff = try SnapshotDiff.compute(in: store, old: old, new: new, detail: .lines)
        let history = try history(of: series)
        let pages = try history.map(templatePages) ?? []
        let (before, after) = (try inventory(old.tree), try inventory(new.tree))
        let oldTemplates = index(before.templates.map(\.template))
        let newTemplates = index(after.templates.map(\.template))

        func templateLink(_ name: String, _ file: String?) -> String {
            let page = SitePaths.template(series, name: name, file: file)
            return pages.contains(page) ? page : ""
        }

        var rows: [TemplateChangeRow] = []
        var tables: [ColumnTable] = []
        var attributes: [AttributeRow] = []
        for change in diff.templates {
            let hasTable = (change.status == .modified || change.status == .renamed) && change.columnsOrRulesChanged
            let anchor = "columns-" + SitePaths.templateFile(name: change.name, file: change.toFile ?? change.fromFile)
                .replacingOccurrences(of: ".html", with: "")
            let link = change.status == .removed ? "" : templateLink(change.name, change.toFile)
            let counts = [
                change.columnsAdded.isEmpty ? nil : "+\(change.columnsAdded.count)",
                change.columnsRemoved.isEmpty ? nil : "−\(change.columnsRemoved.count)",
                change.columnsMoved.isEmpty ? nil : "↕\(change.columnsMoved.count)",
                change.columnsChanged.isEmpty ? nil : "~\(change.columnsChanged.count)",
            ].compactMap { $0 }
            rows.append(
                TemplateChangeRow(
                    name: change.name, status: change.status.rawValue, statusLabel: statusLabel(change.status),
                    fromName: change.fromName ?? "", hasFromName: change.fromName != nil,
                    versions: change.status == .added
                        ? change.toVersion ?? "—" : change.status == .removed ? change.fromVersion ?? "—" : versionText(change),
                    file: change.status == .added
                        ? change.toFile ?? "—" : change.status == .removed ? change.fromFile ?? "—" : fileText(change.fromFile, change.toFile),
                    columns: counts.isEmpty ? "—" : counts.joined(separator: " "), link: rootLinked(link, path), hasLink: !link.isEmpty,
                    tableAnchor: anchor, hasTable: hasTable))
            for key in change.changes.keys.sorted() {
                let value = change.changes[key]!
                attributes.append(AttributeRow(template: change.name, attribute: key, before: value.from.plain, after: value.to.plain))
            }
            guard hasTable else { continue }
            let oldColumns = oldTemplates[TemplateKey(name: change.fromName ?? change.name, file: change.fromFile)].map(columnIndex) ?? [:]
            let newColumns = newTemplates[TemplateKey(name: change.name, file: change.toFile)].map(columnIndex) ?? [:]
            var columnRows: [ColumnRow] = []
            for column in change.columnsRemoved {
                columnRows.append(
                    ColumnRow(
                        column: column, change: "removed", changeLabel: "Removed", attribute: "",
                        before: oldColumns[column].map(columnSummary) ?? "present", after: "—"))
            }
            for column in change.columnsAdded {
                columnRows.append(
                    ColumnRow(
                        column: column, change: "added", changeLabel: "Added", attribute: "", before: "—",
                        after: newColumns[column].map(columnSummary) ?? "present"))
            }
            for column in change.columnsMoved {
                columnRows.append(
                    ColumnRow(
                        column: column, change: "moved", changeLabel: "Moved", attribute: "position",
                        before: oldColumns[column].map { "position \($0.position)" } ?? "",
                        after: newColumns[column].map { "position \($0.position)" } ?? ""))
            }
            for column in change.columnsChanged {
                for key in column.changes.keys.sorted() {
                    let value = column.changes[key]!
                    columnRows.append(
                        ColumnRow(
                            column: column.column, change: "changed", changeLabel: "Changed", attribute: key, before: value.from.plain,
                            after: value.to.plain))
                }
            }
            tables.append(
                ColumnTable(
                    template: change.name, anchor: anchor,
                    heading: change.status == .renamed ? "\(change.name) (was \(change.fromName ?? ""))" : change.name,
                    before: "Before (snapshot \(old.id)\(change.fromVersion.map { ", \($0)" } ?? ""))",
                    after: "After (snapshot \(new.id)\(change.toVersion.map { ", \($0)" } ?? ""))", rows: columnRows,
                    link: rootLinked(link, path), hasLink: !link.isEmpty))
        }

        let lookups = diff.lookups.map { lookup in
            LookupSection(
                name: lookup.name, status: lookup.status.rawValue, statusLabel: statusLabel(lookup.status),
                anchor: "lookup-" + SitePaths.templateFile(name: lookup.name, file: nil).replacingOccurrences(of: ".html", with: ""),
                gained: lookup.valuesAdded, lost: lookup.valuesRemoved, gainedCount: "\(lookup.valuesAdded.count)",
                lostCount: "\(lookup.valuesRemoved.count)", hasGained: !lookup.valuesAdded.isEmpty, hasLost: !lookup.valuesRemoved.isEmpty)
        }

        var files: [FileRow] = []
        var diffs: [FileDiff] = []
        var budget = Self.linesPerPage
        for (index, patch) in (diff.patches ?? []).enumerated() {
            let change = patch.change
            let anchor = "file-\(index + 1)"
            var fileDiff: FileDiff?
            switch patch.content {
            case .folder:
                break
            case .renamed:
                fileDiff = FileDiff(
                    anchor: anchor, path: change.path, note: "Renamed from \(change.fromPath ?? ""), with the same bytes.", hasNote: true,
                    hunks: [], hasHunks: false)
            case .binary:
                fileDiff = FileDiff(
                    anchor: anchor, path: change.path, note: "Binary file: not compared line by line.", hasNote: true, hunks: [],
                    hasHunks: false)
            case .text(let hunks):
                var shown: [HunkView] = []
                var lines = 0
                let total = hunks.reduce(0) { $0 + $1.lines.count }
                let limit = min(Self.linesPerFile, budget)
                for hunk in hunks where lines < limit {
                    let view = hunkView(hunk, limit: limit - lines)
                    lines += view.lines.count
                    shown.append(view)
                }
                budget -= lines
                let cut = total - lines
                var note = "\(patch.linesAdded) lines added, \(patch.linesRemoved) removed."
                if cut > 0 {
                    note += " \(cut) more diff lines are not shown here; the command line's diff of snapshots \(old.id) and \(new.id),"
                    note += " as a patch, prints them all."
                }
                fileDiff = FileDiff(anchor: anchor, path: change.path, note: note, hasNote: true, hunks: shown, hasHunks: !shown.isEmpty)
            }
            if let fileDiff { diffs.append(fileDiff) }
            let query = "workspace=\(series.workspace)&api=\(series.api.rawValue)"
            let showBefore =
                change.fromSHA256 == nil || change.isFolder
                ? "" : "show?\(query)&snapshot=\(old.id)&path=\(SitePaths.query(change.fromPath ?? change.path))"
            let showAfter =
                change.toSHA256 == nil || change.isFolder ? "" : "show?\(query)&snapshot=\(new.id)&path=\(SitePaths.query(change.path))"
            files.append(
                FileRow(
                    status: change.status.rawValue, statusLabel: statusLabel(change.status), path: change.path,
                    fromPath: change.fromPath ?? "", hasFromPath: change.fromPath != nil,
                    sizes: sizeText(change.fromSize, change.toSize), diffAnchor: anchor, hasDiff: fileDiff != nil,
                    showBefore: rootLinked(showBefore, path), showAfter: rootLinked(showAfter, path),
                    hasShowBefore: served && !showBefore.isEmpty, hasShowAfter: served && !showAfter.isEmpty))
        }

        let summaryLines = summary(diff)
        let warnings = diff.warnings.filter { $0.kind == .rulesChangedVersionKept }.map { "\($0.template): \($0.message)" }
        let versionOnly = diff.warnings.filter { $0.kind == .versionOnly }.count
        let counts = FileCounts(diff.files.filter { !$0.isFolder })
        let breaking = diff.breaking.map(breakingItem)
        let title = "\(seriesTitle(series, history?.name)): snapshot \(old.id) → \(new.id)"
        return ChangePage(
            page: try frame(title: "Snapshot \(old.id) → \(new.id), workspace \(series.workspace)", path: path), heading: title,
            overviewLink: "\(SitePaths.root(of: path))\(SitePaths.overview)#\(SitePaths.seriesAnchor(series))",
            fromLabel: "Snapshot \(old.id), fetched \(Timestamp.display(old.fetchedAt)) (\(old.fileCount) files)",
            toLabel: "Snapshot \(new.id), fetched \(Timestamp.display(new.fetchedAt)) (\(new.fileCount) files)",
            fromLink: snapshotLink(old, path), toLink: snapshotLink(new, path), noChange: diff.files.isEmpty,
            summary: summaryLines + (versionOnly > 0 ? ["\(versionOnly) templates moved Schema Version with no change to columns or rules."] : []),
            hasSummary: !summaryLines.isEmpty || versionOnly > 0,
            breaking: breaking, hasBreaking: !breaking.isEmpty, breakingCount: "\(breaking.count)", templates: rows,
            hasTemplates: !rows.isEmpty, added: rows.filter { $0.status == "added" }, removed: rows.filter { $0.status == "removed" },
            renamed: rows.filter { $0.status == "renamed" }, hasAdded: rows.contains { $0.status == "added" },
            hasRemoved: rows.contains { $0.status == "removed" }, hasRenamed: rows.contains { $0.status == "renamed" },
            columnTables: tables, hasColumnTables: !tables.isEmpty, attributeRows: attributes, hasAttributeRows: !attributes.isEmpty,
            lookups: lookups, hasLookups: !lookups.isEmpty, warnings: warnings, hasWarnings: !warnings.isEmpty,
            inconsistencies: diff.inconsistencies.map { "\($0.path) (\($0.template)): \($0.problem)" },
            hasInconsistencies: !diff.inconsistencies.isEmpty, files: files, hasFiles: !files.isEmpty,
            fileCounts: "\(counts.total) files changed: \(counts.added) added, \(counts.removed) removed, \(counts.modified) modified, \(counts.renamed) renamed.",
            diffs: diffs, hasDiffs: !diffs.isEmpty)
    }

    /// Links inside the web view's own routes (`show?…`, `snapshot?…`) from a page at `path`.
    func rootLinked(_ link: String, _ path: String) -> String {
        link.isEmpty ? "" : SitePaths.root(of: path) + link
    }

    private func snapshotLink(_ snapshot: Snapshot, _ path: String) -> String {
        guard served else { return "" }
        return rootLinked("snapshot?workspace=\(snapshot.workspace)&api=\(snapshot.api.rawValue)&snapshot=\(snapshot.id)", path)
    }

    /// One-line overviews, as the text output's `Templates:` and `Lookups:` lines say them.
    private func summary(_ diff: SnapshotDiff) -> [String] {
        var lines: [String] = []
        for move in diff.comparison.versionMoves {
            lines.append("Schema Version \(move.from ?? "unset") → \(move.to ?? "unset") in \(move.templates) template\(move.templates == 1 ? "" : "s").")
        }
        func count(_ status: ChangeStatus) -> Int { diff.templates.filter { $0.status == status }.count }
        let parts = [(count(.added), "added"), (count(.removed), "removed"), (count(.renamed), "renamed")].filter { $0.0 > 0 }
        if !parts.isEmpty { lines.append("Templates " + parts.map { "\($0.1): \($0.0)" }.joined(separator: ", ") + ".") }
        let columns = diff.templates.filter { ($0.status == .modified || $0.status == .renamed) && $0.columnsOrRulesChanged }.count
        if columns > 0 { lines.append("\(columns) template\(columns == 1 ? "" : "s") changed columns or rules.") }
        if !diff.lookups.isEmpty { lines.append("\(diff.lookups.count) lookup table\(diff.lookups.count == 1 ? "" : "s") changed.") }
        return lines
    }

    private func hunkView(_ hunk: Hunk, limit: Int) -> HunkView {
        var (old, new) = (hunk.oldStart, hunk.newStart)
        var lines: [LineView] = []
        for line in hunk.lines.prefix(limit) {
            let text = line.text + (line.missingNewline ? "  (no newline at end of file)" : "")
            switch line.kind {
            case .context:
                lines.append(LineView(kind: "context", marker: " ", old: "\(old)", new: "\(new)", text: text))
                old += 1
                new += 1
            case .removed:
                lines.append(LineView(kind: "removed", marker: "−", old: "\(old)", new: "", text: text))
                old += 1
            case .added:
                lines.append(LineView(kind: "added", marker: "+", old: "", new: "\(new)", text: text))
                new += 1
            }
        }
        let header = "Lines \(hunk.oldStart)–\(hunk.oldStart + max(hunk.oldCount, 1) - 1) before, \(hunk.newStart)–\(hunk.newStart + max(hunk.newCount, 1) - 1) after"
        return HunkView(header: header, lines: lines)
    }

    func statusLabel(_ status: ChangeStatus) -> String {
        switch status {
        case .added: "Added"
        case .removed: "Removed"
        case .modified: "Modified"
        case .renamed: "Renamed"
        }
    }

    private func versionText(_ change: TemplateChange) -> String {
        switch (change.fromVersion, change.toVersion) {
        case (nil, nil): "—"
        case (let from?, let to?) where from == to: from
        case (let from, let to): "\(from ?? "none") → \(to ?? "none")"
        }
    }

    private func fileText(_ from: String?, _ to: String?) -> String {
        switch (from, to) {
        case (nil, nil): "—"
        case (let from?, let to?) where from == to: from
        case (let from, let to): "\(from ?? "none") → \(to ?? "none")"
        }
    }

    private func sizeText(_ from: Int64?, _ to: Int64?) -> String {
        switch (from, to) {
        case (let from?, let to?) where from == to: "\(from) bytes"
        case (let from?, let to?): "\(from) → \(to) bytes"
        case (nil, let to?): "\(to) bytes"
        case (let from?, nil): "\(from) bytes"
        case (nil, nil): ""
        }
    }

    /// Templates by name and file; the first of two identical keys wins.
    func index(_ templates: [Template]) -> [TemplateKey: Template] {
        var result: [TemplateKey: Template] = [:]
        for template in templates where result[TemplateKey(name: template.name, file: template.fileName)] == nil {
            result[TemplateKey(name: template.name, file: template.fileName)] = template
        }
        return result
    }

    /// Columns by block-qualified name, with their 1-based position.
    func columnIndex(_ template: Template) -> [String: (position: Int, column: TemplateColumn)] {
        var result: [String: (position: Int, column: TemplateColumn)] = [:]
        var position = 0
        for block in template.blocks {
            for column in block.columns {
                position += 1
                let name = (block.name.map { "\($0): " } ?? "") + column.name
                if result[name] == nil { result[name] = (position, column) }
            }
        }
        return result
    }

    /// `required · string · vocabulary lk_x · position 4`.
    func columnSummary(_ entry: (position: Int, column: TemplateColumn)) -> String {
        let attributes = entry.column.attributes
        var parts = [entry.column.isRequired ? "required" : "optional"]
        if let type = attributes["jsonDataType"]?.plain { parts.append(type) }
        if let vocabulary = attributes["cvTableName"], vocabulary != .null { parts.append("vocabulary \(vocabulary.plain)") }
        parts.append("position \(entry.position)")
        return parts.joined(separator: " · ")
    }
}
