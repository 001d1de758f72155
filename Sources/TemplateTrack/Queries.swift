public import Foundation
public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

/// A series whose contents changed, with each changing snapshot: `changed`.
public struct SeriesChanges: Sendable, Encodable {
    /// One snapshot whose contents differ from the snapshot before it.
    public struct Change: Sendable, Encodable {
        public var snapshot: Int
        public var previous: Int
        public var fetchedAt: Date
        public var counts: FileCounts

        enum CodingKeys: String, CodingKey { case snapshot, previous, fetchedAt = "fetched_at" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(snapshot, forKey: .snapshot)
            try container.encode(previous, forKey: .previous)
            try container.encode(fetchedAt, forKey: .fetchedAt)
            try counts.encodeFlat(to: encoder)
        }
    }

    public var series: Series
    public var name: String?
    public var snapshots: [Change]
    /// Net counts: from the snapshot before the first change to the last change.
    public var counts: FileCounts

    enum CodingKeys: String, CodingKey { case workspace, api, name, snapshots, from, to }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(series.workspace, forKey: .workspace)
        try container.encode(series.api, forKey: .api)
        try container.encode(name, forKey: .name)
        try container.encode(snapshots.first?.previous, forKey: .from)
        try container.encode(snapshots.last?.snapshot, forKey: .to)
        try counts.encodeFlat(to: encoder)
        try container.encode(snapshots, forKey: .snapshots)
    }
}

extension FileCounts {
    /// `added`, `removed`, `modified`, `renamed` as keys of the enclosing object.
    func encodeFlat(to encoder: any Encoder) throws {
        enum Keys: String, CodingKey { case added, removed, modified, renamed }
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(added, forKey: .added)
        try container.encode(removed, forKey: .removed)
        try container.encode(modified, forKey: .modified)
        try container.encode(renamed, forKey: .renamed)
    }
}

/// A series whose templates changed.
public struct SeriesTemplateChanges: Sendable, Encodable {
    public struct Change: Sendable, Encodable {
        public var snapshot: Int
        public var previous: Int
        public var fetchedAt: Date
        public var templatesAdded: Int
        public var templatesRemoved: Int
        public var templatesModified: Int
        public var templatesRenamed: Int
        /// Schema Version moves, with how many templates made each, most first.
        public var schemaVersions: [VersionMove]
        public var breakingChanges: Int

        enum CodingKeys: String, CodingKey {
            case snapshot, previous, fetchedAt = "fetched_at", templatesAdded = "templates_added"
            case templatesRemoved = "templates_removed", templatesModified = "templates_modified"
            case templatesRenamed = "templates_renamed", schemaVersions = "schema_versions"
            case breakingChanges = "breaking_changes"
        }
    }

    public var series: Series
    public var name: String?
    public var snapshots: [Change]

    enum CodingKeys: String, CodingKey { case workspace, api, name, snapshots }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(series.workspace, forKey: .workspace)
        try container.encode(series.api, forKey: .api)
        try container.encode(name, forKey: .name)
        try container.encode(snapshots, forKey: .snapshots)
    }
}

/// One template as the template listing shows it.
public struct TemplateListing: Sendable, Encodable {
    public var name: String
    @NullWhenAbsent public var file: String?
    @NullWhenAbsent public var schemaVersion: String?
    @NullWhenAbsent public var type: String?
    /// Where in the zip it was found.
    public var path: String
    /// `definitions` or `text`.
    public var source: TemplateSource
    /// Each column as the definition gives it: `templateColumn` and every other attribute,
    /// with `block` naming the block of a compound template.
    public var columns: [[String: JSONValue]]

    enum CodingKeys: String, CodingKey {
        case name, file, schemaVersion = "schema_version", type, path, source, columns
    }

    public init(_ found: FoundTemplate) {
        let template = found.template
        name = template.name
        file = template.fileName
        schemaVersion = template.schemaVersion
        type = template.templateType
        path = found.path
        source = template.source
        columns = template.blocks.flatMap { block in
            block.columns.map { column in
                var object = column.attributes
                object["templateColumn"] = .string(column.name)
                if let name = block.name { object["block"] = .string(name) }
                return object
            }
        }
    }
}

/// The questions asked of the history, answered from stored rows and stored comparisons.
public enum Queries {
    /// Series whose contents changed in a snapshot fetched at or after `since` (all time when nil).
    public static func changed(since: Date?, in store: any HistoryWriter) throws -> [SeriesChanges] {
        let changes = try store.seriesChanges(since: since)
        let stored = try store.comparisonSummaries(changes.map(\.pair))
        var result: [SeriesChanges] = []
        for (series, group) in grouped(changes) {
            let snapshots = try group.map { change in
                SeriesChanges.Change(
                    snapshot: change.snapshot, previous: change.previous, fetchedAt: change.fetchedAt,
                    counts: try stored[change.pair]?.files ?? fileCounts(change.pair, store: store))
            }
            let net = TreePair(from: group.first!.previousTree, to: group.last!.tree)
            let counts = try group.count == 1 ? snapshots[0].counts : fileCounts(net, store: store)
            result.append(SeriesChanges(series: series, name: group.first!.workspaceName, snapshots: snapshots, counts: counts))
        }
        return result
    }

    /// Series whose templates or lookups (not just other files) changed in a snapshot fetched at
    /// or after `since`.
    public static func templateChanges(since: Date?, in store: any HistoryWriter) throws -> [SeriesTemplateChanges] {
        let changes = try store.seriesChanges(since: since)
        var summaries = try store.comparisonSummaries(changes.map(\.pair))
        for change in changes where summaries[change.pair] == nil {
            summaries[change.pair] = try Comparisons.comparison(change.pair, in: store).summary
        }
        var result: [SeriesTemplateChanges] = []
        for (series, group) in grouped(changes) {
            let snapshots = group.compactMap { change -> SeriesTemplateChanges.Change? in
                guard let summary = summaries[change.pair], summary.templatesChanged else { return nil }
                return SeriesTemplateChanges.Change(
                    snapshot: change.snapshot, previous: change.previous, fetchedAt: change.fetchedAt,
                    templatesAdded: summary.templatesAdded, templatesRemoved: summary.templatesRemoved,
                    templatesModified: summary.templatesModified, templatesRenamed: summary.templatesRenamed,
                    schemaVersions: summary.versionMoves, breakingChanges: summary.breaking)
            }
            if !snapshots.isEmpty {
                result.append(SeriesTemplateChanges(series: series, name: group.first!.workspaceName, snapshots: snapshots))
            }
        }
        return result
    }

    /// The templates found in `snapshot`, definitions first, by path, and the `.txt` templates
    /// that disagree with their definitions.
    public static func templates(of snapshot: Snapshot, in store: any HistoryReader) throws
        -> (templates: [TemplateListing], inconsistencies: [Inconsistency])
    {
        let inventory = try store.templates(of: snapshot.tree)
        return ((inventory.definitions + inventory.textTemplates).map(TemplateListing.init), inventory.inconsistencies)
    }

    private static func fileCounts(_ pair: TreePair, store: any HistoryReader) throws -> FileCounts {
        FileCounts(try store.fileChanges(pair))
    }

    /// Consecutive runs of the same series, in order (the store lists changes by series).
    private static func grouped(_ changes: [SeriesChange]) -> [(Series, [SeriesChange])] {
        var groups: [(Series, [SeriesChange])] = []
        for change in changes {
            if groups.last?.0 == change.series {
                groups[groups.count - 1].1.append(change)
            } else {
                groups.append((change.series, [change]))
            }
        }
        return groups
    }
}
