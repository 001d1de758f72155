import Foundation
import TemplateTrackCheck
import Testing

/// The package's root folder, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// ImmPort's real definitions and lookups in `../shared/immport` (beside the package), read
/// in place and never copied. Tests that need them are skipped when the folder is absent.
enum ImmPort {
    static let folder = packageRoot.deletingLastPathComponent().appending(path: "shared/immport")

    static var isAvailable: Bool {
        ["templates-3.15.json", "templates-3.18.json", "lookups-3.15.json", "lookups-3.18.json"].allSatisfy {
            FileManager.default.fileExists(atPath: folder.appending(path: $0).path)
        }
    }

    static let skipNote = Comment(
        rawValue: "../shared/immport is absent: ImmPort's real 3.15 and 3.18 definitions are not here, so this test is skipped")

    static func definitionsPath(_ version: String) -> String { folder.appending(path: "templates-\(version).json").path }
    static func lookupsPath(_ version: String) -> String { folder.appending(path: "lookups-\(version).json").path }

    /// The library's catalog of a version (the code under test reads it).
    static func catalog(_ version: String) throws -> TemplateCatalog {
        try TemplateCatalog(definitionsAt: definitionsPath(version), lookupsAt: lookupsPath(version))
    }

    /// The definitions as plain JSON, read independently of the library, for expectations.
    static func rawTemplates(_ version: String) throws -> [RawTemplate] {
        let data = try Data(contentsOf: URL(fileURLWithPath: definitionsPath(version)))
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return array.map(RawTemplate.init)
    }

    /// Lookup table name -> value names, the marker row left out by the tests' own reading of the rule.
    static func rawLookups(_ version: String) throws -> [String: [String]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: lookupsPath(version)))
        let array = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var tables: [String: [String]] = [:]
        for table in array {
            guard let name = table["name"] as? String else { continue }
            var values = (table["rows"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            if let first = values.first, isMarker(first) { values.removeFirst() }
            tables[name] = values
        }
        return tables
    }

    /// `severity_preferred`, `disease_preferred ;\ndisease_ontology_id`: identifiers, one ending in `_preferred`.
    static func isMarker(_ name: String) -> Bool {
        let parts = name.components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let identifier = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789_")
        return parts.contains { $0.hasSuffix("_preferred") }
            && parts.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy(identifier.contains) }
    }
}

/// One template definition as plain JSON.
struct RawTemplate {
    var name: String
    var fileName: String
    var schemaVersion: String
    var isCompound: Bool
    var blocks: [RawBlock]

    init(_ json: [String: Any]) {
        name = json["name"] as? String ?? ""
        fileName = json["fileName"] as? String ?? ""
        schemaVersion = json["schemaVersion"] as? String ?? ""
        if let blocks = json["templates"] as? [[String: Any]] {
            isCompound = true
            self.blocks = blocks.map {
                RawBlock(
                    name: $0["name"] as? String, required: ($0["templateRequired"] as? String) == "yes",
                    columns: ($0["columns"] as? [[String: Any]] ?? []).map(RawColumn.init))
            }
        } else {
            isCompound = false
            blocks = [RawBlock(name: nil, required: true, columns: (json["columns"] as? [[String: Any]] ?? []).map(RawColumn.init))]
        }
    }
}

struct RawBlock {
    var name: String?
    var required: Bool
    var columns: [RawColumn]
}

struct RawColumn {
    var name: String
    var required: Bool
    var dataType: String?
    var columnType: String?
    var vocabulary: String?
    var preferred: String?

    init(_ json: [String: Any]) {
        name = json["templateColumn"] as? String ?? ""
        required = json["required"] as? Bool ?? false
        dataType = json["jsonDataType"] as? String
        columnType = json["columnType"] as? String
        vocabulary = json["cvTableName"] as? String
        preferred = json["pvTableName"] as? String
    }

    /// N of `varchar(N)`.
    var maximumLength: Int? {
        guard let type = columnType, type.hasPrefix("varchar(") else { return nil }
        return Int(type.dropFirst(8).dropLast())
    }
}
