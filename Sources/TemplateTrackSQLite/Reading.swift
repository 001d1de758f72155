public import Foundation
import GRDB
import GRDBSQLite
public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

extension SQLiteHistory: HistoryReader {
    static let snapshotSelection = """
        SELECT s.id, s.workspace_id, s.api, w.name AS workspace_name, s.fetched_at, o.text AS origin,
               a.sha256 AS archive_sha256, a.size AS archive_size, t.sha256 AS tree_sha256, t.file_count,
               s.changed, s.previous_id, s.tree_id
        FROM snapshot s JOIN tree t ON t.id = s.tree_id JOIN archive a ON a.id = s.archive_id
        JOIN origin o ON o.id = s.origin_id LEFT JOIN workspace w ON w.id = s.workspace_id
        """

    static func snapshot(_ row: Row) -> Snapshot {
        Snapshot(
            id: row["id"], workspace: row["workspace_id"], api: TemplateAPI(rawValue: row["api"]) ?? .upload,
            workspaceName: row["workspace_name"], fetchedAt: Timestamp.date(milliseconds: row["fetched_at"]),
            origin: row["origin"], archiveSHA256: row["archive_sha256"], archiveSize: row["archive_size"],
            contentSHA256: row["tree_sha256"], fileCount: row["file_count"], changed: row["changed"],
            previous: row["previous_id"], tree: TreeID(row["tree_id"]))
    }

    public func snapshots(_ query: SnapshotQuery) throws -> [Snapshot] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let workspace = query.workspace {
            conditions.append("s.workspace_id = ?")
            arguments.append(workspace)
        }
        if let api = query.api {
            conditions.append("s.api = ?")
            arguments.append(api.rawValue)
        }
        if let since = query.since {
            conditions.append("s.fetched_at >= ?")
            arguments.append(Timestamp.milliseconds(since))
        }
        if query.changedOnly { conditions.append("s.changed") }
        var sql = Self.snapshotSelection
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        if let limit = query.limit {
            sql += " ORDER BY s.fetched_at DESC, s.id DESC LIMIT ?"
            arguments.append(limit)
            sql = "SELECT * FROM (\(sql)) ORDER BY fetched_at, id"
        } else {
            sql += " ORDER BY s.fetched_at, s.id"
        }
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.snapshot)
        }
    }

    public func snapshot(id: Int) throws -> Snapshot? {
        try read { db in
            try Row.fetchOne(db, sql: Self.snapshotSelection + " WHERE s.id = ?", arguments: [id]).map(Self.snapshot)
        }
    }

    public func resolve(_ reference: SnapshotReference, in series: Series) throws -> Snapshot {
        let scoped = Self.snapshotSelection + " WHERE s.workspace_id = ? AND s.api = ?"
        let newestFirst = " ORDER BY s.fetched_at DESC, s.id DESC"
        let base: [any DatabaseValueConvertible] = [series.workspace, series.api.rawValue]
        let found: Snapshot? = try read { db in
            let row: Row?
            switch reference {
            case .id(let id):
                row = try Row.fetchOne(db, sql: scoped + " AND s.id = ?", arguments: StatementArguments(base + [id]))
            case .latest(let back):
                row = try Row.fetchOne(
                    db, sql: scoped + newestFirst + " LIMIT 1 OFFSET ?", arguments: StatementArguments(base + [back]))
            case .asOf(let time):
                row = try Row.fetchOne(
                    db, sql: scoped + " AND s.fetched_at <= ?" + newestFirst + " LIMIT 1",
                    arguments: StatementArguments(base + [Timestamp.milliseconds(time.end)]))
            }
            return row.map(Self.snapshot)
        }
        if let found { return found }
        var message = "no snapshot \(reference)"
        if case .id(let id) = reference, let other = try snapshot(id: id) {
            message += " (snapshot \(id) belongs to \(other.series))"
        } else if try snapshots(SnapshotQuery(workspace: series.workspace, api: series.api, limit: 1)).isEmpty {
            message = "no snapshots recorded yet"
        }
        throw TemplateTrackError(.notFound, message, at: [.workspace(series.workspace)])
    }

    public func treeEntries(_ tree: TreeID) throws -> [TreeEntry] {
        try read { db in try Self.treeEntries(tree, db: db) }
    }

    static func treeEntries(_ tree: TreeID, db: Database) throws -> [TreeEntry] {
        try Row.fetchAll(
            db, sql: "SELECT path, size, blob_sha256 FROM tree_entry WHERE tree_id = ? ORDER BY path",
            arguments: [tree.rawValue]
        ).map { TreeEntry(path: $0["path"], size: $0["size"], sha256: $0["blob_sha256"]) }
    }

    public func differingEntries(_ pair: TreePair) throws -> (from: [TreeEntry], to: [TreeEntry]) {
        guard pair.from != pair.to else { return ([], []) }
        return try read { db in try Self.differingEntries(pair, db: db) }
    }

    /// Steps through both trees at once in path order (a merge), reading each row's bytes in
    /// place: an unchanged file costs two byte comparisons, and only the differing rows become
    /// entries. SQLite orders `path` as `compare` does (bytes, then length).
    static func differingEntries(_ pair: TreePair, db: Database) throws -> (from: [TreeEntry], to: [TreeEntry]) {
        let sql = "SELECT path, size, blob_sha256 FROM tree_entry WHERE tree_id = ? ORDER BY path"
        let old = try TreeRows(db: db, sql: sql, tree: pair.from)
        let new = try TreeRows(db: db, sql: sql, tree: pair.to)
        var from: [TreeEntry] = []
        var to: [TreeEntry] = []
        var (hasOld, hasNew) = (try old.step(), try new.step())
        while hasOld || hasNew {
            let order = hasOld && hasNew ? TreeRows.compare(old, new, column: 0) : (hasOld ? -1 : 1)
            if order == 0 {
                if TreeRows.compare(old, new, column: 2) != 0 {
                    from.append(old.entry())
                    to.append(new.entry())
                }
                (hasOld, hasNew) = (try old.step(), try new.step())
            } else if order < 0 {
                from.append(old.entry())
                hasOld = try old.step()
            } else {
                to.append(new.entry())
                hasNew = try new.step()
            }
        }
        return (from, to)
    }

    public func seriesChanges(since: Date?) throws -> [SeriesChange] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.previous_id, s.workspace_id, s.api, w.name, s.fetched_at, s.tree_id,
                           p.tree_id AS previous_tree_id
                    FROM snapshot s JOIN snapshot p ON p.id = s.previous_id
                    LEFT JOIN workspace w ON w.id = s.workspace_id
                    WHERE s.changed AND s.previous_id IS NOT NULL AND s.fetched_at >= ?
                    ORDER BY s.workspace_id, s.api, s.fetched_at, s.id
                    """,
                arguments: [since.map(Timestamp.milliseconds) ?? Int64.min]
            ).map { row in
                SeriesChange(
                    series: Series(workspace: row["workspace_id"], api: TemplateAPI(rawValue: row["api"]) ?? .upload),
                    workspaceName: row["name"], snapshot: row["id"], previous: row["previous_id"],
                    fetchedAt: Timestamp.date(milliseconds: row["fetched_at"]), tree: TreeID(row["tree_id"]),
                    previousTree: TreeID(row["previous_tree_id"]))
            }
        }
    }

    public func fileVersions(path file: String, in series: Series) throws -> [FileVersion] {
        let rows = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.fetched_at, e.blob_sha256, e.size FROM snapshot s
                    LEFT JOIN tree_entry e ON e.tree_id = s.tree_id AND e.path = ?
                    WHERE s.workspace_id = ? AND s.api = ? ORDER BY s.fetched_at, s.id
                    """,
                arguments: [file, series.workspace, series.api.rawValue])
        }
        var versions: [FileVersion] = []
        for row in rows {
            let sha256: String? = row["blob_sha256"]
            let fetchedAt = Timestamp.date(milliseconds: row["fetched_at"])
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
                .notFound, rows.isEmpty ? "no snapshots recorded yet" : "no snapshot holds '\(DisplayName.escaped(file))'",
                at: [.workspace(series.workspace)])
        }
        return versions
    }

    public func search(_ text: String, workspace: Int?, allSnapshots: Bool) throws -> [SearchHit] {
        if !isReadOnly { _ = try catchUpSearchIndex() }
        let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        // Each series' latest snapshot, found through the series index.
        let latest = """
            SELECT (SELECT l.id FROM snapshot l WHERE l.workspace_id = x.workspace_id AND l.api = x.api
                    ORDER BY l.fetched_at DESC, l.id DESC LIMIT 1) AS id
            FROM (SELECT DISTINCT workspace_id, api FROM snapshot WHERE ?1 IS NULL OR workspace_id = ?1) x
            """
        let targets =
            allSnapshots
            ? "SELECT id, workspace_id, api, tree_id FROM snapshot WHERE ?1 IS NULL OR workspace_id = ?1"
            : "SELECT s.id, s.workspace_id, s.api, s.tree_id FROM snapshot s WHERE s.id IN (\(latest))"
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH targets AS (\(targets)), hits AS (
                        SELECT rowid, snippet(blob_text, 0, '**', '**', '…', 16) AS snippet
                        FROM blob_text WHERE blob_text MATCH ?2
                    )
                    SELECT t.workspace_id, t.api, t.id, e.path, h.snippet
                    FROM hits h JOIN blob b ON b.id = h.rowid
                    JOIN tree_entry e ON e.blob_sha256 = b.sha256
                    JOIN targets t ON t.tree_id = e.tree_id
                    ORDER BY t.workspace_id, t.api, t.id, e.path
                    """,
                arguments: [workspace, phrase]
            ).map {
                SearchHit(
                    workspace: $0["workspace_id"], api: TemplateAPI(rawValue: $0["api"]) ?? .upload, snapshot: $0["id"],
                    path: $0["path"], snippet: $0["snippet"])
            }
        }
    }

    public func workspaces() throws -> [WorkspaceRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT w.id, w.name, count(s.id) AS snapshots, group_concat(DISTINCT s.api) AS apis,
                           max(s.fetched_at) AS latest
                    FROM workspace w LEFT JOIN snapshot s ON s.workspace_id = w.id
                    GROUP BY w.id ORDER BY w.id
                    """
            ).map { row in
                let apis = ((row["apis"] as String?) ?? "").split(separator: ",").compactMap { TemplateAPI(rawValue: String($0)) }
                return WorkspaceRecord(
                    workspace: row["id"], name: row["name"], snapshots: row["snapshots"], apis: apis.sorted { $0.rawValue > $1.rawValue },
                    latestFetchedAt: (row["latest"] as Int64?).map(Timestamp.date(milliseconds:)))
            }
        }
    }
}

/// One tree's rows of `(path, size, blob_sha256)`, stepped by hand so that their bytes can be
/// compared where SQLite holds them.
private final class TreeRows {
    private let statement: Statement
    private let db: Database

    init(db: Database, sql: String, tree: TreeID) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
        try statement.setArguments([tree.rawValue])
    }

    deinit { sqlite3_reset(statement.sqliteStatement) }

    /// Moves to the next row; false after the last.
    func step() throws -> Bool {
        switch sqlite3_step(statement.sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
    }

    /// The current row's text in `column`: nil for NULL.
    private func bytes(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard sqlite3_column_type(statement.sqliteStatement, column) != SQLITE_NULL else { return nil }
        // A text's pointer is NULL only when SQLite ran out of memory converting it.
        guard let text = sqlite3_column_text(statement.sqliteStatement, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement.sqliteStatement, column)))
    }

    /// Orders two rows' texts in `column` as SQLite's BINARY collation does; NULL first.
    static func compare(_ left: TreeRows, _ right: TreeRows, column: Int32) -> Int {
        switch (left.bytes(column), right.bytes(column)) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case let (left?, right?):
            let common = min(left.count, right.count)
            if common > 0, let a = left.baseAddress, let b = right.baseAddress {
                let order = memcmp(a, b, common)
                if order != 0 { return Int(order) }
            }
            return left.count - right.count
        }
    }

    func entry() -> TreeEntry {
        func text(_ column: Int32) -> String? { bytes(column).map { String(decoding: $0, as: UTF8.self) } }
        return TreeEntry(path: text(0) ?? "", size: sqlite3_column_int64(statement.sqliteStatement, 1), sha256: text(2))
    }
}
