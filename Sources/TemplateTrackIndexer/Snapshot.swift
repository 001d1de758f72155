import Foundation
import GRDB
import TemplateTrackBase

/// One fetch or import of a workspace's template zip.
public struct Snapshot: Sendable, Hashable, Encodable {
    /// The snapshot's number, unique across the history.
    public var id: Int
    public var workspace: Int
    @NullWhenAbsent public var workspaceName: String?
    /// When it was fetched (or the time given to `import`), ISO 8601 UTC.
    public var fetchedAt: String
    /// `sync <url>` or `import <file name>`.
    public var origin: String
    public var archiveSHA256: String
    public var archiveSize: Int64
    /// Digest of the contents alone (paths and bytes), equal for equal contents.
    public var contentSHA256: String
    public var fileCount: Int
    /// False when the contents equal the workspace's previous snapshot's.
    public var changed: Bool
    /// The workspace's snapshot before this one, if any.
    @NullWhenAbsent public var previous: Int?

    enum CodingKeys: String, CodingKey {
        case id = "snapshot", workspace, workspaceName = "workspace_name", fetchedAt = "fetched_at", origin
        case archiveSHA256 = "archive_sha256", archiveSize = "archive_size", contentSHA256 = "content_sha256"
        case fileCount = "files", changed, previous
    }

    static let selection = """
        SELECT q.id, q.workspace_id, w.name AS workspace_name, q.fetched_at, q.origin, q.archive_sha256,
               q.archive_size, t.sha256 AS tree_sha256, t.file_count, q.changed, q.previous_id, q.tree_id
        FROM snapshot_sequence q JOIN tree t ON t.id = q.tree_id LEFT JOIN workspace w ON w.id = q.workspace_id
        """

    init(row: Row) {
        id = row["id"]
        workspace = row["workspace_id"]
        workspaceName = row["workspace_name"]
        fetchedAt = Timestamp.display(storage: row["fetched_at"])
        origin = row["origin"]
        archiveSHA256 = row["archive_sha256"]
        archiveSize = row["archive_size"]
        contentSHA256 = row["tree_sha256"]
        fileCount = row["file_count"]
        changed = row["changed"]
        previous = row["previous_id"]
    }
}

/// One file of a snapshot.
public struct FileRecord: Sendable, Hashable, Encodable {
    /// The path exactly as stored in the zip.
    public var path: String
    public var size: Int64
    public var sha256: String
}

/// How a command names a snapshot: `12`, `latest`, `latest~2`, `2026-03-01` or a full time.
public enum SnapshotReference: Sendable, Equatable, CustomStringConvertible {
    /// A snapshot number.
    case id(Int)
    /// The latest snapshot (`back` = 0) or the one `back` before it.
    case latest(back: Int)
    /// The last snapshot fetched at or before this time; a bare date means the end of that day.
    case asOf(Date)

    /// Parses a reference; throws `invalidArgument` naming the text when it is none of the forms.
    public init(parsing text: String) throws {
        if let id = Int(text), id > 0 {
            self = .id(id)
        } else if text == "latest" {
            self = .latest(back: 0)
        } else if text.hasPrefix("latest~"), let back = Int(text.dropFirst(7)), back >= 0 {
            self = .latest(back: back)
        } else if let date = Timestamp.parse(text, endOfDay: true) {
            // Times are shown to the second but stored to the millisecond: a time copied
            // from the output must find the snapshot shown at it.
            let wholeSecond = text.count > 10 && !text.contains(".")
            self = .asOf(wholeSecond ? date.addingTimeInterval(0.999) : date)
        } else {
            throw TemplateTrackError(
                .invalidArgument,
                "'\(text)' is not a snapshot reference (a number, latest, latest~N, a date or an ISO 8601 time)")
        }
    }

    public var description: String {
        switch self {
        case .id(let id): "\(id)"
        case .latest(let back): back == 0 ? "latest" : "latest~\(back)"
        case .asOf(let date): Timestamp.display(date)
        }
    }
}

extension HistoryDatabase {
    /// Every snapshot, oldest first; only `workspace`'s when given.
    public func snapshots(workspace: Int? = nil) throws -> [Snapshot] {
        try read { db in
            let filter = workspace == nil ? "" : " WHERE q.workspace_id = ?"
            return try Row.fetchAll(
                db, sql: Snapshot.selection + filter + " ORDER BY q.fetched_at, q.id",
                arguments: StatementArguments(workspace.map { [$0] } ?? [])
            ).map(Snapshot.init(row:))
        }
    }

    /// The snapshot numbered `id`, or nil.
    public func snapshot(id: Int) throws -> Snapshot? {
        try read { db in
            try Row.fetchOne(db, sql: Snapshot.selection + " WHERE q.id = ?", arguments: [id]).map(Snapshot.init(row:))
        }
    }

    /// Resolves `reference` among `workspace`'s snapshots; throws `notFound` naming both.
    public func resolve(_ reference: SnapshotReference, workspace: Int) throws -> Snapshot {
        let found: Snapshot? = try read { db in
            let scoped = Snapshot.selection + " WHERE q.workspace_id = ?"
            let newestFirst = " ORDER BY q.fetched_at DESC, q.id DESC"
            let row: Row?
            switch reference {
            case .id(let id):
                row = try Row.fetchOne(db, sql: scoped + " AND q.id = ?", arguments: [workspace, id])
            case .latest(let back):
                row = try Row.fetchOne(db, sql: scoped + newestFirst + " LIMIT 1 OFFSET ?", arguments: [workspace, back])
            case .asOf(let date):
                row = try Row.fetchOne(
                    db, sql: scoped + " AND q.fetched_at <= ?" + newestFirst + " LIMIT 1",
                    arguments: [workspace, Timestamp.storage(date)])
            }
            return row.map(Snapshot.init(row:))
        }
        guard let found else {
            var message = "no snapshot \(reference)"
            if case .id(let id) = reference, let other = try snapshot(id: id) {
                message += " (snapshot \(id) belongs to workspace \(other.workspace))"
            } else if try snapshots(workspace: workspace).isEmpty {
                message = "no snapshots recorded yet"
            }
            throw TemplateTrackError(.notFound, message, at: [.workspace(workspace)])
        }
        return found
    }

    /// The files of `snapshot` (folders left out), by path.
    public func files(of snapshot: Snapshot) throws -> [FileRecord] {
        try entries(of: snapshot).compactMap { entry in
            entry.sha256.map { FileRecord(path: entry.path, size: entry.size, sha256: $0) }
        }
    }

    /// Files and empty folders of `snapshot`, by path; folders have no sha256.
    public func entries(of snapshot: Snapshot) throws -> [(path: String, size: Int64, sha256: String?)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.path, e.size, e.blob_sha256 FROM tree_entry e JOIN snapshot s ON s.tree_id = e.tree_id
                    WHERE s.id = ? ORDER BY e.path
                    """,
                arguments: [snapshot.id]
            ).map { ($0["path"], $0["size"], $0["blob_sha256"]) }
        }
    }
}
