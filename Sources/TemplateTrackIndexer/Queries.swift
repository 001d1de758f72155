import Foundation
import GRDB
import TemplateTrackBase

/// A workspace whose contents changed, with each changing snapshot.
public struct WorkspaceChanges: Sendable, Encodable {
    /// File counts of one change, as `diff` would report it.
    public struct Counts: Sendable, Encodable, Equatable {
        public var added = 0, removed = 0, modified = 0, renamed = 0

        public init(_ changes: [FileChange]) {
            for change in changes {
                switch change.status {
                case .added: added += 1
                case .removed: removed += 1
                case .modified: modified += 1
                case .renamed: renamed += 1
                }
            }
        }
    }

    /// One snapshot whose contents differ from the snapshot before it.
    public struct Change: Sendable, Encodable {
        public var snapshot: Int
        public var previous: Int
        public var fetchedAt: String
        public var counts: Counts

        enum CodingKeys: String, CodingKey { case snapshot, previous, fetchedAt = "fetched_at", added, removed, modified, renamed }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(snapshot, forKey: .snapshot)
            try container.encode(previous, forKey: .previous)
            try container.encode(fetchedAt, forKey: .fetchedAt)
            try counts.encodeFlat(into: &container)
        }
    }

    public var workspace: Int
    public var name: String?
    public var snapshots: [Change]
    /// Net counts: from the snapshot before the first change to the last change.
    public var counts: Counts

    enum CodingKeys: String, CodingKey { case workspace, name, snapshots, from, to, added, removed, modified, renamed }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workspace, forKey: .workspace)
        try container.encode(name, forKey: .name)
        try container.encode(snapshots.first?.previous, forKey: .from)
        try container.encode(snapshots.last?.snapshot, forKey: .to)
        try counts.encodeFlat(into: &container)
        try container.encode(snapshots, forKey: .snapshots)
    }
}

extension WorkspaceChanges.Counts {
    func encodeFlat<Key: CodingKey>(into container: inout KeyedEncodingContainer<Key>) throws {
        for (name, value) in [("added", added), ("removed", removed), ("modified", modified), ("renamed", renamed)] {
            try container.encode(value, forKey: Key(stringValue: name)!)
        }
    }
}

/// One run of identical versions of a file, or a gap where it was absent.
public struct FileVersion: Sendable, Encodable, Equatable {
    /// The first snapshot of the run and when it was fetched.
    public var snapshot: Int
    public var fetchedAt: String
    /// The last snapshot of the run.
    public var lastSnapshot: Int
    public var lastFetchedAt: String
    /// How many snapshots the run spans.
    public var snapshots: Int
    /// False for a gap where the file was absent.
    public var present: Bool
    @NullWhenAbsent public var size: Int64?
    @NullWhenAbsent public var sha256: String?

    enum CodingKeys: String, CodingKey {
        case snapshot, fetchedAt = "fetched_at", lastSnapshot = "last_snapshot", lastFetchedAt = "last_fetched_at"
        case snapshots, present, size, sha256
    }
}

/// A text file that matches a search.
public struct SearchHit: Sendable, Encodable, Equatable {
    public var workspace: Int
    public var snapshot: Int
    public var path: String
    /// Text around the match, the matching words between `**` marks.
    public var snippet: String
}

extension HistoryDatabase {
    /// Workspaces whose contents changed in a snapshot fetched at or after `since` (all time
    /// when nil). A workspace's first snapshot is not a change: there is nothing before it.
    public func changedWorkspaces(since: Date?) throws -> [WorkspaceChanges] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT q.id, q.previous_id, q.workspace_id, w.name, q.fetched_at, q.tree_id, q.previous_tree_id
                    FROM snapshot_sequence q LEFT JOIN workspace w ON w.id = q.workspace_id
                    WHERE q.changed AND q.previous_id IS NOT NULL AND q.fetched_at >= ?
                    ORDER BY q.workspace_id, q.fetched_at, q.id
                    """,
                arguments: [since.map(Timestamp.storage) ?? ""])
            var trees: [Int64: [TreeDiff.Entry]] = [:]
            func entries(_ tree: Int64) throws -> [TreeDiff.Entry] {
                if let cached = trees[tree] { return cached }
                let loaded = try Self.entries(tree: tree, db: db)
                trees[tree] = loaded
                return loaded
            }
            var result: [WorkspaceChanges] = []
            var firstTree: Int64 = 0
            for row in rows {
                let workspace: Int = row["workspace_id"]
                let (tree, previousTree): (Int64, Int64) = (row["tree_id"], row["previous_tree_id"])
                let change = WorkspaceChanges.Change(
                    snapshot: row["id"], previous: row["previous_id"],
                    fetchedAt: Timestamp.display(storage: row["fetched_at"]),
                    counts: .init(TreeDiff.changes(from: try entries(previousTree), to: try entries(tree))))
                if result.last?.workspace != workspace {
                    firstTree = previousTree
                    result.append(WorkspaceChanges(workspace: workspace, name: row["name"], snapshots: [], counts: .init([])))
                }
                result[result.count - 1].snapshots.append(change)
                result[result.count - 1].counts = .init(TreeDiff.changes(from: try entries(firstTree), to: try entries(tree)))
            }
            return result
        }
    }

    /// Each distinct version of `path` in `workspace` over time, oldest first; consecutive
    /// identical versions fold into one entry, and gaps after it first appeared are shown.
    public func history(of path: String, workspace: Int) throws -> [FileVersion] {
        let rows = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.fetched_at, e.blob_sha256, e.size FROM snapshot s
                    LEFT JOIN tree_entry e ON e.tree_id = s.tree_id AND e.path = ?
                    WHERE s.workspace_id = ? ORDER BY s.fetched_at, s.id
                    """,
                arguments: [path, workspace])
        }
        var versions: [FileVersion] = []
        for row in rows {
            let sha256: String? = row["blob_sha256"]
            let fetchedAt = Timestamp.display(storage: row["fetched_at"])
            if versions.isEmpty && sha256 == nil { continue }
            if var last = versions.last, last.sha256 == sha256 {
                last.lastSnapshot = row["id"]
                last.lastFetchedAt = fetchedAt
                last.snapshots += 1
                versions[versions.count - 1] = last
            } else {
                versions.append(
                    FileVersion(
                        snapshot: row["id"], fetchedAt: fetchedAt, lastSnapshot: row["id"], lastFetchedAt: fetchedAt,
                        snapshots: 1, present: sha256 != nil, size: row["size"], sha256: sha256))
            }
        }
        guard !versions.isEmpty else {
            throw TemplateTrackError(
                .notFound, rows.isEmpty ? "no snapshots recorded yet" : "no snapshot holds '\(path)'",
                at: [.workspace(workspace)])
        }
        return versions
    }

    /// Full-text search over the text files of each workspace's latest snapshot (or of every
    /// snapshot). `text` is matched as a phrase of whole words, case-insensitively.
    public func search(_ text: String, workspace: Int? = nil, allSnapshots: Bool = false) throws -> [SearchHit] {
        let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH targets AS (
                        SELECT s.id, s.workspace_id, s.tree_id FROM snapshot s
                        WHERE (?1 IS NULL OR s.workspace_id = ?1)
                          AND (?2 OR s.id = (SELECT l.id FROM snapshot l WHERE l.workspace_id = s.workspace_id
                                             ORDER BY l.fetched_at DESC, l.id DESC LIMIT 1))
                    ), hits AS (
                        SELECT rowid, snippet(blob_text, 0, '**', '**', '…', 16) AS snippet
                        FROM blob_text WHERE blob_text MATCH ?3
                    )
                    SELECT t.workspace_id, t.id, e.path, h.snippet
                    FROM hits h JOIN blob b ON b.id = h.rowid
                    JOIN tree_entry e ON e.blob_sha256 = b.sha256
                    JOIN targets t ON t.tree_id = e.tree_id
                    ORDER BY t.workspace_id, t.id, e.path
                    """,
                arguments: [workspace, allSnapshots, phrase]
            ).map {
                SearchHit(workspace: $0["workspace_id"], snapshot: $0["id"], path: $0["path"], snippet: $0["snippet"])
            }
        }
    }

    /// Whether the stored bytes with this SHA-256 are text (hold no NUL).
    public func isText(sha256: String) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT is_text FROM blob WHERE sha256 = ?", arguments: [sha256]) ?? false }
    }

    /// The stored bytes with this SHA-256, whole: for line diffs, which need every line.
    public func content(sha256: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try readContent(sha256: sha256) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func entries(tree: Int64, db: Database) throws -> [TreeDiff.Entry] {
        try Row.fetchAll(
            db, sql: "SELECT path, size, blob_sha256 FROM tree_entry WHERE tree_id = ? ORDER BY path", arguments: [tree]
        ).map { ($0["path"], $0["size"], $0["blob_sha256"]) }
    }
}
