import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackTemplates

extension SiteBuilder {
    /// The page of one template of a series' latest snapshot, found by its page's file name.
    func templatePage(_ series: Series, file pageFile: String) throws -> TemplatePage? {
        guard let history = try history(of: series) else { return nil }
        guard
            let found = try latestTemplates(history).first(where: {
                SitePaths.templateFile(name: $0.template.name, file: $0.template.fileName) == pageFile
            })
        else { return nil }
        return try templatePage(history, found)
    }

    /// Its columns at the latest snapshot, and its history across the series' changes (followed
    /// back through renames, to where it was added or to the first snapshot).
    func templatePage(_ history: SeriesHistory, _ found: FoundTemplate) throws -> TemplatePage {
        let template = found.template
        let series = history.series
        let path = SitePaths.template(series, name: template.name, file: template.fileName)
        let root = SitePaths.root(of: path)
        let isCompound = template.blocks.contains { $0.name != nil }

        var position = 0
        var columns: [ColumnListRow] = []
        for block in template.blocks {
            for column in block.columns {
                position += 1
                let attributes = column.attributes
                func text(_ key: String) -> String {
                    guard let value = attributes[key], value != .null else { return "" }
                    return value.plain
                }
                columns.append(
                    ColumnListRow(
                        position: "\(position)", name: column.name, block: block.name ?? "",
                        required: column.isRequired ? "Yes" : "No", isRequired: column.isRequired, dataType: text("jsonDataType"),
                        vocabulary: text("cvTableName"), preferred: text("pvTableName"), description: text("description")))
            }
        }

        // Walk the changes back from the latest snapshot, following renames.
        var key = TemplateKey(name: template.name, file: template.fileName)
        var rows: [HistoryRow] = []
        var bars: [(label: String, value: Int, tip: String)] = []
        var addedAt: Snapshot?
        let shownChanges = Set(history.changes.map(\.new.id))
        let byID = Dictionary(uniqueKeysWithValues: history.snapshots.map { ($0.id, $0) })
        for snapshot in history.snapshots.reversed() where snapshot.changed {
            guard let previous = snapshot.previous, let old = byID[previous] else { continue }
            let comparison = try comparison(old, snapshot)
            guard let change = comparison.templates.templates.first(where: { $0.name == key.name && $0.toFile == key.file }) else {
                continue
            }
            let now = try inventory(snapshot.tree).templates.first { $0.template.name == key.name && $0.template.fileName == key.file }
            let count = now?.template.qualifiedColumnNames.count ?? 0
            var what: [String] = []
            switch change.status {
            case .added: what.append("added")
            case .renamed: what.append("renamed from \(change.fromName ?? "")")
            default: break
            }
            if change.status != .added {
                if change.fromVersion != change.toVersion {
                    what.append("Schema Version \(change.fromVersion ?? "none") → \(change.toVersion ?? "none")")
                }
                if !change.columnsAdded.isEmpty { what.append("\(change.columnsAdded.count) columns added") }
                if !change.columnsRemoved.isEmpty { what.append("\(change.columnsRemoved.count) removed") }
                if !change.columnsMoved.isEmpty { what.append("\(change.columnsMoved.count) moved") }
                if !change.columnsChanged.isEmpty { what.append("\(change.columnsChanged.count) with changed rules") }
                if !change.changes.isEmpty { what.append("attributes changed: " + change.changes.keys.sorted().joined(separator: ", ")) }
            }
            let link = shownChanges.contains(snapshot.id) ? SitePaths.change(series, from: old.id, to: snapshot.id) : ""
            rows.append(
                HistoryRow(
                    snapshot: "\(snapshot.id)", fetched: Timestamp.display(snapshot.fetchedAt), name: key.name,
                    version: change.toVersion ?? "", columns: "\(count)", change: what.joined(separator: "; "),
                    link: link.isEmpty ? "" : root + link, hasLink: !link.isEmpty))
            bars.append(("\(snapshot.id)", count, "Snapshot \(snapshot.id) (\(change.toVersion ?? "no version")): \(count) columns"))
            if change.status == .added {
                addedAt = snapshot
                break
            }
            if change.status == .renamed { key = TemplateKey(name: change.fromName ?? key.name, file: change.fromFile) }
        }
        if addedAt == nil, let first = history.snapshots.first,
            let then = try inventory(first.tree).templates.first(where: { $0.template.name == key.name && $0.template.fileName == key.file })
        {
            let count = then.template.qualifiedColumnNames.count
            rows.append(
                HistoryRow(
                    snapshot: "\(first.id)", fetched: Timestamp.display(first.fetchedAt), name: key.name,
                    version: then.template.schemaVersion ?? "", columns: "\(count)", change: "first snapshot", link: "", hasLink: false))
            bars.append(("\(first.id)", count, "Snapshot \(first.id) (\(then.template.schemaVersion ?? "no version")): \(count) columns"))
        }
        rows.reverse()
        bars.reverse()

        let description = template.properties["description"].flatMap { $0 == .null ? nil : $0.plain } ?? ""
        return TemplatePage(
            page: try frame(title: "\(template.name), workspace \(series.workspace)", path: path), name: template.name,
            heading: seriesTitle(series, history.name), overviewLink: "\(root)\(SitePaths.overview)#\(SitePaths.seriesAnchor(series))",
            file: template.fileName ?? "", version: template.schemaVersion ?? "none", type: template.templateType ?? "",
            description: description, hasDescription: !description.isEmpty, foundIn: found.path,
            snapshotLabel: "snapshot \(history.latest.id), fetched \(Timestamp.display(history.latest.fetchedAt))", columns: columns,
            isCompound: isCompound, columnCount: "\(columns.count)", history: rows,
            chart: barChart(
                id: "columns-chart", title: "Columns of \(template.name) per version (by snapshot)", bars: bars))
    }
}
