import Foundation
import GRDB
import TemplateTrackBase

extension HistoryDatabase {
    /// The files `extract` last wrote into `directory` (absolute): path -> SHA-256 written.
    public func extractedFiles(directory: String) throws -> [String: String] {
        try read { db in
            var files: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT path, sha256 FROM extracted_file WHERE directory = ?", arguments: [directory])
            {
                files[row["path"]] = row["sha256"]
            }
            return files
        }
    }

    /// Remembers that `directory` now holds `files` (path -> SHA-256) from `snapshot`.
    public func recordExtraction(directory: String, snapshot: Snapshot, files: [String: String]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM extraction WHERE directory = ?", arguments: [directory])
            try db.execute(
                sql: "INSERT INTO extraction (directory, workspace_id, snapshot_id, extracted_at) VALUES (?, ?, ?, ?)",
                arguments: [directory, snapshot.workspace, snapshot.id, Timestamp.storage(Date())])
            for (path, sha256) in files {
                try db.execute(
                    sql: "INSERT INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)",
                    arguments: [directory, path, sha256])
            }
        }
    }
}
