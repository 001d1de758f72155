// The values each page template renders. Only strings, booleans and arrays: Mustache looks a
// missing (nil) key up in the enclosing objects, so optionals would show a parent's value.
// Every string here is escaped by Mustache when rendered; no template writes one unescaped.

/// What every page has.
struct PageFrame {
    /// The page's title (without the site's name).
    var title: String
    /// The prefix that leads from the page back to the site's root (`""`, `"../"`, `"../../"`).
    var root: String
    /// Where the pages came from, for the footer.
    var footer: String
    /// True in the web view: search and the snapshot chooser are shown.
    var served: Bool
}

// MARK: - Overview

struct OverviewPage {
    var page: PageFrame
    var filterNote: String
    var hasFilter: Bool
    var workspaces: [WorkspaceRow]
    var isEmpty: Bool
    var breaking: [BreakingGroup]
    var hasBreaking: Bool
    var series: [SeriesSection]
}

struct WorkspaceRow {
    var workspace: String
    var name: String
    var seriesLabel: String
    var anchor: String
    var snapshots: String
    var changes: String
    var latest: String
    var versions: String
    var templates: String
}

struct BreakingGroup {
    var heading: String
    var link: String
    var fetched: String
    var items: [BreakingItem]
    var more: String
    var hasMore: Bool
}

struct BreakingItem {
    var kind: String
    var kindLabel: String
    var subject: String
    var message: String
}

struct SeriesSection {
    var anchor: String
    var heading: String
    var name: String
    var hasName: Bool
    var timeline: TimelineChart
    var snapshots: [SnapshotRow]
    var templates: [TemplateRow]
    var hasTemplates: Bool
    var latestLabel: String
    var seriesKey: String
    /// The snapshots the web view's chooser offers, newest first.
    var choices: [SnapshotChoice]
    var canCompare: Bool
}

struct SnapshotRow {
    var id: String
    var fetched: String
    var files: String
    var state: String
    var stateLabel: String
    var changeLink: String
    var hasChangeLink: Bool
    var versions: String
    var breaking: String
    var hasBreaking: Bool
    var filesLink: String
}

struct SnapshotChoice {
    var id: String
    var label: String
    var selectedFrom: Bool
    var selectedTo: Bool
}

struct TemplateRow {
    var name: String
    var link: String
    var version: String
    var type: String
    var columns: String
    var file: String
}

// MARK: - Change

struct ChangePage {
    var page: PageFrame
    var heading: String
    var overviewLink: String
    var fromLabel: String
    var toLabel: String
    var fromLink: String
    var toLink: String
    var noChange: Bool
    var summary: [String]
    var hasSummary: Bool
    var breaking: [BreakingItem]
    var hasBreaking: Bool
    var breakingCount: String
    var templates: [TemplateChangeRow]
    var hasTemplates: Bool
    var added: [TemplateChangeRow]
    var removed: [TemplateChangeRow]
    var renamed: [TemplateChangeRow]
    var hasAdded: Bool
    var hasRemoved: Bool
    var hasRenamed: Bool
    var columnTables: [ColumnTable]
    var hasColumnTables: Bool
    var attributeRows: [AttributeRow]
    var hasAttributeRows: Bool
    var lookups: [LookupSection]
    var hasLookups: Bool
    var warnings: [String]
    var hasWarnings: Bool
    var inconsistencies: [String]
    var hasInconsistencies: Bool
    var files: [FileRow]
    var hasFiles: Bool
    var fileCounts: String
    var diffs: [FileDiff]
    var hasDiffs: Bool
}

struct TemplateChangeRow {
    var name: String
    var status: String
    var statusLabel: String
    var fromName: String
    var hasFromName: Bool
    var versions: String
    var file: String
    var columns: String
    var link: String
    var hasLink: Bool
    var tableAnchor: String
    var hasTable: Bool
}

struct ColumnTable {
    var template: String
    var anchor: String
    var heading: String
    var before: String
    var after: String
    var rows: [ColumnRow]
    var link: String
    var hasLink: Bool
}

struct ColumnRow {
    var column: String
    var change: String
    var changeLabel: String
    var attribute: String
    var before: String
    var after: String
}

struct AttributeRow {
    var template: String
    var attribute: String
    var before: String
    var after: String
}

struct LookupSection {
    var name: String
    var status: String
    var statusLabel: String
    var anchor: String
    var gained: [String]
    var lost: [String]
    var gainedCount: String
    var lostCount: String
    var hasGained: Bool
    var hasLost: Bool
}

struct FileRow {
    var status: String
    var statusLabel: String
    var path: String
    var fromPath: String
    var hasFromPath: Bool
    var sizes: String
    var diffAnchor: String
    var hasDiff: Bool
    var showBefore: String
    var showAfter: String
    var hasShowBefore: Bool
    var hasShowAfter: Bool
}

struct FileDiff {
    var anchor: String
    var path: String
    var note: String
    var hasNote: Bool
    var hunks: [HunkView]
    var hasHunks: Bool
}

struct HunkView {
    var header: String
    var lines: [LineView]
}

struct LineView {
    var kind: String
    var marker: String
    var old: String
    var new: String
    var text: String
}

// MARK: - Template

struct TemplatePage {
    var page: PageFrame
    var name: String
    var heading: String
    var overviewLink: String
    var file: String
    var version: String
    var type: String
    var description: String
    var hasDescription: Bool
    var foundIn: String
    var snapshotLabel: String
    var columns: [ColumnListRow]
    var isCompound: Bool
    var columnCount: String
    var history: [HistoryRow]
    var chart: BarChart
}

struct ColumnListRow {
    var position: String
    var name: String
    var block: String
    var required: String
    var isRequired: Bool
    var dataType: String
    var vocabulary: String
    var preferred: String
    var description: String
}

struct HistoryRow {
    var snapshot: String
    var fetched: String
    var name: String
    var version: String
    var columns: String
    var change: String
    var link: String
    var hasLink: Bool
}

// MARK: - Web view only

struct SearchPage {
    var page: PageFrame
    var query: String
    var hasQuery: Bool
    var allSnapshots: Bool
    var hits: [SearchRow]
    var hasHits: Bool
    var count: String
}

struct SearchRow {
    var workspace: String
    var snapshot: String
    var path: String
    var link: String
    var snapshotLink: String
    var parts: [SnippetPart]
}

struct SnippetPart {
    var text: String
    var marked: Bool
}

struct SnapshotPage {
    var page: PageFrame
    var heading: String
    var overviewLink: String
    var fetched: String
    var origin: String
    var archive: String
    var zipLink: String
    var files: [SnapshotFileRow]
    var count: String
}

struct SnapshotFileRow {
    var path: String
    var size: String
    var sha256: String
    var link: String
    var isFolder: Bool
}

struct MessagePage {
    var page: PageFrame
    var heading: String
    var message: String
    var showLogin: Bool
    var loginFailed: Bool
}

// MARK: - Charts

struct TimelineChart {
    var id: String
    var width: String
    var height: String
    var title: String
    var summary: String
    var axisY: String
    var axisStart: String
    var axisEnd: String
    var points: [TimelinePoint]
    var labels: [ChartLabel]
    var ticks: [ChartLabel]
}

struct TimelinePoint {
    var cx: String
    var cy: String
    var r: String
    var kind: String
    var tip: String
    var link: String
    var hasLink: Bool
}

struct ChartLabel {
    var x: String
    var y: String
    var text: String
    var anchor: String
}

struct BarChart {
    var id: String
    var width: String
    var height: String
    var title: String
    var summary: String
    var baseline: String
    var bars: [ChartBar]
    var hasBars: Bool
}

struct ChartBar {
    var x: String
    var y: String
    var width: String
    var height: String
    var labelX: String
    var labelY: String
    var valueY: String
    var label: String
    var value: String
    var tip: String
}
