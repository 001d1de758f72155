import Crypto
import Foundation
import GRDB
import GRDBSQLite
import TemplateTrackBase
import TemplateTrackExtractor

/// Where a snapshot came from, stored with it.
public enum SnapshotOrigin: Sendable {
    /// Downloaded by `sync` from this URL.
    case sync(url: String)
    /// Imported from a zip on disk.
    case `import`(file: String)

    var text: String {
        switch self {
        case .sync(let url): "sync \(url)"
        case .import(let file): "import \((file as NSString).lastPathComponent)"
        }
    }
}

extension HistoryDatabase {
    /// Records a checked archive as a new snapshot of `workspace`, in one transaction.
    ///
    /// Bytes already in the history are not stored again; contents equal to an earlier
    /// snapshot's reuse its tree, so no file rows are added. New contents are streamed from
    /// the zip into SQLite in chunks, never whole in memory.
    @discardableResult
    public func record(
        _ archive: ScannedArchive, workspace: Workspace, fetchedAt: Date, origin: SnapshotOrigin
    ) throws -> Snapshot {
        let treeDigest = Self.treeDigest(of: archive.entries)
        let id = try write { db -> Int64 in
            try db.execute(
                sql: """
                    INSERT INTO workspace (id, name, type, category) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        name = coalesce(excluded.name, name),
                        type = coalesce(excluded.type, type),
                        category = coalesce(excluded.category, category)
                    """,
                arguments: [workspace.workspaceId, workspace.name, workspace.type, workspace.category])
            let treeID = try Int64.fetchOne(db, sql: "SELECT id FROM tree WHERE sha256 = ?", arguments: [treeDigest])
                ?? insertTree(archive, digest: treeDigest, db: db)
            try db.execute(
                sql: """
                    INSERT INTO snapshot (workspace_id, fetched_at, origin, archive_sha256, archive_size, tree_id)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    workspace.workspaceId, Timestamp.storage(fetchedAt), origin.text, archive.sha256, archive.size,
                    treeID,
                ])
            return db.lastInsertedRowID
        }
        guard let snapshot = try snapshot(id: Int(id)) else {
            throw TemplateTrackError(.database, "snapshot \(id) vanished after it was recorded", at: [.file(path)])
        }
        return snapshot
    }

    private func insertTree(_ archive: ScannedArchive, digest: String, db: Database) throws -> Int64 {
        let files = archive.files
        try db.execute(
            sql: "INSERT INTO tree (sha256, file_count, total_size) VALUES (?, ?, ?)",
            arguments: [digest, files.count, files.reduce(0) { $0 + $1.size }])
        let treeID = db.lastInsertedRowID
        var zip: ZipArchive?  // opened on this thread, only if some bytes are new
        for entry in archive.entries {
            if let sha256 = entry.sha256,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM blob WHERE sha256 = ?", arguments: [sha256]) == nil
            {
                if zip == nil { zip = try ZipArchive(path: archive.path) }
                try storeBlob(entry, from: zip!, db: db)
            }
            try db.execute(
                sql: "INSERT INTO tree_entry (tree_id, path, blob_sha256, size) VALUES (?, ?, ?, ?)",
                arguments: [treeID, entry.path, entry.sha256, entry.size])
        }
        return treeID
    }

    /// Streams one entry from the zip into a zero-filled blob row, checking it hashes as scanned.
    private func storeBlob(_ entry: ArchiveEntry, from zip: ZipArchive, db: Database) throws {
        let places: [TemplateTrackError.Place] = [.file(zip.path), .entry(entry.path)]
        guard entry.size <= Int64(Int32.max) else {
            throw TemplateTrackError(.invalidArchive, "entries over 2 GiB are not supported", at: places)
        }
        try db.execute(
            sql: "INSERT INTO blob (sha256, size, content, is_text) VALUES (?, ?, zeroblob(?), ?)",
            arguments: [entry.sha256, entry.size, entry.size, entry.isText])
        let rowID = db.lastInsertedRowID
        try writeBytes(entry, rowID: rowID, from: zip, db: db)
        if entry.isText, entry.size <= Self.maximumIndexedSize {
            // FTS5 reads the text back from blob, now that the bytes are in place.
            try db.execute(
                sql: "INSERT INTO blob_text (rowid, content) SELECT id, content FROM blob WHERE id = ?",
                arguments: [rowID])
            try recognize(sha256: entry.sha256!, db: db)
        } else if entry.isText {
            // Too large to be one of ImmPort's template files; not read again.
            try db.execute(
                sql: "INSERT INTO recognized_blob (blob_sha256, kind) VALUES (?, 'other')", arguments: [entry.sha256])
        }
    }

    private func writeBytes(_ entry: ArchiveEntry, rowID: Int64, from zip: ZipArchive, db: Database) throws {
        let places: [TemplateTrackError.Place] = [.file(zip.path), .entry(entry.path)]
        guard entry.size > 0 else { return }
        let info = try zip.entry(at: entry.index)
        guard info.name == entry.path, info.size == entry.size else {
            throw TemplateTrackError(.invalidArchive, "the zip changed while it was being recorded", at: places)
        }
        var handle: OpaquePointer?
        guard sqlite3_blob_open(db.sqliteConnection, "main", "blob", "content", rowID, 1, &handle) == SQLITE_OK
        else {
            throw TemplateTrackError(.database, "cannot open blob for writing: \(db.lastErrorMessage ?? "")", at: places)
        }
        defer { sqlite3_blob_close(handle) }
        var offset: Int32 = 0
        let sha256 = try zip.read(info) { chunk in
            guard sqlite3_blob_write(handle, chunk.baseAddress, Int32(chunk.count), offset) == SQLITE_OK else {
                throw TemplateTrackError(.database, "cannot write blob", at: places)
            }
            offset += Int32(chunk.count)
        }
        guard sha256 == entry.sha256 else {
            throw TemplateTrackError(.invalidArchive, "the zip changed while it was being recorded", at: places)
        }
    }

    /// Text larger than this is stored but not indexed for search (FTS5 reads it whole).
    static let maximumIndexedSize: Int64 = 32 << 20

    /// A digest of a zip's contents that ignores entry order, timestamps and compression.
    static func treeDigest(of entries: [ArchiveEntry]) -> String {
        var hasher = SHA256()
        for entry in entries.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            hasher.update(data: Array(entry.path.utf8) + [0] + Array((entry.sha256 ?? "").utf8) + [0])
        }
        return hasher.finalize().hex
    }
}
