public import Foundation
import GRDB
public import TemplateTrackBase
public import TemplateTrackHistory
public import TemplateTrackTemplates

extension SQLiteHistory {
    /// Records what a text blob was recognized as, and the templates or lookups it holds.
    static func insertDocument(_ document: RecognizedDocument?, sha256: String, db: Database) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO recognized_blob (blob_sha256, kind) VALUES (?, ?)",
            arguments: [sha256, document?.kind ?? "other"])
        guard db.changesCount > 0 else { return }
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
                let statement = try db.cachedStatement(
                    sql: "INSERT INTO lookup_value (table_id, position, name, description, link) VALUES (?, ?, ?, ?, ?)")
                for (position, value) in table.values.enumerated() {
                    try statement.execute(arguments: [tableID, position, value.name, value.description, value.link])
                }
            }
        case nil:
            break
        }
    }

    private static func insert(_ template: Template, ordinal: Int, sha256: String, db: Database) throws {
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
        let column = try db.cachedStatement(
            sql: "INSERT INTO template_column (template_id, block_position, position, name, attributes) VALUES (?, ?, ?, ?, ?)")
        for (blockPosition, block) in template.blocks.enumerated() {
            try db.execute(
                sql: "INSERT INTO template_block (template_id, position, name, attributes) VALUES (?, ?, ?, ?)",
                arguments: [templateID, blockPosition, block.name, JSONValue.object(block.attributes).jsonText])
            for (position, entry) in block.columns.enumerated() {
                try column.execute(
                    arguments: [templateID, blockPosition, position, entry.name, JSONValue.object(entry.attributes).jsonText])
            }
        }
    }

    /// Removes what was recorded from a blob (before the blob itself goes).
    static func deleteDocument(sha256: String, db: Database) throws {
        let templates = "SELECT id FROM template WHERE blob_sha256 = ?"
        try db.execute(sql: "DELETE FROM template_column WHERE template_id IN (\(templates))", arguments: [sha256])
        try db.execute(sql: "DELETE FROM template_block WHERE template_id IN (\(templates))", arguments: [sha256])
        try db.execute(sql: "DELETE FROM template WHERE blob_sha256 = ?", arguments: [sha256])
        let tables = "SELECT id FROM lookup_table WHERE blob_sha256 = ?"
        try db.execute(sql: "DELETE FROM lookup_value WHERE table_id IN (\(tables))", arguments: [sha256])
        try db.execute(sql: "DELETE FROM lookup_table WHERE blob_sha256 = ?", arguments: [sha256])
        try db.execute(sql: "DELETE FROM recognized_blob WHERE blob_sha256 = ?", arguments: [sha256])
    }

    public func templates(of tree: TreeID) throws -> TemplateInventory {
        try read { db in try Self.templates(of: tree, db: db) }
    }

    /// Five queries whatever the number of templates: templates, blocks, columns, tables, values.
    static func templates(of tree: TreeID, db: Database) throws -> TemplateInventory {
        let inTree = "SELECT DISTINCT e.blob_sha256 FROM tree_entry e WHERE e.tree_id = ?1 AND e.blob_sha256 IS NOT NULL"
        let templateRows = try Row.fetchAll(
            db,
            sql: """
                SELECT t.id, t.source, t.name, t.file_name, t.schema_version, t.template_type, t.properties, e.path
                FROM tree_entry e JOIN template t ON t.blob_sha256 = e.blob_sha256
                WHERE e.tree_id = ?1 ORDER BY e.path, t.ordinal
                """,
            arguments: [tree.rawValue])
        var blocks: [Int64: [TemplateBlock]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT b.template_id, b.name, b.attributes FROM template t JOIN template_block b ON b.template_id = t.id
                WHERE t.blob_sha256 IN (\(inTree)) ORDER BY b.template_id, b.position
                """,
            arguments: [tree.rawValue])
        {
            blocks[row["template_id"], default: []].append(
                TemplateBlock(name: row["name"], columns: [], attributes: JSONValue.parse(row["attributes"]).object ?? [:]))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT c.template_id, c.block_position, c.name, c.attributes
                FROM template t JOIN template_column c ON c.template_id = t.id
                WHERE t.blob_sha256 IN (\(inTree)) ORDER BY c.template_id, c.block_position, c.position
                """,
            arguments: [tree.rawValue])
        {
            let id: Int64 = row["template_id"]
            let position: Int = row["block_position"]
            guard let count = blocks[id]?.count, position < count else { continue }
            blocks[id]![position].columns.append(
                TemplateColumn(name: row["name"], attributes: JSONValue.parse(row["attributes"]).object ?? [:]))
        }
        var definitions: [FoundTemplate] = []
        var texts: [FoundTemplate] = []
        for row in templateRows {
            let source = TemplateSource(rawValue: row["source"]) ?? .definitions
            let template = Template(
                name: row["name"], fileName: row["file_name"], schemaVersion: row["schema_version"],
                templateType: row["template_type"], properties: JSONValue.parse(row["properties"]).object ?? [:],
                blocks: blocks[row["id"]] ?? [], source: source)
            let found = FoundTemplate(template: template, path: row["path"])
            if source == .definitions { definitions.append(found) } else { texts.append(found) }
        }
        let tableRows = try Row.fetchAll(
            db,
            sql: """
                SELECT l.id, l.name FROM tree_entry e JOIN lookup_table l ON l.blob_sha256 = e.blob_sha256
                WHERE e.tree_id = ?1 ORDER BY e.path, l.ordinal
                """,
            arguments: [tree.rawValue])
        var values: [Int64: [LookupTable.Value]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT v.table_id, v.name, v.description, v.link FROM lookup_table l JOIN lookup_value v ON v.table_id = l.id
                WHERE l.blob_sha256 IN (\(inTree)) ORDER BY v.table_id, v.position
                """,
            arguments: [tree.rawValue])
        {
            values[row["table_id"], default: []].append(
                LookupTable.Value(name: row["name"], description: row["description"], link: row["link"]))
        }
        let lookups = tableRows.map { LookupTable(name: $0["name"], values: values[$0["id"]] ?? []) }
        return TemplateInventory(definitions: definitions, textTemplates: texts, lookups: lookups)
    }
}
