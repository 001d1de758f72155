import Foundation

/// Builds filled-in templates from a raw definition with values its rules accept, chosen
/// where possible so they stay accepted in the other version too (so that changes between
/// versions show only where the tests plant them).
struct FilledTemplateGenerator {
    var template: RawTemplate
    /// This version's lookup tables.
    var lookups: [String: [String]]
    /// The other version's, to prefer values both accept.
    var otherLookups: [String: [String]] = [:]
    /// Columns left empty (optional ones only, or the file is no longer clean).
    var leaveEmpty: Set<String> = []
    /// Write compound blocks as `key<TAB>value` rows instead of a header row (the first block only).
    var firstBlockAsKeyValue = false

    static let datePlanted = Cell.date(serial: 42_799, text: "05-Mar-2017", iso: "2017-03-05")

    /// A value the column accepts on data row `row` (1-based among data rows).
    func value(for column: RawColumn, row: Int) -> Cell {
        if leaveEmpty.contains(column.name) { return .empty }
        if let table = column.vocabulary ?? column.preferred, let value = lookupValue(table, column: column) {
            return row % 2 == 0 ? .inline(value) : .text(value)
        }
        switch column.dataType {
        case "number": return .number(row % 2 == 0 ? "12.5" : "-3")
        case "positive": return .number("\(row + 2)")
        case "date": return Self.datePlanted
        case "array": return .text("A\(row);B\(row)")
        default:
            if column.name == "User Defined ID" { return row % 3 == 0 ? .rich(["ID-", "\(row)"]) : .text("ID-\(row)") }
            let text = "t\(row)"
            return .inline(String(text.prefix(column.maximumLength ?? text.count)))
        }
    }

    func lookupValue(_ table: String, column: RawColumn) -> String? {
        let limit = column.maximumLength ?? Int.max
        // A list column splits on ";", so its values must not hold one.
        let usable = (lookups[table] ?? []).filter {
            !(column.dataType == "array" && $0.contains(";")) && !$0.contains("\n")
                && $0 == $0.trimmingCharacters(in: .whitespaces) && !$0.isEmpty && $0.unicodeScalars.count <= limit
        }
        let shared = Set(otherLookups[table] ?? [])
        return usable.first { shared.contains($0) } ?? usable.first
    }

    /// The file's rows: title, `Please do not delete...`, then the header and `dataRows` rows
    /// (compound templates: each block after a blank line and its name).
    func sheet(dataRows: Int = 3) -> Sheet {
        var rows: [[Cell]] = [
            [.text(template.name), .text("Schema Version \(template.schemaVersion)")],
            [.text("Please do not delete or edit this column")],
        ]
        if !template.isCompound {
            let columns = template.blocks[0].columns
            rows.append([.text("Column Name")] + columns.map { .text($0.name) })
            for row in 1...max(dataRows, 1) { rows.append([.empty] + columns.map { value(for: $0, row: row) }) }
            return Sheet(rows: rows)
        }
        for (index, block) in template.blocks.enumerated() {
            rows.append([])
            rows.append([.text(block.name ?? "")])
            if index == 0 && firstBlockAsKeyValue {
                for column in block.columns { rows.append([.text(column.name), value(for: column, row: 1)]) }
            } else {
                rows.append([.text("Column Name")] + block.columns.map { .text($0.name) })
                for row in 1...max(dataRows, 1) { rows.append([.empty] + block.columns.map { value(for: $0, row: row) }) }
            }
        }
        return Sheet(rows: rows)
    }
}

/// A fault a test planted, as the finding it must produce.
struct Planted: Hashable, CustomStringConvertible {
    var block: String?
    var row: Int?
    var column: String?
    var rule: String

    var description: String { "\(rule) row \(row.map(String.init) ?? "-") \(block.map { "[\($0)] " } ?? "")\(column ?? "-")" }
}
