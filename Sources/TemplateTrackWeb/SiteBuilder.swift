public import Foundation
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackTemplates

/// Which part of the history the pages show.
public struct SiteOptions: Sendable, Equatable {
    /// Only these workspaces (all when empty).
    public var workspaces: [Int]
    /// Only changes (and snapshots) fetched at or after this time.
    public var since: Date?
    /// The database's file name, for the footer.
    public var databaseName: String

    /// Everything, or only `workspaces` and changes since `since`.
    public init(workspaces: [Int] = [], since: Date? = nil, databaseName: String = "history") {
        self.workspaces = workspaces
        self.since = since
        self.databaseName = databaseName
    }
}

/// One series of snapshots as the pages show it.
struct SeriesHistory {
    var series: Series
    var name: String?
    /// Every snapshot, oldest first.
    var snapshots: [Snapshot]
    /// The snapshots shown: those fetched since the cut-off, and the one each shown change starts from.
    var shown: [Snapshot]
    /// Each shown change: the snapshot before and the snapshot that changed.
    var changes: [(old: Snapshot, new: Snapshot)]
    var latest: Snapshot { snapshots[snapshots.count - 1] }
}

/// A template's identity within one snapshot: its name and file (neither is stable alone).
struct TemplateKey: Hashable {
    var name: String
    var file: String?
}

/// Gathers what the pages show from the history: the typed model (`SnapshotDiff`,
/// `TemplateComparison`, `TemplateInventory`), never the terminal's text. One builder serves
/// one report or one request; it caches what it reads.
final class SiteBuilder {
    let store: any HistoryWriter
    let options: SiteOptions
    let served: Bool
    private var inventories: [TreeID: TemplateInventory] = [:]
    private var comparisons: [TreePair: TreeComparison] = [:]
    private var cachedHistories: [SeriesHistory]?

    /// Text diffs show at most this many lines per file, and this many per page.
    static let linesPerFile = 1_000
    static let linesPerPage = 12_000
    /// The overview lists the breaking changes of at most this many changes, the latest first.
    static let breakingGroups = 25

    init(store: any HistoryWriter, options: SiteOptions, served: Bool) {
        self.store = store
        self.options = options
        self.served = served
    }

    // MARK: Reading, cached

    func inventory(_ tree: TreeID) throws -> TemplateInventory {
        if let known = inventories[tree] { return known }
        let read = try store.templates(of: tree)
        inventories[tree] = read
        return read
    }

    func comparison(_ old: Snapshot, _ new: Snapshot) throws -> TreeComparison {
        let pair = TreePair(from: old.tree, to: new.tree)
        if let known = comparisons[pair] { return known }
        let found = try Comparisons.comparison(pair, in: store)
        comparisons[pair] = found
        return found
    }

    /// The series shown, by workspace then API.
    func histories() throws -> [SeriesHistory] {
        if let cachedHistories { return cachedHistories }
        let wanted = Set(options.workspaces)
        var bySeries: [Series: [Snapshot]] = [:]
        for snapshot in try store.snapshots(SnapshotQuery()) where wanted.isEmpty || wanted.contains(snapshot.workspace) {
            bySeries[snapshot.series, default: []].append(snapshot)
        }
        let ordered = bySeries.keys.sorted { ($0.workspace, $0.api.rawValue) < ($1.workspace, $1.api.rawValue) }
        let result = ordered.map { series -> SeriesHistory in
            let snapshots = bySeries[series]!
            let byID = Dictionary(uniqueKeysWithValues: snapshots.map { ($0.id, $0) })
            var changes: [(old: Snapshot, new: Snapshot)] = []
            for snapshot in snapshots where snapshot.changed && isShown(snapshot) {
                if let previous = snapshot.previous, let old = byID[previous] { changes.append((old, snapshot)) }
            }
            let starts = Set(changes.map(\.old.id))
            let shown = snapshots.filter { isShown($0) || starts.contains($0.id) }
            let name = snapshots.last(where: { $0.workspaceName != nil })?.workspaceName
            return SeriesHistory(series: series, name: name, snapshots: snapshots, shown: shown, changes: changes)
        }
        cachedHistories = result
        return result
    }

    func history(of series: Series) throws -> SeriesHistory? {
        try histories().first { $0.series == series }
    }

    private func isShown(_ snapshot: Snapshot) -> Bool {
        options.since.map { snapshot.fetchedAt >= $0 } ?? true
    }

    /// The Schema Versions of a tree's templates, e.g. `3.18` or `3.15, 3.18`.
    func versions(of tree: TreeID) throws -> String {
        let versions = Set(try inventory(tree).templates.compactMap(\.template.schemaVersion))
        return versions.isEmpty ? "none" : versions.sorted().joined(separator: ", ")
    }

    /// The templates of the latest snapshot of a series, by name.
    func latestTemplates(_ history: SeriesHistory) throws -> [FoundTemplate] {
        try inventory(history.latest.tree).templates.sorted {
            ($0.template.name, $0.template.fileName ?? "") < ($1.template.name, $1.template.fileName ?? "")
        }
    }

    /// The page paths of a series' templates (at its latest snapshot).
    func templatePages(_ history: SeriesHistory) throws -> Set<String> {
        Set(try latestTemplates(history).map { SitePaths.template(history.series, name: $0.template.name, file: $0.template.fileName) })
    }

    /// Every page path a report holds (besides the overview and the stylesheet).
    func pagePaths() throws -> [String] {
        var paths: [String] = []
        for history in try histories() {
            paths += history.changes.map { SitePaths.change(history.series, from: $0.old.id, to: $0.new.id) }
            paths += try templatePages(history).sorted()
        }
        return paths
    }

    func footer() throws -> String {
        let latest = try histories().map(\.latest.fetchedAt).max()
        var text = "TemplateTrack, from \(options.databaseName)"
        if let latest { text += "; latest snapshot fetched \(Timestamp.display(latest))" }
        return text + "."
    }

    func frame(title: String, path: String) throws -> PageFrame {
        PageFrame(title: title, root: SitePaths.root(of: path), footer: try footer(), served: served)
    }

    // MARK: Overview

    func overview() throws -> OverviewPage {
        let histories = try histories()
        var rows: [WorkspaceRow] = []
        var sections: [SeriesSection] = []
        var breakingChanges: [(Date, SeriesHistory, (old: Snapshot, new: Snapshot))] = []
        for history in histories {
            let series = history.series
            let latestTemplates = try latestTemplates(history)
            let anchor = SitePaths.seriesAnchor(series)
            rows.append(
                WorkspaceRow(
                    workspace: "\(series.workspace)", name: history.name ?? "", seriesLabel: apiLabel(series.api),
                    anchor: anchor, snapshots: "\(history.snapshots.count)", changes: "\(history.changes.count)",
                    latest: Timestamp.display(history.latest.fetchedAt), versions: try versions(of: history.latest.tree),
                    templates: "\(latestTemplates.count)"))

            // Counts from the stored summaries; details only for the changes the overview lists.
            var breakingBySnapshot: [Int: Int] = [:]
            let summaries = try store.comparisonSummaries(history.changes.map { TreePair(from: $0.old.tree, to: $0.new.tree) })
            for change in history.changes {
                let pair = TreePair(from: change.old.tree, to: change.new.tree)
                let count = try summaries[pair]?.breaking ?? comparison(change.old, change.new).templates.breaking.count
                breakingBySnapshot[change.new.id] = count
                if count > 0 { breakingChanges.append((change.new.fetchedAt, history, change)) }
            }
            var snapshotRows: [SnapshotRow] = []
            for snapshot in history.shown.reversed() {
                let isChange = snapshot.changed && snapshot.previous != nil && breakingBySnapshot[snapshot.id] != nil
                let state = snapshot.previous == nil ? "first" : snapshot.changed ? "changed" : "same"
                let breaking = breakingBySnapshot[snapshot.id] ?? 0
                snapshotRows.append(
                    SnapshotRow(
                        id: "\(snapshot.id)", fetched: Timestamp.display(snapshot.fetchedAt), files: "\(snapshot.fileCount)",
                        state: state,
                        stateLabel: state == "first" ? "first snapshot" : state == "changed" ? "changed" : "no change",
                        changeLink: isChange ? SitePaths.change(series, from: snapshot.previous!, to: snapshot.id) : "",
                        hasChangeLink: isChange, versions: try versions(of: snapshot.tree), breaking: "\(breaking)",
                        hasBreaking: breaking > 0,
                        filesLink: "snapshot?workspace=\(series.workspace)&api=\(series.api.rawValue)&snapshot=\(snapshot.id)"))
            }
            let choices = history.snapshots.reversed().map { snapshot in
                SnapshotChoice(
                    id: "\(snapshot.id)", label: "\(snapshot.id) — \(Timestamp.display(snapshot.fetchedAt))",
                    selectedFrom: snapshot.id == (history.latest.previous ?? -1), selectedTo: snapshot.id == history.latest.id)
            }
            sections.append(
                SeriesSection(
                    anchor: anchor, heading: seriesTitle(series, nil), name: history.name ?? "", hasName: history.name != nil,
                    timeline: try timeline(history, breaking: breakingBySnapshot), snapshots: snapshotRows,
                    templates: latestTemplates.map { found in
                        let template = found.template
                        return TemplateRow(
                            name: template.name, link: SitePaths.template(series, name: template.name, file: template.fileName),
                            version: template.schemaVersion ?? "", type: template.templateType ?? "",
                            columns: "\(template.qualifiedColumnNames.count)", file: template.fileName ?? found.path)
                    },
                    hasTemplates: !latestTemplates.isEmpty,
                    latestLabel: "snapshot \(history.latest.id), fetched \(Timestamp.display(history.latest.fetchedAt))",
                    seriesKey: SitePaths.seriesKey(series), choices: Array(choices), canCompare: history.snapshots.count > 1))
        }
        var filters: [String] = []
        if !options.workspaces.isEmpty {
            filters.append("workspaces " + options.workspaces.map(String.init).joined(separator: ", "))
        }
        if let since = options.since { filters.append("changes since \(Timestamp.display(since))") }
        // The latest breaking changes first, at most `breakingGroups` of them.
        var breaking: [BreakingGroup] = []
        for (_, history, change) in breakingChanges.sorted(by: { $0.0 > $1.0 }).prefix(Self.breakingGroups) {
            let all = try comparison(change.old, change.new).templates.breaking
            let shown = all.prefix(8)
            let extra = all.count - shown.count
            breaking.append(
                BreakingGroup(
                    heading: "\(seriesTitle(history.series, history.name)): snapshot \(change.old.id) → \(change.new.id)",
                    link: SitePaths.change(history.series, from: change.old.id, to: change.new.id),
                    fetched: Timestamp.display(change.new.fetchedAt), items: shown.map(breakingItem),
                    more: extra > 0 ? "and \(extra) more" : "", hasMore: extra > 0))
        }
        return OverviewPage(
            page: try frame(title: "Overview", path: SitePaths.overview), filterNote: "Showing " + filters.joined(separator: "; ") + ".",
            hasFilter: !filters.isEmpty, workspaces: rows, isEmpty: rows.isEmpty, breaking: breaking, hasBreaking: !breaking.isEmpty,
            series: sections)
    }

    func seriesTitle(_ series: Series, _ name: String?) -> String {
        var title = "Workspace \(series.workspace)"
        if series.api != .upload { title += " (\(apiLabel(series.api)))" }
        if let name { title += " — \(name)" }
        return title
    }

    func apiLabel(_ api: TemplateAPI) -> String { api == .upload ? "Data Upload" : "Batch Updater" }

    func breakingItem(_ change: BreakingChange) -> BreakingItem {
        let label: String
        switch change.kind {
        case .templateRemoved: label = "Template removed"
        case .requiredColumnAdded: label = "New required column"
        case .columnNowRequired: label = "Column now required"
        case .columnRemoved: label = "Column removed"
        case .dataTypeChanged: label = "Data type changed"
        case .vocabularyChanged: label = "Vocabulary changed"
        case .vocabularyNarrowed: label = "Vocabulary narrowed"
        case .lookupTableRemoved: label = "Lookup table removed"
        }
        let subject = [change.template, change.column, change.lookup].compactMap { $0 }.joined(separator: " · ")
        return BreakingItem(kind: change.kind.rawValue, kindLabel: label, subject: subject, message: change.message)
    }

    // MARK: Charts

    private func timeline(_ history: SeriesHistory, breaking: [Int: Int]) throws -> TimelineChart {
        let snapshots = history.shown
        let (width, height, left, right, axis) = (760.0, 120.0, 50.0, 50.0, 70.0)
        let times = snapshots.map(\.fetchedAt.timeIntervalSince1970)
        let (start, end) = (times.min() ?? 0, times.max() ?? 0)
        func x(_ time: Double) -> Double {
            end > start ? left + (time - start) / (end - start) * (width - left - right) : width / 2
        }
        var points: [TimelinePoint] = []
        var labels: [ChartLabel] = []
        var lastVersions: String?
        var lastLabelX = -1000.0
        for snapshot in snapshots {
            let cx = x(snapshot.fetchedAt.timeIntervalSince1970)
            let versions = try versions(of: snapshot.tree)
            let broken = breaking[snapshot.id] ?? 0
            let kind = snapshot.previous == nil ? "first" : !snapshot.changed ? "same" : broken > 0 ? "breaking" : "changed"
            var tip = "Snapshot \(snapshot.id), \(Timestamp.display(snapshot.fetchedAt)), schema \(versions)"
            switch kind {
            case "breaking": tip += ": changed, \(broken) breaking"
            case "changed": tip += ": changed"
            case "same": tip += ": no change"
            default: tip += ": first snapshot"
            }
            let link = breaking[snapshot.id] != nil ? SitePaths.change(history.series, from: snapshot.previous ?? 0, to: snapshot.id) : ""
            points.append(
                TimelinePoint(
                    cx: format(cx), cy: format(axis), r: kind == "same" ? "5" : "8", kind: kind, tip: tip, link: link,
                    hasLink: !link.isEmpty))
            if versions != lastVersions {
                // Schema versions along the line, where they change; lifted when they would overlap.
                let lifted = cx - lastLabelX < 70
                labels.append(
                    ChartLabel(x: format(cx), y: format(lifted ? axis - 38 : axis - 20), text: versions, anchor: "middle"))
                lastVersions = versions
                lastLabelX = lifted ? lastLabelX : cx
            }
        }
        let ticks = [
            ChartLabel(x: format(left), y: format(axis + 35), text: String(Timestamp.display(Date(timeIntervalSince1970: start)).prefix(10)), anchor: "start"),
            ChartLabel(
                x: format(width - right), y: format(axis + 35), text: String(Timestamp.display(Date(timeIntervalSince1970: end)).prefix(10)),
                anchor: "end"),
        ]
        let changes = snapshots.filter { $0.changed && $0.previous != nil }.count
        return TimelineChart(
            id: "timeline-" + SitePaths.seriesKey(history.series), width: format(width), height: format(height),
            title: "Timeline of \(seriesTitle(history.series, nil).lowercased())",
            summary: "\(snapshots.count) snapshots, \(changes) with changes; schema versions \(try versions(of: history.latest.tree)) at the latest",
            axisY: format(axis), axisStart: format(left - 10), axisEnd: format(width - right + 10), points: points, labels: labels,
            ticks: snapshots.isEmpty ? [] : ticks)
    }

    func barChart(id: String, title: String, bars values: [(label: String, value: Int, tip: String)]) -> BarChart {
        let (barWidth, gap, left, top, plot) = (44.0, 26.0, 30.0, 24.0, 120.0)
        let width = max(300, left * 2 + Double(values.count) * (barWidth + gap))
        let maximum = Double(max(values.map(\.value).max() ?? 1, 1))
        let baseline = top + plot
        let bars = values.enumerated().map { index, item -> ChartBar in
            let height = plot * Double(item.value) / maximum
            let x = left + Double(index) * (barWidth + gap)
            return ChartBar(
                x: format(x), y: format(baseline - height), width: format(barWidth), height: format(height),
                labelX: format(x + barWidth / 2), labelY: format(baseline + 18), valueY: format(baseline - height - 6),
                label: item.label, value: "\(item.value)", tip: item.tip)
        }
        return BarChart(
            id: id, width: format(width), height: format(baseline + 34), title: title,
            summary: values.map { "\($0.label): \($0.value)" }.joined(separator: "; "), baseline: format(baseline), bars: bars,
            hasBars: !bars.isEmpty)
    }

    func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
