import TemplateTrackBase
import TemplateTrackTemplates

/// What one row of a filled template is, in ImmPort's layout.
enum RowRole: Equatable {
    /// The first row: `<template name><TAB>Schema Version <x.yy>`.
    case title(name: String, version: String?)
    /// Lines before the header or the first block (`Please do not delete...`, `Validation Level`).
    case preamble
    case blank
    /// A compound template's block name on its own line; `known` when the template has that block.
    case blockStart(name: String, known: Bool)
    /// `Column Name<TAB><column 1>...`, in a block or not.
    case header(block: String?)
    /// A data row under a header: its first cell is ImmPort's reserved column.
    case data(block: String?)
    /// A `key<TAB>value` row of a compound block that has no header row.
    case keyValue(block: String)
    /// A row inside a block the template does not have.
    case ignored(block: String)
}

/// Reads rows in order and says what each is, resolving the template once its name (and,
/// for single-block templates, its header) has been seen.
struct TemplateLayout {
    let catalog: TemplateCatalog
    let file: String

    private(set) var templateName: String?
    private(set) var fileVersion: String?
    private(set) var titleRow = 0
    private(set) var resolution: TemplateResolution?
    private(set) var sawHeader = false

    private var compoundBlocks: [String: TemplateBlock]?
    private var currentBlock: String?
    private var blockIsKnown = false
    private var blockMode: BlockMode = .none
    private var previousBlank = false
    private var lastRow = 0

    private enum BlockMode { case none, awaitingFirstRow, table, keyValue }

    init(catalog: TemplateCatalog, file: String) {
        self.catalog = catalog
        self.file = file
    }

    /// The template resolved to, once known.
    var template: Template? { resolution?.template }
    var isCompound: Bool { compoundBlocks != nil }

    /// The cell without surrounding spaces and tabs (any Unicode space separator, as
    /// `CharacterSet.whitespaces`); most cells have none and are returned as they are.
    static func trimmed(_ cell: String) -> String {
        guard let first = cell.utf8.first, let last = cell.utf8.last else { return cell }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 && first < 0x80 && last < 0x80 { return cell }
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let scalars = cell.unicodeScalars
        guard let start = scalars.firstIndex(where: { !isSpace($0) }), let end = scalars.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        if start == scalars.startIndex && end == scalars.index(before: scalars.endIndex) { return cell }
        return String(scalars[start...end])
    }

    /// The role of `row`; throws when the first non-blank row is not a template title.
    mutating func role(of row: FilledRow) throws -> RowRole {
        defer { lastRow = row.number }
        // A gap in spreadsheet row numbers is a run of blank rows.
        let gap = row.number > lastRow + 1
        if row.isBlank {
            previousBlank = true
            return .blank
        }
        let followsBlank = previousBlank || gap
        previousBlank = false
        let first = row.cells.first.map(Self.trimmed) ?? ""

        guard let name = templateName else {
            let second = row.cells.count > 1 ? Self.trimmed(row.cells[1]) : ""
            guard !first.isEmpty, let version = TemplateCatalog.schemaVersion(inTag: second) else {
                throw TemplateTrackError(
                    .invalidFile,
                    "not a filled ImmPort template: row \(row.number) should read '<template name><TAB>Schema Version <x.yy>'",
                    at: [.file(file)])
            }
            templateName = first
            fileVersion = version.isEmpty ? nil : version
            titleRow = row.number
            let named = catalog.templates(named: first)
            if let compound = named.first(where: { $0.blocks.contains { $0.name != nil } }) {
                resolution = .matched(compound)
                compoundBlocks = Dictionary(compound.blocks.map { ($0.name ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            }
            return .title(name: first, version: fileVersion)
        }

        if let blocks = compoundBlocks {
            let others = row.cells.dropFirst().allSatisfy { Self.trimmed($0).isEmpty }
            if others, !first.isEmpty, blocks[first] != nil || (followsBlank && !isKeyOfCurrentBlock(first)) {
                currentBlock = first
                blockIsKnown = blocks[first] != nil
                blockMode = .awaitingFirstRow
                return .blockStart(name: first, known: blockIsKnown)
            }
            guard let block = currentBlock else { return .preamble }
            if !blockIsKnown { return .ignored(block: block) }
            if first == "Column Name" {
                blockMode = .table
                return .header(block: block)
            }
            switch blockMode {
            case .awaitingFirstRow, .keyValue:
                blockMode = .keyValue
                return .keyValue(block: block)
            case .table, .none:
                return .data(block: block)
            }
        }

        if first == "Column Name", !sawHeader {
            sawHeader = true
            if resolution == nil {
                let headers = row.cells.dropFirst().map(Self.trimmed)
                resolution = catalog.resolve(templateNamed: name, headers: headers)
            }
            return .header(block: nil)
        }
        return sawHeader ? .data(block: nil) : .preamble
    }

    private func isKeyOfCurrentBlock(_ key: String) -> Bool {
        guard blockMode == .keyValue, let block = currentBlock, let definition = compoundBlocks?[block] else { return false }
        return definition.columns.contains { $0.name == key }
    }
}
