import TemplateTrackBase
public import TemplateTrackTemplates

/// What a check learned about a file besides its findings.
public struct CheckedFile: Sendable, Hashable {
    /// The path checked, as given.
    public var file: String
    /// The template name in the file's first cell.
    public var templateName: String
    /// The version in the file's `Schema Version` tag.
    public var schemaVersion: String?
    /// The catalog's template the file was checked against; nil when none fits.
    public var template: Template?
    /// Data rows (and key/value rows of compound blocks) checked.
    public var dataRows: Int
    /// Findings reported.
    public var findingCount: Int
}

/// Checks filled-in templates (`.txt` or `.xlsx`) against a catalog's definitions and lookups.
///
/// Files are streamed row by row; memory does not grow with the number of rows, except for
/// the `User Defined ID`s seen (for `duplicate_id`). The file's first cell names its template,
/// resolved as `TemplateCatalog.resolve` describes; a name whose columns are another
/// template's is an `unknown_template` finding naming that template in `expected`, and the
/// rows are then checked against it. Cells are trimmed of surrounding spaces; headers and
/// lookup values then match exactly, case included; column order does not matter; what each
/// data type accepts is described on `CheckRule.type`. Findings per rule:
/// - a missing column is one `missing_column` finding on the header row (an error when the
///   column is required, else a warning), not one `required` finding per row;
/// - a header not in the template, or repeated, is one `unknown_column` finding on the
///   header row; its values are not checked; a value with no header above it is one
///   `unknown_column` finding on its row;
/// - compound templates: a block the template lacks is an `unknown_column` finding with no
///   column; a missing block whose definition says `templateRequired: yes` is a
///   `missing_column` finding with no column and no row; `User Defined ID`s must be unique
///   within a block.
public enum FilledTemplateChecker {
    /// All findings for the file at `path`, in the order found.
    public static func check(fileAt path: String, against catalog: TemplateCatalog) throws -> [CheckFinding] {
        var findings: [CheckFinding] = []
        try check(fileAt: path, against: catalog) { findings.append($0) }
        return findings
    }

    /// Streams the findings for the file at `path` to `report` as they are found, and
    /// returns what was learned about the file. A `.xlsx` (a zip, whatever its name) is read
    /// as a workbook, anything else as tab-separated text.
    ///
    /// Throws `TemplateTrackError` naming the file (and zip entry) when it cannot be read or
    /// is not a filled template at all; anything `report` throws stops the check.
    @discardableResult
    public static func check(
        fileAt path: String, against catalog: TemplateCatalog, reporting report: (CheckFinding) throws -> Void
    ) throws -> CheckedFile {
        try withoutActuallyEscaping(report) { report in
            var checker = FileChecker(file: path, catalog: catalog, report: report)
            try FilledFile.forEachRow(at: path) { try checker.consume($0) }
            return try checker.finish()
        }
    }
}

/// Opens a filled template by its content: a zip is a workbook, anything else text.
enum FilledFile {
    static func isWorkbook(_ path: String) throws -> Bool {
        let file = try ChunkedFile(path: path)
        return try file.next().starts(with: [0x50, 0x4b, 0x03, 0x04])
    }

    static func forEachRow(at path: String, _ body: (FilledRow) throws -> Void) throws {
        if try isWorkbook(path) {
            try XLSXRowReader(path: path).forEachRow(body)
        } else {
            if path.lowercased().hasSuffix(".xlsx") {
                throw TemplateTrackError(.invalidArchive, "not an .xlsx workbook: the file is not a zip", at: [.file(path)])
            }
            var reader = TextRowReader(path: path)
            try reader.forEachRow(body)
        }
    }
}

/// The checks of one file, fed one row at a time.
struct FileChecker {
    let file: String
    let catalog: TemplateCatalog
    let report: (CheckFinding) throws -> Void

    private var layout: TemplateLayout
    private var resolvedChecked = false
    private var skipRest = false
    private var blocks: [String: BlockState] = [:]
    private var seenBlocks: Set<String> = []
    private var dataRows = 0
    private var findingCount = 0

    init(file: String, catalog: TemplateCatalog, report: @escaping (CheckFinding) throws -> Void) {
        self.file = file
        self.catalog = catalog
        self.report = report
        layout = TemplateLayout(catalog: catalog, file: file)
    }

    /// A column's rules, read from its attributes once per header rather than once per cell.
    struct ColumnRule {
        let name: String
        let isRequired: Bool
        let dataType: String?
        let typeExpectation: String?
        let maximumLength: Int?
        let vocabulary: String?
        let vocabularyValues: Set<String>?
        let preferred: String?
        let preferredValues: Set<String>?

        init(_ column: TemplateColumn, catalog: TemplateCatalog) {
            name = column.name
            isRequired = column.isRequired
            dataType = column.attributes["jsonDataType"]?.string
            typeExpectation = ValueRules.expectation(forType: dataType)
            maximumLength = ValueRules.maximumLength(columnType: column.attributes["columnType"]?.string)
            vocabulary = column.attributes["cvTableName"]?.string
            vocabularyValues = vocabulary.flatMap { catalog.accepted(in: $0) }
            preferred = column.attributes["pvTableName"]?.string
            preferredValues = preferred.flatMap { catalog.accepted(in: $0) }
        }
    }

    /// One block's header and what has been seen under it. A class, so that recording an ID
    /// mutates the one table in place instead of copying it per row.
    final class BlockState {
        let definition: TemplateBlock
        let startRow: Int
        var isKeyValue = false
        /// Column for each cell index (0 is ImmPort's reserved column); nil: no usable header.
        var columnAt: [ColumnRule?] = []
        /// Indices of headers already reported as unknown or repeated: their values go unchecked.
        var reportedAt: Set<Int> = []
        var present: Set<String> = []
        var firstRowOfID: [String: Int] = [:]
        var hasHeader = false

        init(definition: TemplateBlock, startRow: Int) {
            self.definition = definition
            self.startRow = startRow
        }
    }

    mutating func consume(_ row: FilledRow) throws {
        let role = try layout.role(of: row)
        if !resolvedChecked, let resolution = layout.resolution { try resolved(resolution) }
        guard !skipRest else { return }
        switch role {
        case .title, .preamble, .blank:
            break
        case .blockStart(let name, let known):
            try closeBlock()
            currentBlockName = name
            seenBlocks.insert(name)
            if known, let definition = layout.template?.blocks.first(where: { $0.name == name }) {
                blocks[name] = BlockState(definition: definition, startRow: row.number)
            } else {
                try emit(block: name, row: row.number, rule: .unknownColumn, severity: .error)
            }
        case .header(let block):
            try header(row, block: block)
        case .data(let block):
            try data(row, block: block)
        case .keyValue(let block):
            try keyValue(row, block: block)
        case .ignored:
            break
        }
    }

    private var currentBlockName: String?

    mutating func finish() throws -> CheckedFile {
        guard let name = layout.templateName else {
            throw TemplateTrackError(.invalidFile, "not a filled ImmPort template: the file is empty", at: [.file(file)])
        }
        if !resolvedChecked {
            if !layout.isCompound && !layout.sawHeader && !catalog.templates(named: name).isEmpty {
                throw TemplateTrackError(
                    .invalidFile, "not a filled ImmPort template: no 'Column Name' header row", at: [.file(file)])
            }
            try resolved(layout.resolution ?? catalog.resolve(templateNamed: name, headers: []))
        }
        if !skipRest {
            try closeBlock()
            for block in layout.template?.blocks ?? [] {
                guard let blockName = block.name, !seenBlocks.contains(blockName),
                    block.attributes["templateRequired"]?.string?.lowercased() == "yes"
                else { continue }
                try emit(block: blockName, row: nil, rule: .missingColumn, severity: .error)
            }
        }
        return CheckedFile(
            file: file, templateName: name, schemaVersion: layout.fileVersion, template: layout.template,
            dataRows: dataRows, findingCount: findingCount)
    }

    // MARK: Template and version

    private mutating func resolved(_ resolution: TemplateResolution) throws {
        resolvedChecked = true
        switch resolution {
        case .unknown:
            try emit(row: layout.titleRow, rule: .unknownTemplate, value: layout.templateName, severity: .error)
            skipRest = true
            return
        case .nameMismatch(let template):
            try emit(row: layout.titleRow, rule: .unknownTemplate, value: layout.templateName, expected: template.name, severity: .error)
        case .matched:
            break
        }
        if let expected = layout.template?.schemaVersion, layout.fileVersion != expected {
            try emit(row: layout.titleRow, rule: .schemaVersion, value: layout.fileVersion, expected: expected, severity: .error)
        }
        if !layout.isCompound, let block = layout.template?.blocks.first {
            blocks[""] = BlockState(definition: block, startRow: layout.titleRow)
        }
    }

    // MARK: Rows

    private mutating func header(_ row: FilledRow, block: String?) throws {
        let key = block ?? ""
        guard let state = blocks[key] else { return }
        state.hasHeader = true
        state.columnAt = [nil]
        state.present = []
        state.reportedAt = []
        // Combined templates define some headers twice (`Name Reported` of the panel and of
        // the test, either side of `Result Separator Column`): the k-th header of a name is
        // the k-th column of that name.
        var byName: [String: [TemplateColumn]] = [:]
        for column in state.definition.columns { byName[column.name, default: []].append(column) }
        var seen: [String: Int] = [:]
        for (index, cell) in row.cells.enumerated().dropFirst() {
            let name = TemplateLayout.trimmed(cell)
            guard !name.isEmpty else {
                state.columnAt.append(nil)
                continue
            }
            let occurrence = seen[name, default: 0]
            seen[name] = occurrence + 1
            if let defined = byName[name], occurrence < defined.count {
                state.present.insert(name)
                state.columnAt.append(ColumnRule(defined[occurrence], catalog: catalog))
            } else {
                let repeated = byName[name] != nil
                state.columnAt.append(nil)
                state.reportedAt.insert(index)
                try emit(
                    block: block, row: row.number, column: name, rule: .unknownColumn,
                    expected: repeated ? "one '\(name)' column" : nil, severity: .error)
            }
        }
        var defined: [String: Int] = [:]
        for column in state.definition.columns {
            let occurrence = defined[column.name, default: 0]
            defined[column.name] = occurrence + 1
            if occurrence >= seen[column.name, default: 0] {
                try emit(
                    block: block, row: row.number, column: column.name, rule: .missingColumn,
                    severity: column.isRequired ? .error : .warning)
            }
        }
    }

    private mutating func data(_ row: FilledRow, block: String?) throws {
        let key = block ?? ""
        guard let state = blocks[key], state.hasHeader else { return }
        dataRows += 1
        let count = max(row.cells.count, state.columnAt.count)
        for index in 1..<max(count, 1) {
            let value = index < row.cells.count ? TemplateLayout.trimmed(row.cells[index]) : ""
            if index < state.columnAt.count, let column = state.columnAt[index] {
                try checkValue(value, column: column, row: row.number, block: block, state: state)
            } else if !value.isEmpty && !state.reportedAt.contains(index) {
                try emit(block: block, row: row.number, rule: .unknownColumn, value: value, severity: .error)
            }
        }
    }

    private mutating func keyValue(_ row: FilledRow, block: String) throws {
        guard let state = blocks[block] else { return }
        dataRows += 1
        state.isKeyValue = true
        let key = row.cells.first.map(TemplateLayout.trimmed) ?? ""
        let value = row.cells.count > 1 ? TemplateLayout.trimmed(row.cells[1]) : ""
        if let column = state.definition.columns.first(where: { $0.name == key }), !state.present.contains(key) {
            state.present.insert(key)
            try checkValue(value, column: ColumnRule(column, catalog: catalog), row: row.number, block: block, state: state)
        } else {
            let repeated = state.present.contains(key)
            try emit(
                block: block, row: row.number, column: key, rule: .unknownColumn,
                expected: repeated ? "one '\(key)' column" : nil, severity: .error)
        }
        for extra in row.cells.dropFirst(2).map(TemplateLayout.trimmed) where !extra.isEmpty {
            try emit(block: block, row: row.number, rule: .unknownColumn, value: extra, severity: .error)
        }
    }

    /// At the end of a key/value block, the keys it never gave.
    private mutating func closeBlock() throws {
        guard let name = currentBlockName, let state = blocks[name], state.isKeyValue else { return }
        for column in state.definition.columns where !state.present.contains(column.name) {
            try emit(
                block: name, row: state.startRow, column: column.name, rule: .missingColumn,
                severity: column.isRequired ? .error : .warning)
        }
        currentBlockName = nil
    }

    // MARK: Values

    private mutating func checkValue(
        _ value: String, column: ColumnRule, row: Int, block: String?, state: BlockState
    ) throws {
        guard !value.isEmpty else {
            if column.isRequired { try emit(block: block, row: row, column: column.name, rule: .required, severity: .error) }
            return
        }
        let items =
            column.dataType == "array"
            ? value.split(separator: ";").map { TemplateLayout.trimmed(String($0)) }.filter { !$0.isEmpty }
            : [value]
        for item in items {
            if let expectation = column.typeExpectation, !ValueRules.accepts(item, type: column.dataType) {
                try emit(block: block, row: row, column: column.name, rule: .type, value: item, expected: expectation, severity: .error)
            }
            if let maximum = column.maximumLength, ValueRules.length(item) > maximum {
                try emit(
                    block: block, row: row, column: column.name, rule: .length, value: item,
                    expected: "at most \(maximum) characters", severity: .error)
            }
            if let table = column.vocabulary, let accepted = column.vocabularyValues, !accepted.contains(item) {
                try emit(
                    block: block, row: row, column: column.name, rule: .vocabulary, value: item,
                    expected: "a value of \(table)", severity: .error)
            }
            if let table = column.preferred, let accepted = column.preferredValues, !accepted.contains(item) {
                try emit(
                    block: block, row: row, column: column.name, rule: .preferredValue, value: item,
                    expected: "a preferred value of \(table)", severity: .warning)
            }
        }
        if column.name == "User Defined ID", !state.isKeyValue {
            if let first = state.firstRowOfID[value] {
                try emit(
                    block: block, row: row, column: column.name, rule: .duplicateID, value: value, expected: "row \(first)",
                    severity: .error)
            } else {
                state.firstRowOfID[value] = row
            }
        }
    }

    private mutating func emit(
        block: String? = nil, row: Int?, column: String? = nil, rule: CheckRule, value: String? = nil,
        expected: String? = nil, severity: CheckSeverity
    ) throws {
        findingCount += 1
        try report(
            CheckFinding(
                file: file, template: layout.templateName ?? "", block: block, row: row, column: column, rule: rule,
                value: value, expected: expected, severity: severity))
    }
}
