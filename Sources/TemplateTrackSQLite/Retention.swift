public import Foundation
import GRDB
public import TemplateTrackBase
public import TemplateTrackHistory

extension SQLiteHistory: RetentionStore {
    public func forget(_ snapshots: [Int]) throws {
        try write { db in
            for id in snapshots {
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT previous_id, tree_id FROM snapshot WHERE id = ?", arguments: [id])
                else {
                    throw TemplateTrackError(.notFound, "no snapshot \(id)", at: [.file(path)])
                }
                let previous: Int64? = row["previous_id"]
                let previousTree: Int64? = try previous.flatMap {
                    try Int64.fetchOne(db, sql: "SELECT tree_id FROM snapshot WHERE id = ?", arguments: [$0])
                }
                // The one after it now follows the one before it.
                try db.execute(
                    sql: "UPDATE snapshot SET previous_id = ?, changed = (? IS NULL OR tree_id <> ?) WHERE previous_id = ?",
                    arguments: [previous, previousTree, previousTree, id])
                try db.execute(sql: "DELETE FROM snapshot WHERE id = ?", arguments: [id])
            }
        }
    }

    public func collectGarbage() throws -> GarbageReport {
        try collectAbandonedIngests()
        let before = fileSize()
        let (trees, blobs, bytes) = try write { db -> (Int, Int, Int64) in
            try db.execute(sql: "DELETE FROM archive WHERE id NOT IN (SELECT archive_id FROM snapshot)")
            try db.execute(sql: "DELETE FROM origin WHERE id NOT IN (SELECT origin_id FROM snapshot)")
            let unreferenced = """
                SELECT id FROM tree WHERE id NOT IN (SELECT tree_id FROM snapshot)
                                     AND id NOT IN (SELECT tree_id FROM archive)
                """
            let trees = try Int64.fetchAll(db, sql: unreferenced)
            for tree in trees {
                try db.execute(
                    sql: "DELETE FROM tree_comparison WHERE from_tree_id = ? OR to_tree_id = ?", arguments: [tree, tree])
                try db.execute(sql: "DELETE FROM tree_entry WHERE tree_id = ?", arguments: [tree])
                try db.execute(sql: "DELETE FROM tree WHERE id = ?", arguments: [tree])
            }
            let orphans = try String.fetchAll(
                db,
                sql: """
                    SELECT sha256 FROM blob b
                    WHERE NOT EXISTS (SELECT 1 FROM tree_entry e WHERE e.blob_sha256 = b.sha256)
                      AND NOT EXISTS (SELECT 1 FROM ingest_claim c WHERE c.blob_sha256 = b.sha256)
                    """)
            let (blobs, bytes) = try Self.deleteUnreferencedBlobs(orphans, db: db)
            return (trees.count, blobs, bytes)
        }
        try shrink()
        return GarbageReport(trees: trees, blobs: blobs, bytes: bytes, fileSizeBefore: before, fileSizeAfter: fileSize())
    }

    /// Returns free pages to the file system: incrementally where the file allows it, else by
    /// one VACUUM that also switches it to incremental vacuuming.
    private func shrink() throws {
        let writer = try self.writer
        stopBackgroundCheckpoints()
        do {
            try writer.writeWithoutTransaction { db in
                let mode = try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
                if mode == 2 {
                    try db.execute(sql: "PRAGMA incremental_vacuum")
                } else {
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                    try db.execute(sql: "VACUUM")
                }
                // Another process's checkpoint makes this one busy at once (no busy handler
                // for the checkpoint lock): retried for up to two seconds.
                for attempt in 1... {
                    do {
                        try db.checkpoint(.truncate)
                        break
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 200 {
                        usleep(10_000)
                    }
                }
            }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    private func fileSize() -> Int64 {
        var total: Int64 = 0
        for suffix in ["", "-wal"] {
            var info = stat()
            if stat(path + suffix, &info) == 0 { total += Int64(info.st_size) }
        }
        return total
    }
}
