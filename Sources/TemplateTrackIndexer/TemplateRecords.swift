import Foundation
import GRDB
import TemplateTrackBase
import TemplateTrackTemplates

/// Everything template-shaped in one snapshot.
public struct TemplateInventory: Sendable {
    /// Templates from definitions files.
    public var definitions: [FoundTemplate]
    /// Tab-separated `.txt` templates.
    public var textTemplates: [FoundTemplate]
    public var lookups: [LookupTable]

    /// The templates to compare: the definitions, or the `.txt` templates where a zip has no
    /// definitions file.
    /// A template defined identically in several files (the array and a per-template file)
    /// counts once, where first found.
    public var templates: [FoundTemplate] {
        var seen: Set<Template> = []
        return (definitions.isEmpty ? textTemplates : definitions).filter { seen.insert($0.template).inserted }
    }

    /// Where a `.txt` template disagrees with its definition.
    public var inconsistencies: [Inconsistency] {
        TemplateComparer.inconsistencies(definitions: definitions, textTemplates: textTemplates)
    }
}

extension HistoryDatabase {
    /// Reads a text blob's bytes and records what template data it holds.
    func recognize(sha256: String, db: Database) throws {
        var bytes: [UInt8] = []
        try readContent(sha256: sha256, db: db, limit: 4096) { bytes.append(contentsOf: $0) }
        var document: RecognizedDocument?
        if TemplateRecognizer.mayRecognize(prefix: bytes) {
            bytes.removeAll()
            try readContent(sha256: sha256, db: db) { bytes.append(contentsOf: $0) }
            document = TemplateRecognizer.recognize(bytes)
        }
        try db.execute(
            sql: "INSERT INTO recognized_blob (blob_sha256, kind) VALUES (?, ?)",
            arguments: [sha256, document?.kind ?? "other"])
        switch document {
        case .definitions(let templates):
            for (ordinal, template) in templates.enumerated() { try insert(template, ordinal: ordinal, sha256: sha256, db: db) }
        case .textTemplate(let template):
            try insert(template, ordinal: 0, sha256: sha256, db: db)
        case .lookups(let tables):
            for (ordinal, table) in tables.enumerated() {
                try db.execute(
                    sql: "INSERT INTO lookup_table (blob_sha256, ordinal, name) VALUES (?, ?, ?)",
                    arguments: [sha256, ordinal, table.name])
                let tableID = db.lastInsertedRowID
                for (position, value) in table.values.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO lookup_value (table_id, position, name, description, link) VALUES (?, ?, ?, ?, ?)",
                        arguments: [tableID, position, value.name, value.description, value.link])
                }
            }
        case nil:
            break
        }
    }

    private func insert(_ template: Template, ordinal: Int, sha256: String, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO template (blob_sha256, ordinal, source, name, file_name, schema_version, template_type, properties)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sha256, ordinal, template.source.rawValue, template.name, template.fileName, template.schemaVersion,
                template.templateType, JSONValue.object(template.properties).jsonText,
            ])
        let templateID = db.lastInsertedRowID
        for (blockPosition, block) in template.blocks.enumerated() {
            try db.execute(
                sql: "INSERT INTO template_block (template_id, position, name, attributes) VALUES (?, ?, ?, ?)",
                arguments: [templateID, blockPosition, block.name, JSONValue.object(block.attributes).jsonText])
            for (position, column) in block.columns.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO template_column (template_id, block_position, position, name, attributes)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        templateID, blockPosition, position, column.name, JSONValue.object(column.attributes).jsonText,
                    ])
            }
        }
    }

    /// Recognizes text blobs recorded before templates were read (a database from an older
    /// TemplateTrack), once, in one transaction.
    func recognizePendingBlobs() throws {
        let query = "SELECT sha256 FROM blob WHERE is_text AND sha256 NOT IN (SELECT blob_sha256 FROM recognized_blob)"
        // Read first: read-only commands take no write lock when there is nothing to do.
        guard try read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS (\(query))") ?? false }) else { return }
        try write { db in
            for sha256 in try String.fetchAll(db, sql: query) { try recognize(sha256: sha256, db: db) }
        }
    }

    /// The templates, text templates and lookup tables of `snapshot`.
    public func templates(of snapshot: Snapshot) throws -> TemplateInventory {
        try read { db in
            let templateRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.*, e.path FROM snapshot s
                    JOIN tree_entry e ON e.tree_id = s.tree_id
                    JOIN template t ON t.blob_sha256 = e.blob_sha256
                    WHERE s.id = ? ORDER BY e.path, t.ordinal
                    """,
                arguments: [snapshot.id])
            var definitions: [FoundTemplate] = []
            var texts: [FoundTemplate] = []
            for row in templateRows {
                let templateID: Int64 = row["id"]
                var blocks = try Row.fetchAll(
                    db, sql: "SELECT name, attributes FROM template_block WHERE template_id = ? ORDER BY position",
                    arguments: [templateID]
                ).map { TemplateBlock(name: $0["name"], columns: [], attributes: JSONValue.parse($0["attributes"]).object ?? [:]) }
                for column in try Row.fetchAll(
                    db, sql: "SELECT * FROM template_column WHERE template_id = ? ORDER BY block_position, position",
                    arguments: [templateID])
                {
                    let position: Int = column["block_position"]
                    blocks[position].columns.append(
                        TemplateColumn(name: column["name"], attributes: JSONValue.parse(column["attributes"]).object ?? [:]))
                }
                let source = TemplateSource(rawValue: row["source"]) ?? .definitions
                let template = Template(
                    name: row["name"], fileName: row["file_name"], schemaVersion: row["schema_version"],
                    templateType: row["template_type"], properties: JSONValue.parse(row["properties"]).object ?? [:],
                    blocks: blocks, source: source)
                let found = FoundTemplate(template: template, path: row["path"])
                if source == .definitions { definitions.append(found) } else { texts.append(found) }
            }
            var lookups: [LookupTable] = []
            let tables = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.name FROM snapshot s JOIN tree_entry e ON e.tree_id = s.tree_id
                    JOIN lookup_table l ON l.blob_sha256 = e.blob_sha256
                    WHERE s.id = ? ORDER BY e.path, l.ordinal
                    """,
                arguments: [snapshot.id])
            for table in tables {
                let values = try Row.fetchAll(
                    db, sql: "SELECT name, description, link FROM lookup_value WHERE table_id = ? ORDER BY position",
                    arguments: [table["id"] as Int64])
                lookups.append(
                    LookupTable(
                        name: table["name"],
                        values: values.map { LookupTable.Value(name: $0["name"], description: $0["description"], link: $0["link"]) }))
            }
            return TemplateInventory(definitions: definitions, textTemplates: texts, lookups: lookups)
        }
    }
}
