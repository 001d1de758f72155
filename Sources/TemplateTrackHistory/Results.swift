public import Foundation
public import TemplateTrackBase
public import TemplateTrackTemplates

/// One snapshot whose contents differ from the snapshot before it in its series.
public struct SeriesChange: Sendable, Hashable {
    public var series: Series
    @NullWhenAbsent public var workspaceName: String?
    public var snapshot: Int
    public var previous: Int
    public var fetchedAt: Date
    public var tree: TreeID
    public var previousTree: TreeID

    public init(
        series: Series, workspaceName: String?, snapshot: Int, previous: Int, fetchedAt: Date, tree: TreeID,
        previousTree: TreeID
    ) {
        self.series = series
        self.workspaceName = workspaceName
        self.snapshot = snapshot
        self.previous = previous
        self.fetchedAt = fetchedAt
        self.tree = tree
        self.previousTree = previousTree
    }

    public var pair: TreePair { TreePair(from: previousTree, to: tree) }
}

/// Two trees compared, older first.
public struct TreePair: Sendable, Hashable {
    public var from: TreeID
    public var to: TreeID

    public init(from: TreeID, to: TreeID) {
        self.from = from
        self.to = to
    }
}

/// One run of identical versions of a file, or a gap where it was absent.
public struct FileVersion: Sendable, Encodable, Equatable {
    /// The first snapshot of the run and when it was fetched.
    public var snapshot: Int
    public var fetchedAt: Date
    /// The last snapshot of the run.
    public var lastSnapshot: Int
    public var lastFetchedAt: Date
    /// How many snapshots the run spans.
    public var snapshots: Int
    /// False for a gap where the file was absent.
    public var present: Bool
    @NullWhenAbsent public var size: Int64?
    @NullWhenAbsent public var sha256: String?

    public init(
        snapshot: Int, fetchedAt: Date, lastSnapshot: Int, lastFetchedAt: Date, snapshots: Int, present: Bool,
        size: Int64?, sha256: String?
    ) {
        self.snapshot = snapshot
        self.fetchedAt = fetchedAt
        self.lastSnapshot = lastSnapshot
        self.lastFetchedAt = lastFetchedAt
        self.snapshots = snapshots
        self.present = present
        self.size = size
        self.sha256 = sha256
    }

    enum CodingKeys: String, CodingKey {
        case snapshot, fetchedAt = "fetched_at", lastSnapshot = "last_snapshot", lastFetchedAt = "last_fetched_at"
        case snapshots, present, size, sha256
    }
}

/// A text file that matches a search.
public struct SearchHit: Sendable, Encodable, Equatable {
    public var workspace: Int
    public var api: TemplateAPI
    public var snapshot: Int
    public var path: String
    /// Text around the match, the matching words between `**` marks.
    public var snippet: String

    public init(workspace: Int, api: TemplateAPI, snapshot: Int, path: String, snippet: String) {
        self.workspace = workspace
        self.api = api
        self.snapshot = snapshot
        self.path = path
        self.snippet = snippet
    }
}

/// Everything template-shaped in one tree.
public struct TemplateInventory: Sendable {
    /// Templates from definitions files.
    public var definitions: [FoundTemplate]
    /// Tab-separated `.txt` templates.
    public var textTemplates: [FoundTemplate]
    public var lookups: [LookupTable]

    public init(definitions: [FoundTemplate], textTemplates: [FoundTemplate], lookups: [LookupTable]) {
        self.definitions = definitions
        self.textTemplates = textTemplates
        self.lookups = lookups
    }

    /// The templates to compare: the definitions, or the `.txt` templates where a zip has no
    /// definitions file. A template defined identically in several files (the array and a
    /// per-template file) counts once, where first found.
    public var templates: [FoundTemplate] {
        var seen: Set<Template> = []
        return (definitions.isEmpty ? textTemplates : definitions).filter { seen.insert($0.template).inserted }
    }

    /// Where a `.txt` template disagrees with its definition.
    public var inconsistencies: [Inconsistency] {
        TemplateComparer.inconsistencies(definitions: definitions, textTemplates: textTemplates)
    }
}

/// The comparison of two trees: file counts, and the templates and lookups read as schemas.
/// Computed once per pair and kept by the store.
public struct TreeComparison: Sendable, Hashable, Codable {
    public var files: FileCounts
    public var templates: TemplateComparison
    /// `.txt` templates in the newer tree that disagree with their definitions.
    public var inconsistencies: [Inconsistency]

    public init(files: FileCounts, templates: TemplateComparison, inconsistencies: [Inconsistency]) {
        self.files = files
        self.templates = templates
        self.inconsistencies = inconsistencies
    }

    /// The counts a list of template changes needs, without the details.
    public var summary: ComparisonSummary {
        func count(_ status: ChangeStatus) -> Int { templates.templates.filter { $0.status == status }.count }
        return ComparisonSummary(
            files: files, templatesAdded: count(.added), templatesRemoved: count(.removed),
            templatesModified: count(.modified), templatesRenamed: count(.renamed), lookupsChanged: templates.lookups.count,
            breaking: templates.breaking.count, versionMoves: templates.versionMoves)
    }
}

/// The counts of a stored comparison, read without its details.
public struct ComparisonSummary: Sendable, Hashable, Codable {
    public var files: FileCounts
    public var templatesAdded: Int
    public var templatesRemoved: Int
    public var templatesModified: Int
    public var templatesRenamed: Int
    public var lookupsChanged: Int
    public var breaking: Int
    public var versionMoves: [VersionMove]

    public init(
        files: FileCounts, templatesAdded: Int, templatesRemoved: Int, templatesModified: Int, templatesRenamed: Int,
        lookupsChanged: Int, breaking: Int, versionMoves: [VersionMove]
    ) {
        self.files = files
        self.templatesAdded = templatesAdded
        self.templatesRemoved = templatesRemoved
        self.templatesModified = templatesModified
        self.templatesRenamed = templatesRenamed
        self.lookupsChanged = lookupsChanged
        self.breaking = breaking
        self.versionMoves = versionMoves
    }

    /// Whether any template or lookup differs.
    public var templatesChanged: Bool {
        templatesAdded + templatesRemoved + templatesModified + templatesRenamed + lookupsChanged > 0
    }
}
