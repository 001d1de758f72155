import Foundation

/// One template as `templates --json` prints it.
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

    init(_ found: FoundTemplate) {
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

/// A workspace whose templates changed: `changed --templates`.
public struct WorkspaceTemplateChanges: Sendable, Encodable {
    public struct Change: Sendable, Encodable {
        public var snapshot: Int
        public var previous: Int
        public var fetchedAt: String
        public var templatesAdded: Int
        public var templatesRemoved: Int
        public var templatesModified: Int
        public var templatesRenamed: Int
        /// Schema Version moves, e.g. `3.15 → 3.18`, with how many templates made each.
        public var schemaVersions: [String: Int]
        public var breakingChanges: Int

        enum CodingKeys: String, CodingKey {
            case snapshot, previous, fetchedAt = "fetched_at", templatesAdded = "templates_added"
            case templatesRemoved = "templates_removed", templatesModified = "templates_modified"
            case templatesRenamed = "templates_renamed", schemaVersions = "schema_versions"
            case breakingChanges = "breaking_changes"
        }
    }

    public var workspace: Int
    public var name: String?
    public var snapshots: [Change]
}

extension HistoryDatabase {
    /// The templates found in `snapshot`, definitions first, by path.
    public func templateListings(of snapshot: Snapshot) throws -> (templates: [TemplateListing], inconsistencies: [Inconsistency]) {
        let inventory = try templates(of: snapshot)
        return ((inventory.definitions + inventory.textTemplates).map(TemplateListing.init), inventory.inconsistencies)
    }

    /// Workspaces whose templates (not just their files) changed in a snapshot fetched at or
    /// after `since`.
    public func templateChanges(since: Date?) throws -> [WorkspaceTemplateChanges] {
        var result: [WorkspaceTemplateChanges] = []
        for workspace in try changedWorkspaces(since: since) {
            var changes: [WorkspaceTemplateChanges.Change] = []
            for change in workspace.snapshots {
                guard let before = try snapshot(id: change.previous), let after = try snapshot(id: change.snapshot) else {
                    continue
                }
                let (old, new) = (try templates(of: before), try templates(of: after))
                let comparison = TemplateComparer.compare(
                    old: old.templates.map(\.template), new: new.templates.map(\.template), oldLookups: old.lookups,
                    newLookups: new.lookups)
                guard !comparison.templates.isEmpty || !comparison.lookups.isEmpty else { continue }
                var moves: [String: Int] = [:]
                for template in comparison.templates
                where template.fromVersion != nil && template.toVersion != nil && template.fromVersion != template.toVersion {
                    moves["\(template.fromVersion!) → \(template.toVersion!)", default: 0] += 1
                }
                func count(_ status: TemplateChange.Status) -> Int { comparison.templates.filter { $0.status == status }.count }
                changes.append(
                    .init(
                        snapshot: change.snapshot, previous: change.previous, fetchedAt: change.fetchedAt,
                        templatesAdded: count(.added), templatesRemoved: count(.removed),
                        templatesModified: count(.modified), templatesRenamed: count(.renamed), schemaVersions: moves,
                        breakingChanges: comparison.breakingChanges.count))
            }
            if !changes.isEmpty {
                result.append(WorkspaceTemplateChanges(workspace: workspace.workspace, name: workspace.name, snapshots: changes))
            }
        }
        return result
    }
}
