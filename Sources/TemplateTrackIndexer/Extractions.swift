import Foundation
import GRDB
import TemplateTrackBase

extension HistoryDatabase {
    /// The files `extract` wrote into `directory` (absolute): path -> every SHA-256 it may
    /// have left there.
    public func extractedFiles(directory: String) throws -> [String: Set<String>] {
        try read { db in
            var files: [String: Set<String>] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT path, sha256 FROM extracted_file WHERE directory = ?", arguments: [directory])
            {
                files[row["path"], default: []].insert(row["sha256"])
            }
            return files
        }
    }

    /// Before the swap: adds `files` (path -> SHA-256) to what the tool owns in `directory`.
    public func recordPendingExtraction(directory: String, files: [String: String]) throws {
        try write { db in
            for (path, sha256) in files {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)",
                    arguments: [directory, path, sha256])
            }
        }
    }

    /// After the swap: `directory` holds exactly `files` from `snapshot`; older records go.
    public func completeExtraction(directory: String, snapshot: Snapshot, files: [String: String]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM extracted_file WHERE directory = ?", arguments: [directory])
            for (path, sha256) in files {
                try db.execute(
                    sql: "INSERT INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)",
                    arguments: [directory, path, sha256])
            }
            try db.execute(
                sql: """
                    INSERT INTO extraction (directory, workspace_id, snapshot_id, extracted_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (directory) DO UPDATE SET
                        workspace_id = excluded.workspace_id, snapshot_id = excluded.snapshot_id,
                        extracted_at = excluded.extracted_at
                    """,
                arguments: [directory, snapshot.workspace, snapshot.id, Timestamp.storage(Date())])
        }
    }
}
