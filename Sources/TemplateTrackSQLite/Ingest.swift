public import Foundation
import GRDB
import GRDBSQLite
public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

extension SQLiteHistory: HistoryWriter {
    /// SQLite's own limit on one blob (`SQLITE_MAX_LENGTH`, 1,000,000,000 bytes on Debian).
    public var maximumBlobSize: Int64 {
        (try? reader.read { db in Int64(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, -1)) }) ?? 1_000_000_000
    }

    public func knowsArchive(sha256: String) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM archive WHERE sha256 = ?)", arguments: [sha256]) ?? false }
    }

    /// Scans `archive`: one row per distinct zip, so it grows with changes, not fetches.
    public func mayKnowArchive(size: Int64) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM archive WHERE size = ?)", arguments: [size]) ?? true }
    }

    public func beginIngest() throws -> any IngestSession {
        try collectAbandonedIngests()
        let session = SQLiteIngestSession(history: self)
        try write { db in
            try db.execute(
                sql: "INSERT INTO ingest (id, host, pid, started_at) VALUES (?, ?, ?, ?)",
                arguments: [session.id, ProcessIdentity.host, ProcessIdentity.pid, Timestamp.milliseconds(Date())])
        }
        return session
    }

    public func setWorkspaceName(_ name: String, workspace: Int) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO workspace (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                arguments: [workspace, name])
        }
    }

    public func catchUpSearchIndex() throws -> Int {
        guard try read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM search_backlog)") ?? false }) else {
            return 0
        }
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO blob_text (rowid, content)
                    SELECT b.id, b.content FROM search_backlog q JOIN blob b ON b.id = q.blob_id
                    """)
            let count = db.changesCount
            try db.execute(sql: "DELETE FROM search_backlog")
            return count
        }
    }

    /// Imports whose process is gone (on this machine) or that began over a day ago: their
    /// claims go, and the blobs only they stored are collected.
    func collectAbandonedIngests() throws {
        let stale = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, host, pid, started_at FROM ingest").filter { row in
                let started: Int64 = row["started_at"]
                if Timestamp.milliseconds(Date()) - started > 86_400_000 { return true }
                return row["host"] == ProcessIdentity.host && !ProcessIdentity.isAlive(row["pid"])
            }.map { $0["id"] as String }
        }
        guard !stale.isEmpty else { return }
        try write { db in
            for id in stale {
                let claimed = try String.fetchAll(db, sql: "SELECT blob_sha256 FROM ingest_claim WHERE ingest_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM ingest_claim WHERE ingest_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM ingest WHERE id = ?", arguments: [id])
                try Self.deleteUnreferencedBlobs(claimed, db: db)
            }
        }
    }

    /// Deletes each of these blobs that no tree references and no import has claimed, with
    /// what was derived from it.
    @discardableResult
    static func deleteUnreferencedBlobs(_ sha256s: [String], db: Database) throws -> (count: Int, bytes: Int64) {
        var count = 0
        var bytes: Int64 = 0
        for sha256 in sha256s {
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT b.id, b.size, EXISTS (SELECT 1 FROM search_backlog q WHERE q.blob_id = b.id) AS pending,
                               EXISTS (SELECT 1 FROM blob_text_docsize d WHERE d.id = b.id) AS indexed
                        FROM blob b WHERE b.sha256 = ?
                          AND NOT EXISTS (SELECT 1 FROM tree_entry e WHERE e.blob_sha256 = b.sha256)
                          AND NOT EXISTS (SELECT 1 FROM ingest_claim c WHERE c.blob_sha256 = b.sha256)
                        """,
                    arguments: [sha256])
            else { continue }
            let id: Int64 = row["id"]
            if row["indexed"] as Bool {
                // An external-content index forgets a row only when told its old text.
                try db.execute(
                    sql: "INSERT INTO blob_text (blob_text, rowid, content) SELECT 'delete', id, content FROM blob WHERE id = ?",
                    arguments: [id])
            }
            try db.execute(sql: "DELETE FROM search_backlog WHERE blob_id = ?", arguments: [id])
            try deleteDocument(sha256: sha256, db: db)
            try db.execute(sql: "DELETE FROM blob WHERE id = ?", arguments: [id])
            count += 1
            bytes += row["size"] as Int64
        }
        return (count, bytes)
    }
}

/// Who is running, to tell a crashed import from one in progress.
enum ProcessIdentity {
    static let host = ProcessInfo.processInfo.hostName
    static let pid = Int(getpid())

    static func isAlive(_ pid: Int) -> Bool {
        kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}

/// One import into SQLite: blobs in short transactions, claimed; the snapshot in a final one.
final class SQLiteIngestSession: IngestSession {
    let history: SQLiteHistory
    let id = UUID().uuidString
    /// Blobs this session stored itself.
    private var stored: [String] = []

    init(history: SQLiteHistory) { self.history = history }

    /// The blobs already stored, claimed by this session in the same transaction, so that a
    /// clean-up running meanwhile cannot remove them before the snapshot refers to them.
    func storedBlobs(among sha256s: [String]) throws -> Set<String> {
        var found: Set<String> = []
        let id = self.id
        for start in stride(from: 0, to: sha256s.count, by: 500) {
            let chunk = Array(sha256s[start..<min(start + 500, sha256s.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try history.write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO ingest_claim (ingest_id, blob_sha256) SELECT ?, sha256 FROM blob WHERE sha256 IN (\(marks))",
                    arguments: StatementArguments([id] + chunk))
                found.formUnion(
                    try String.fetchAll(db, sql: "SELECT sha256 FROM blob WHERE sha256 IN (\(marks))", arguments: StatementArguments(chunk)))
            }
        }
        return found
    }

    func save(_ blobs: [NewBlob]) throws {
        guard !blobs.isEmpty else { return }
        history.checkpointInBackground()
        let path = history.path
        let added = try history.write { db -> [String] in
            var added: [String] = []
            for blob in blobs {
                switch blob.content {
                case .bytes(let bytes):
                    // Bound in place (SQLITE_STATIC): the bytes are not copied before SQLite's own copy.
                    let insert = try db.cachedStatement(
                        sql: "INSERT INTO blob (sha256, size, content, is_text) VALUES (?, ?, zeroblob(0), ?) ON CONFLICT (sha256) DO NOTHING")
                    let content = try db.cachedStatement(
                        sql: "INSERT INTO blob (sha256, size, content, is_text) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING")
                    if bytes.isEmpty {
                        try insert.execute(arguments: [blob.sha256, blob.size, blob.isText])
                    } else {
                        content.setUncheckedArguments([blob.sha256, blob.size, DatabaseValue.null, blob.isText])
                        try bytes.withUnsafeBytes { raw in
                            sqlite3_bind_blob(content.sqliteStatement, 3, raw.baseAddress, CInt(raw.count), nil)
                            defer { sqlite3_bind_null(content.sqliteStatement, 3) }
                            try content.execute()
                        }
                    }
                case .file:
                    try db.execute(
                        sql: "INSERT INTO blob (sha256, size, content, is_text) VALUES (?, ?, zeroblob(?), ?) ON CONFLICT (sha256) DO NOTHING",
                        arguments: [blob.sha256, blob.size, blob.size, blob.isText])
                }
                guard db.changesCount > 0 else { continue }  // stored meanwhile by another import
                let rowID = db.lastInsertedRowID
                if case .file(let spool) = blob.content {
                    try SQLiteHistory.writeBlob(rowID: rowID, fromFile: spool, size: blob.size, db: db, path: path)
                }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO ingest_claim (ingest_id, blob_sha256) VALUES (?, ?)", arguments: [id, blob.sha256])
                if blob.isText {
                    try SQLiteHistory.insertDocument(blob.document, sha256: blob.sha256, db: db)
                    if blob.size <= SQLiteHistory.maximumIndexedSize {
                        try db.execute(sql: "INSERT INTO search_backlog (blob_id) VALUES (?)", arguments: [rowID])
                    }
                }
                added.append(blob.sha256)
            }
            return added
        }
        stored += added
    }

    func commit(_ new: NewSnapshot) throws -> Snapshot {
        let writer = try history.writer
        let snapshotID: Int64
        do {
            snapshotID = try writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")  // what is reported recorded stays recorded
                defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
                var id: Int64 = 0
                try db.inTransaction(.immediate) {
                    id = try self.record(new, db: db)
                    return .commit
                }
                return id
            }
        } catch {
            throw SQLiteHistory.translate(error, path: history.path)
        }
        stored = []  // all referenced by the snapshot's tree now: nothing for `abandon` to check
        guard let snapshot = try history.snapshot(id: Int(snapshotID)) else {
            throw TemplateTrackError(.database, "snapshot \(snapshotID) vanished after it was recorded", at: [.file(history.path)])
        }
        return snapshot
    }

    private func record(_ new: NewSnapshot, db: Database) throws -> Int64 {
        let workspace = new.workspace
        try db.execute(
            sql: """
                INSERT INTO workspace (id, name, type, category) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    name = coalesce(excluded.name, name),
                    type = coalesce(excluded.type, type),
                    category = coalesce(excluded.category, category)
                """,
            arguments: [workspace.workspaceId, workspace.name, workspace.type, workspace.category])
        let treeID: Int64
        switch new.contents {
        case .knownArchive:
            guard let known = try Int64.fetchOne(db, sql: "SELECT tree_id FROM archive WHERE sha256 = ?", arguments: [new.archiveSHA256])
            else {
                throw TemplateTrackError(.database, "the zip recorded before has been pruned meanwhile; import it again", at: [.file(history.path)])
            }
            treeID = known
        case .entries(let entries):
            treeID = try tree(for: entries, db: db)
        }
        try db.execute(
            sql: "INSERT INTO archive (sha256, size, tree_id) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            arguments: [new.archiveSHA256, new.archiveSize, treeID])
        let archiveID = try Int64.fetchOne(db, sql: "SELECT id FROM archive WHERE sha256 = ?", arguments: [new.archiveSHA256])!
        try db.execute(sql: "INSERT INTO origin (text) VALUES (?) ON CONFLICT (text) DO NOTHING", arguments: [new.origin.text])
        let originID = try Int64.fetchOne(db, sql: "SELECT id FROM origin WHERE text = ?", arguments: [new.origin.text])!

        // Its place in the series: after every snapshot fetched at or before it.
        let time = Timestamp.milliseconds(new.fetchedAt)
        let series: [any DatabaseValueConvertible] = [workspace.workspaceId, new.api.rawValue]
        let previous = try Row.fetchOne(
            db,
            sql: """
                SELECT id, tree_id FROM snapshot WHERE workspace_id = ? AND api = ? AND fetched_at <= ?
                ORDER BY fetched_at DESC, id DESC LIMIT 1
                """,
            arguments: StatementArguments(series + [time]))
        let next = try Row.fetchOne(
            db,
            sql: """
                SELECT id, tree_id FROM snapshot WHERE workspace_id = ? AND api = ? AND fetched_at > ?
                ORDER BY fetched_at, id LIMIT 1
                """,
            arguments: StatementArguments(series + [time]))
        let previousTree: Int64? = previous?["tree_id"]
        try db.execute(
            sql: """
                INSERT INTO snapshot (workspace_id, api, fetched_at, origin_id, archive_id, tree_id, previous_id, changed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                workspace.workspaceId, new.api.rawValue, time, originID, archiveID, treeID, previous?["id"] as Int64?,
                previousTree != treeID,
            ])
        let snapshotID = db.lastInsertedRowID
        if let next {
            try db.execute(
                sql: "UPDATE snapshot SET previous_id = ?, changed = (tree_id <> ?) WHERE id = ?",
                arguments: [snapshotID, treeID, next["id"] as Int64])
        }
        try db.execute(sql: "DELETE FROM ingest_claim WHERE ingest_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM ingest WHERE id = ?", arguments: [id])
        return snapshotID
    }

    /// The tree with these entries: found by its digest, or inserted.
    private func tree(for entries: [TreeEntry], db: Database) throws -> Int64 {
        let digest = TreeDigest.of(entries)
        if let found = try Int64.fetchOne(db, sql: "SELECT id FROM tree WHERE sha256 = ?", arguments: [digest]) {
            return found
        }
        let files = entries.filter { !$0.isFolder }
        let needed = Set(files.compactMap(\.sha256))
        if !needed.isEmpty {
            let present = try storedCount(Array(needed), db: db)
            guard present == needed.count else {
                throw TemplateTrackError(
                    .database, "\(needed.count - present) of the zip's files were not stored; nothing was recorded",
                    at: [.file(history.path)])
            }
        }
        try db.execute(
            sql: "INSERT INTO tree (sha256, file_count, total_size) VALUES (?, ?, ?)",
            arguments: [digest, files.count, files.reduce(0) { $0 + $1.size }])
        let treeID = db.lastInsertedRowID
        let statement = try db.cachedStatement(
            sql: "INSERT INTO tree_entry (tree_id, path, blob_sha256, size) VALUES (?, ?, ?, ?)")
        for entry in entries {
            try statement.execute(arguments: [treeID, entry.path, entry.sha256, entry.size])
        }
        return treeID
    }

    private func storedCount(_ sha256s: [String], db: Database) throws -> Int {
        var count = 0
        for start in stride(from: 0, to: sha256s.count, by: 500) {
            let chunk = Array(sha256s[start..<min(start + 500, sha256s.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            count += try Int.fetchOne(db, sql: "SELECT count(*) FROM blob WHERE sha256 IN (\(marks))", arguments: StatementArguments(chunk)) ?? 0
        }
        return count
    }

    func abandon() {
        let stored = self.stored
        let id = self.id
        try? history.write { db in
            try db.execute(sql: "DELETE FROM ingest_claim WHERE ingest_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM ingest WHERE id = ?", arguments: [id])
            try SQLiteHistory.deleteUnreferencedBlobs(stored, db: db)
        }
        self.stored = []
    }
}

/// Once an import has stored file contents, the writer no longer stops every few megabytes to
/// copy the write-ahead log into the file (SQLite's automatic checkpoint, with its reads, writes
/// and fsync): a thread of its own does, with a connection of its own, in PASSIVE mode, which
/// never blocks the writer, until the history is closed.
final class BackgroundCheckpointer: @unchecked Sendable {
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        /// Sets the flag; true for the first call only.
        func raise() -> Bool { lock.withLock { defer { value = true }; return !value } }
        var isRaised: Bool { lock.withLock { value } }
    }
    private let stopping = Flag()
    private let finished = DispatchSemaphore(value: 0)
    private let wake = DispatchSemaphore(value: 0)
    private let writer: any DatabaseWriter
    private var started = false

    init(writer: any DatabaseWriter, path: String) {
        self.writer = writer
        guard (try? writer.writeWithoutTransaction({ db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") })) != nil,
            let connection = try? DatabaseQueue(path: path, configuration: SQLiteHistory.configuration(readOnly: false))
        else {
            _ = try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
            return
        }
        started = true
        let thread = Thread { [stopping, finished, wake] in
            defer {
                try? connection.close()
                finished.signal()
            }
            while !stopping.isRaised {
                _ = wake.wait(timeout: .now() + .milliseconds(20))
                _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
        }
        thread.start()
    }

    /// Ends the thread (and closes its connection) and gives checkpoints back to the writer;
    /// idempotent.
    func stop() {
        guard started, stopping.raise() else { return }
        wake.signal()
        finished.wait()
        _ = try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
    }
}
