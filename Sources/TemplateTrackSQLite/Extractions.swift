import Foundation
import GRDB
public import TemplateTrackBase
public import TemplateTrackHistory

extension SQLiteHistory: ExtractionLedger {
    public func extractedFiles(directory: String) throws -> [ExtractedFile] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT path, sha256 FROM extracted_file WHERE directory = ?", arguments: [directory])
                .map { ExtractedFile(path: $0["path"], sha256: $0["sha256"]) }
        }
    }

    public func recordPendingExtraction(directory: String, files: [ExtractedFile]) throws {
        try write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)")
            for file in files { try statement.execute(arguments: [directory, file.path, file.sha256]) }
        }
    }

    public func completeExtraction(directory: String, snapshot: Snapshot, files: [ExtractedFile]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM extracted_file WHERE directory = ?", arguments: [directory])
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO extracted_file (directory, path, sha256) VALUES (?, ?, ?)")
            for file in files { try statement.execute(arguments: [directory, file.path, file.sha256]) }
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

    public func extractionFolder(directory: String) throws -> String?? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT identity FROM extraction_folder WHERE directory = ?", arguments: [directory])
            else { return nil }
            return .some(row["identity"] as String?)
        }
    }

    public func recordCreatedFolder(directory: String, identity: String) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO extraction_folder (directory, created_at, identity) VALUES (?, ?, ?)
                    ON CONFLICT (directory) DO UPDATE SET created_at = excluded.created_at, identity = excluded.identity
                    """,
                arguments: [directory, Timestamp.precise(Date()), identity])
        }
    }

    public func forgetCreatedFolders(identities: [String]) throws {
        guard !identities.isEmpty else { return }
        try write { db in
            for identity in identities {
                // Also as an older version recorded it: device and inode alone.
                let deviceAndInode = identity.split(separator: ":").prefix(2).joined(separator: ":")
                let directories = try String.fetchAll(
                    db, sql: "SELECT directory FROM extraction_folder WHERE identity IN (?, ?)",
                    arguments: [identity, deviceAndInode])
                for directory in directories { try forget(directory: directory, in: db) }
            }
        }
    }

    public func forgetExtraction(directory: String) throws {
        try write { db in try forget(directory: directory, in: db) }
    }

    private func forget(directory: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM extracted_file WHERE directory = ?", arguments: [directory])
        try db.execute(sql: "DELETE FROM extraction_folder WHERE directory = ?", arguments: [directory])
        try db.execute(sql: "DELETE FROM extraction WHERE directory = ?", arguments: [directory])
    }
}
