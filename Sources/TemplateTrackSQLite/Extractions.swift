public import Foundation
import GRDB
public import TemplateTrackBase
public import TemplateTrackHistory

extension SQLiteHistory: ExtractionLedger {
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

    public func recordPendingExtraction(directory: String, files: [String: String]) throws {
        try write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)")
            for (path, sha256) in files { try statement.execute(arguments: [directory, path, sha256]) }
        }
    }

    public func completeExtraction(directory: String, snapshot: Snapshot, files: [String: String]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM extracted_file WHERE directory = ?", arguments: [directory])
            let statement = try db.cachedStatement(
                sql: "INSERT INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)")
            for (path, sha256) in files { try statement.execute(arguments: [directory, path, sha256]) }
            try db.execute(
                sql: """
                    INSERT INTO extraction (directory, workspace_id, snapshot_id, extracted_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (directory) DO UPDATE SET
                        workspace_id = excluded.workspace_id, snapshot_id = excluded.snapshot_id,
                        extracted_at = excluded.extracted_at
                    """,
                arguments: [directory, snapshot.workspace, snapshot.id, Timestamp.precise(Date())])
        }
    }

    public func extractionCreatedFolder(directory: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM extraction_folder WHERE directory = ?)", arguments: [directory]) ?? false
        }
    }

    public func recordCreatedFolder(directory: String) throws {
        try write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO extraction_folder (directory, created_at) VALUES (?, ?)",
                arguments: [directory, Timestamp.precise(Date())])
        }
    }
}
