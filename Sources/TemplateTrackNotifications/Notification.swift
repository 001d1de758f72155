public import Foundation
public import TemplateTrack
public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

/// What a webhook receives (and a command hook reads on standard input) when a sync records
/// a change: one entry per changed series, with its breaking changes and summaries.
public struct ChangeNotification: Sendable, Encodable {
    public var templatetrackVersion: String
    /// One line for chat tools (Slack's `text` field).
    public var text: String
    public var changes: [Change]

    /// One series that changed.
    public struct Change: Sendable, Encodable {
        public var workspace: Int
        @NullWhenAbsent public var name: String?
        public var api: TemplateAPI
        public var snapshot: Int
        public var previous: Int
        public var fetchedAt: Date
        public var breaking: [BreakingChange]
        public var templates: TemplateSummary
        public var files: FileCounts

        enum CodingKeys: String, CodingKey {
            case workspace, name, api, snapshot, previous, fetchedAt = "fetched_at", breaking, templates, files
        }
    }

    /// Counts of what changed in the templates and lookups.
    public struct TemplateSummary: Sendable, Encodable {
        public var added: Int
        public var removed: Int
        public var modified: Int
        public var renamed: Int
        public var lookupsChanged: Int
        public var schemaVersions: [VersionMove]

        enum CodingKeys: String, CodingKey {
            case added, removed, modified, renamed, lookupsChanged = "lookups_changed", schemaVersions = "schema_versions"
        }
    }

    enum CodingKeys: String, CodingKey { case templatetrackVersion = "templatetrack_version", text, changes }

    /// The notification for the changed snapshots among `snapshots`, or nil when none changed
    /// (a series' first snapshot is not a change).
    public static func build(for snapshots: [Snapshot], in store: any HistoryWriter) throws -> ChangeNotification? {
        var changes: [Change] = []
        for snapshot in snapshots where snapshot.changed {
            guard let previousID = snapshot.previous, let previous = try store.snapshot(id: previousID) else { continue }
            let comparison = try Comparisons.comparison(TreePair(from: previous.tree, to: snapshot.tree), in: store)
            let summary = comparison.summary
            changes.append(
                Change(
                    workspace: snapshot.workspace, name: snapshot.workspaceName, api: snapshot.api, snapshot: snapshot.id,
                    previous: previousID, fetchedAt: snapshot.fetchedAt, breaking: comparison.templates.breaking,
                    templates: TemplateSummary(
                        added: summary.templatesAdded, removed: summary.templatesRemoved,
                        modified: summary.templatesModified, renamed: summary.templatesRenamed,
                        lookupsChanged: summary.lookupsChanged, schemaVersions: summary.versionMoves),
                    files: comparison.files))
        }
        guard !changes.isEmpty else { return nil }
        return ChangeNotification(templatetrackVersion: TemplateTrackVersion.current, text: text(for: changes), changes: changes)
    }

    /// e.g. "TemplateTrack: 2 workspaces changed. 5001 (Influenza Vaccine Cohort): snapshot 4 → 8,
    /// 2 breaking changes, schema 3.15 → 3.18 in 2 templates. 5002 …"
    static func text(for changes: [Change]) -> String {
        let count = changes.count == 1 ? "1 workspace changed" : "\(changes.count) workspaces changed"
        let parts = changes.map { change -> String in
            var part = "\(change.workspace)"
            if change.api != .upload { part += " \(change.api.rawValue)" }
            if let name = change.name { part += " (\(slackEscaped(name)))" }
            part += ": snapshot \(change.previous) → \(change.snapshot)"
            if !change.breaking.isEmpty {
                part += ", \(change.breaking.count) breaking change\(change.breaking.count == 1 ? "" : "s")"
            }
            for move in change.templates.schemaVersions.prefix(2) {
                part += ", schema \(move.from ?? "unset") → \(move.to ?? "unset") in \(move.templates) template\(move.templates == 1 ? "" : "s")"
            }
            if change.breaking.isEmpty && change.templates.schemaVersions.isEmpty {
                part += ", \(change.files.total) file\(change.files.total == 1 ? "" : "s") changed"
            }
            return part
        }
        return "TemplateTrack: \(count). " + parts.joined(separator: ". ") + "."
    }

    /// Slack reads `&`, `<` and `>` as markup: a workspace name must not make a link or mention.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
