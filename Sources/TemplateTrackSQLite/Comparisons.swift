public import Foundation
import GRDB
public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

extension SQLiteHistory {
    public func comparison(_ pair: TreePair) throws -> TreeComparison? {
        let detail = try read { db in
            try String.fetchOne(
                db, sql: "SELECT detail FROM tree_comparison WHERE from_tree_id = ? AND to_tree_id = ?",
                arguments: [pair.from.rawValue, pair.to.rawValue])
        }
        // A stored comparison is derived data: one that cannot be read (written by another
        // version, say) is computed again rather than failing the command.
        return detail.flatMap { try? JSONDecoder().decode(TreeComparison.self, from: Data($0.utf8)) }
    }

    public func comparisonSummaries(_ pairs: [TreePair]) throws -> [TreePair: ComparisonSummary] {
        var result: [TreePair: ComparisonSummary] = [:]
        let unique = Array(Set(pairs))
        try read { db in
            for start in stride(from: 0, to: unique.count, by: 400) {
                let chunk = unique[start..<min(start + 400, unique.count)]
                let values = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
                let arguments = chunk.flatMap { [$0.from.rawValue, $0.to.rawValue] }
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM tree_comparison WHERE (from_tree_id, to_tree_id) IN (VALUES \(values))
                        """,
                    arguments: StatementArguments(arguments))
                {
                    let moves = (try? JSONDecoder().decode([VersionMove].self, from: Data((row["version_moves"] as String).utf8))) ?? []
                    let summary = ComparisonSummary(
                        files: FileCounts(
                            added: row["files_added"], removed: row["files_removed"], modified: row["files_modified"],
                            renamed: row["files_renamed"]),
                        templatesAdded: row["templates_added"], templatesRemoved: row["templates_removed"],
                        templatesModified: row["templates_modified"], templatesRenamed: row["templates_renamed"],
                        lookupsChanged: row["lookups_changed"], breaking: row["breaking"], versionMoves: moves)
                    result[TreePair(from: TreeID(row["from_tree_id"]), to: TreeID(row["to_tree_id"]))] = summary
                }
            }
        }
        return result
    }

    public func saveComparison(_ comparison: TreeComparison, for pair: TreePair) throws {
        let summary = comparison.summary
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let detail = String(decoding: try encoder.encode(comparison), as: UTF8.self)
        let moves = String(decoding: try encoder.encode(summary.versionMoves), as: UTF8.self)
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO tree_comparison (from_tree_id, to_tree_id, files_added, files_removed, files_modified,
                        files_renamed, templates_added, templates_removed, templates_modified, templates_renamed,
                        lookups_changed, breaking, version_moves, detail)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
                    WHERE EXISTS (SELECT 1 FROM tree WHERE id = ?) AND EXISTS (SELECT 1 FROM tree WHERE id = ?)
                    ON CONFLICT DO NOTHING
                    """,
                arguments: [
                    pair.from.rawValue, pair.to.rawValue, summary.files.added, summary.files.removed,
                    summary.files.modified, summary.files.renamed, summary.templatesAdded, summary.templatesRemoved,
                    summary.templatesModified, summary.templatesRenamed, summary.lookupsChanged, summary.breaking, moves,
                    detail, pair.from.rawValue, pair.to.rawValue,
                ])
        }
    }

    public func pairsMissingComparison() throws -> [TreePair] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT p.tree_id AS from_tree, s.tree_id AS to_tree
                    FROM snapshot s JOIN snapshot p ON p.id = s.previous_id
                    WHERE s.changed AND NOT EXISTS (
                        SELECT 1 FROM tree_comparison c WHERE c.from_tree_id = p.tree_id AND c.to_tree_id = s.tree_id)
                    """
            ).map { TreePair(from: TreeID($0["from_tree"]), to: TreeID($0["to_tree"])) }
        }
    }

    /// Reads text blobs recorded before templates were read (a history from an older
    /// TemplateTrack), once each; returns how many.
    public func recognizeUnreadBlobs() throws -> Int {
        let query = "SELECT sha256 FROM blob WHERE is_text AND sha256 NOT IN (SELECT blob_sha256 FROM recognized_blob)"
        guard try read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS (\(query))") ?? false }) else { return 0 }
        let path = self.path
        return try write { db in
            let pending = try String.fetchAll(db, sql: query)
            for sha256 in pending {
                var bytes: [UInt8] = []
                try Self.readBlob(sha256: sha256, db: db, path: path, limit: 4096) { bytes.append(contentsOf: $0) }
                var document: RecognizedDocument?
                if TemplateRecognizer.mayRecognize(prefix: bytes) {
                    bytes.removeAll()
                    try Self.readBlob(sha256: sha256, db: db, path: path, limit: Self.maximumIndexedSize) {
                        bytes.append(contentsOf: $0)
                    }
                    document = TemplateRecognizer.recognize(bytes)
                }
                try Self.insertDocument(document, sha256: sha256, db: db)
            }
            return pending.count
        }
    }
}
