import Foundation
import TemplateTrackBase
import TemplateTrackTemplates

/// What an upgrade did, and what it left for a person.
public struct UpgradeResult: Sendable {
    /// A column carried over under its new header.
    public struct Rename: Sendable, Hashable {
        /// The compound block, if any.
        public var block: String?
        /// The old header.
        public var from: String
        /// The new header.
        public var to: String
    }

    /// The file read (never modified).
    public var input: String
    /// The file written.
    public var output: String
    /// The template name the input gave.
    public var fromTemplate: String
    /// The name written (the template's new name after a rename).
    public var toTemplate: String
    /// The input's Schema Version.
    public var fromVersion: String?
    /// The Schema Version written.
    public var toVersion: String?
    /// Columns written empty because the file did not have them (`block: column` in compound templates).
    public var columnsAdded: [String]
    /// Columns dropped; each was empty in every row.
    public var columnsRemoved: [String]
    /// Columns carried over under a new header.
    public var columnsRenamed: [Rename]
    /// Whether the columns were put in the newer template's order.
    public var columnsReordered: Bool
    /// Data rows written.
    public var rowsWritten: Int
    /// The output checked against the newer catalog: what still needs a person.
    public var findings: [CheckFinding]
}

/// Rewrites a filled `.txt` template for a newer catalog, only where the change is mechanical.
///
/// It writes the new `Schema Version` tag and, after a rename, the template's new name; puts
/// columns in the newer order; adds columns the file lacks, empty; carries a renamed column's
/// values to its new header only when the rename is certain (the block's one removed and one
/// added column, at the same position: `Value` → `Value Reported`); and drops columns the newer
/// template does not have only when they are empty in every row, otherwise it refuses, naming
/// them. It never invents a value: whatever then still fails (a new required column, a value
/// a vocabulary lost) comes back as findings of checking the output against the newer catalog.
///
/// The input is read twice (once to find what must go, once to write) and never modified;
/// the output must not exist and appears complete or not at all.
public enum TemplateUpgrader {
    /// Upgrades the file at `input` from catalog `from` to catalog `to`, writing `output`.
    public static func upgrade(
        fileAt input: String, from: TemplateCatalog, to: TemplateCatalog, writingTo output: String
    ) throws -> UpgradeResult {
        if ExclusiveFile.exists(output) {
            throw TemplateTrackError(.conflict, "refusing to overwrite an existing file", at: [.file(output)])
        }
        if try FilledFile.isWorkbook(input) {
            throw TemplateTrackError(
                .invalidFile, "upgrade rewrites tab-separated .txt templates only, not .xlsx workbooks", at: [.file(input)])
        }
        let scan = try Scan.read(input, catalog: from)
        let plan = try Plan(scan: scan, from: from, to: to, input: input)
        var status = stat()
        let mode = stat(input, &status) == 0 ? status.st_mode & 0o666 : 0o644
        let file = try ExclusiveFile(creating: output, mode: mode)
        let rows = try write(input, scan: scan, plan: plan, to: file)
        try file.commit()
        let findings = try FilledTemplateChecker.check(fileAt: output, against: to)
        return UpgradeResult(
            input: input, output: output, fromTemplate: scan.templateName, toTemplate: plan.target.name,
            fromVersion: scan.version, toVersion: plan.target.schemaVersion, columnsAdded: plan.added,
            columnsRemoved: plan.removed, columnsRenamed: plan.renamed, columnsReordered: plan.reordered,
            rowsWritten: rows, findings: findings)
    }

    // MARK: First pass: what the file holds

    /// Headers, and which cells ever hold a value, per block ("" for a template's single block).
    struct Scan {
        var templateName = ""
        var version: String?
        var template: Template?
        var usesCRLF = false
        var hadBOM = false
        var blocks: [String: BlockScan] = [:]
        var blockOrder: [String] = []
        /// Blocks the template lacks, with the first row holding a value in each.
        var unknownBlocks: [String: Int?] = [:]

        struct BlockScan {
            var headers: [String]?
            /// First row with a value, per cell index (table blocks).
            var firstValueRow: [Int: Int] = [:]
            /// Key rows in file order with their trimmed key and whether they hold a value (key/value blocks).
            var keys: [(key: String, row: Int, hasValue: Bool)] = []
        }

        static func read(_ path: String, catalog: TemplateCatalog) throws -> Scan {
            var scan = Scan()
            var layout = TemplateLayout(catalog: catalog, file: path)
            var reader = TextRowReader(path: path)
            try reader.forEachRow { row in
                let role = try layout.role(of: row)
                switch role {
                case .title(let name, let version):
                    scan.templateName = name
                    scan.version = version
                case .blockStart(let name, let known):
                    if known { scan.blocks[name] = scan.blocks[name] ?? BlockScan() } else { scan.unknownBlocks[name] = .some(nil) }
                    if !scan.blockOrder.contains(name) { scan.blockOrder.append(name) }
                case .header(let block):
                    let key = block ?? ""
                    if scan.blocks[key] == nil { scan.blocks[key] = BlockScan() }
                    if scan.blocks[key]?.headers != nil {
                        throw TemplateTrackError(.invalidFile, "row \(row.number): a second header row in one block", at: [.file(path)])
                    }
                    scan.blocks[key]?.headers = row.cells.map(TemplateLayout.trimmed)
                case .data(let block):
                    let key = block ?? ""
                    for (index, cell) in row.cells.enumerated().dropFirst() where !TemplateLayout.trimmed(cell).isEmpty {
                        if scan.blocks[key]?.firstValueRow[index] == nil { scan.blocks[key]?.firstValueRow[index] = row.number }
                    }
                case .keyValue(let block):
                    let key = row.cells.first.map(TemplateLayout.trimmed) ?? ""
                    let hasValue = row.cells.dropFirst().contains { !TemplateLayout.trimmed($0).isEmpty }
                    scan.blocks[block]?.keys.append((key, row.number, hasValue))
                case .ignored(let block):
                    if scan.unknownBlocks[block] == .some(nil) { scan.unknownBlocks[block] = row.number }
                case .preamble, .blank:
                    break
                }
            }
            scan.usesCRLF = reader.usesCRLF
            scan.hadBOM = reader.hadBOM
            guard !scan.templateName.isEmpty else {
                throw TemplateTrackError(.invalidFile, "not a filled ImmPort template: the file is empty", at: [.file(path)])
            }
            scan.template = layout.template
            return scan
        }
    }

    // MARK: The plan

    /// For each block: the newer columns in order and where each one's values come from.
    struct Plan {
        var target: Template
        var blockPlans: [String: BlockPlan] = [:]
        var added: [String] = []
        var removed: [String] = []
        var renamed: [UpgradeResult.Rename] = []
        var reordered = false

        struct BlockPlan {
            var columns: [String]
            /// Cell index in the file (table blocks) for each column; nil: written empty.
            var sources: [Int?]
            /// The file's key for each column (key/value blocks); nil: added empty.
            var sourceKeys: [String?]
            var isKeyValue: Bool
            /// The file's header as the first pass read it (table blocks).
            var headers: [String] = []
        }

        init(scan: Scan, from: TemplateCatalog, to: TemplateCatalog, input: String) throws {
            let fromVersion = from.schemaVersion ?? "the older catalog"
            guard let template = scan.template else {
                throw TemplateTrackError(
                    .invalidFile, "template '\(scan.templateName)' is not in Schema Version \(fromVersion)", at: [.file(input)])
            }
            if let expected = template.schemaVersion, scan.version != expected {
                throw TemplateTrackError(
                    .invalidFile,
                    "the file says Schema Version \(scan.version ?? "(none)"), not \(expected): upgrade it from that version",
                    at: [.file(input)])
            }
            guard let target = CatalogDelta(from: from, to: to).successor(of: template) else {
                throw TemplateTrackError(
                    .invalidFile,
                    "template '\(template.name)' has no counterpart in Schema Version \(to.schemaVersion ?? "of the newer catalog")",
                    at: [.file(input)])
            }
            self.target = target
            var refused: [String] = []
            for (name, firstRow) in scan.unknownBlocks.sorted(by: { $0.key < $1.key }) {
                if let row = firstRow { refused.append("block '\(name)' (row \(row))") }
            }
            for (key, blockScan) in scan.blocks {
                let blockName: String? = key.isEmpty ? nil : key
                let label = { (column: String) in blockName.map { "\($0): \(column)" } ?? column }
                guard let newBlock = CatalogDelta.block(named: blockName, in: target) else {
                    let withValues = blockScan.firstValueRow.values.min() ?? blockScan.keys.first(where: \.hasValue)?.row
                    if let row = withValues { refused.append("block '\(key)' (row \(row))") }
                    removed.append(contentsOf: (blockScan.headers?.dropFirst() ?? []).filter { !$0.isEmpty }.map(label))
                    continue
                }
                if blockScan.headers == nil && blockScan.keys.isEmpty {
                    // A block named but left empty: nothing to rewrite.
                    blockPlans[key] = BlockPlan(columns: [], sources: [], sourceKeys: [], isKeyValue: false)
                    continue
                }
                let oldBlock = CatalogDelta.block(named: blockName, in: template)
                let renames = oldBlock.map { CatalogDelta.renames($0, newBlock).filter(\.certain) } ?? []
                let columns = newBlock.columns.map(\.name)
                if let headers = blockScan.headers {
                    // The k-th header of a name feeds the k-th column of that name (combined
                    // templates define `Name Reported` twice).
                    var indices: [String: [Int]] = [:]
                    for (index, header) in headers.enumerated().dropFirst() where !header.isEmpty {
                        indices[header, default: []].append(index)
                    }
                    var occurrences: [String: Int] = [:]
                    var sources: [Int?] = []
                    for column in columns {
                        let occurrence = occurrences[column, default: 0]
                        occurrences[column] = occurrence + 1
                        if let list = indices[column], occurrence < list.count {
                            sources.append(list[occurrence])
                        } else if let rename = renames.first(where: { $0.to == column }), let index = indices[rename.from]?.first {
                            sources.append(index)
                            renamed.append(UpgradeResult.Rename(block: blockName, from: rename.from, to: column))
                        } else {
                            sources.append(nil)
                            added.append(label(column))
                        }
                    }
                    let used = Set(sources.compactMap { $0 })
                    let lastIndex = max(headers.count - 1, blockScan.firstValueRow.keys.max() ?? 0)
                    for index in 1..<max(lastIndex + 1, 1) where !used.contains(index) {
                        let header = index < headers.count ? headers[index] : ""
                        if let row = blockScan.firstValueRow[index] {
                            refused.append(header.isEmpty ? "an unnamed column (position \(index + 1), row \(row))" : "'\(label(header))' (row \(row))")
                        } else if !header.isEmpty {
                            removed.append(label(header))
                        }
                    }
                    let kept = headers.enumerated().dropFirst().filter { used.contains($0.offset) }.map(\.offset)
                    if kept != sources.compactMap({ $0 }) { reordered = true }
                    blockPlans[key] = BlockPlan(columns: columns, sources: sources, sourceKeys: [], isKeyValue: false, headers: headers)
                } else {
                    let fileKeys = blockScan.keys.map(\.key)
                    var sourceKeys: [String?] = []
                    for column in columns {
                        if fileKeys.contains(column) {
                            sourceKeys.append(column)
                        } else if let rename = renames.first(where: { $0.to == column }), fileKeys.contains(rename.from) {
                            sourceKeys.append(rename.from)
                            renamed.append(UpgradeResult.Rename(block: blockName, from: rename.from, to: column))
                        } else {
                            sourceKeys.append(nil)
                            added.append(label(column))
                        }
                    }
                    let used = Set(sourceKeys.compactMap { $0 })
                    var seen: Set<String> = []
                    for entry in blockScan.keys {
                        let repeated = !seen.insert(entry.key).inserted
                        guard repeated || !used.contains(entry.key) else { continue }
                        if entry.hasValue {
                            refused.append("'\(label(entry.key))' (row \(entry.row))")
                        } else {
                            removed.append(label(entry.key))
                        }
                    }
                    let kept = fileKeys.filter { used.contains($0) }
                    if kept != sourceKeys.compactMap({ $0 }) { reordered = true }
                    blockPlans[key] = BlockPlan(columns: columns, sources: [], sourceKeys: sourceKeys, isKeyValue: true)
                }
            }
            if !refused.isEmpty {
                throw TemplateTrackError(
                    .invalidFile,
                    "cannot upgrade to \(target.schemaVersion ?? "the newer version"): "
                        + "\(refused.count == 1 ? "this column holds values but is" : "these columns hold values but are") "
                        + "not in '\(target.name)', and upgrade never drops data: \(refused.joined(separator: ", "))",
                    at: [.file(input)])
            }
        }
    }

    // MARK: Second pass: writing

    private static func write(_ input: String, scan: Scan, plan: Plan, to file: ExclusiveFile) throws -> Int {
        let newline = scan.usesCRLF ? "\r\n" : "\n"
        if scan.hadBOM { try file.write(bytes: [0xef, 0xbb, 0xbf]) }
        let resolvedOnly = TemplateCatalog(templates: scan.template.map { [$0] } ?? [], lookups: [])
        var layout = TemplateLayout(catalog: resolvedOnly, file: input)
        var reader = TextRowReader(path: input)
        var rows = 0
        var pendingBlanks: [String] = []
        // Key/value rows wait until their block ends, to be written in the newer order.
        var keyValueBlock: String?
        var keyValues: [String: [String]] = [:]
        var droppingBlock = false

        func line(_ cells: [String]) throws { try file.write(cells.joined(separator: "\t") + newline) }
        func flushKeyValues() throws {
            guard let block = keyValueBlock, let blockPlan = plan.blockPlans[block] else { return }
            for (column, source) in zip(blockPlan.columns, blockPlan.sourceKeys) {
                var cells = source.flatMap { keyValues[$0] } ?? [column, ""]
                if cells.isEmpty { cells = [column, ""] }
                cells[0] = column
                try line(cells)
            }
            keyValueBlock = nil
            keyValues = [:]
        }
        func changed(_ row: FilledRow) -> TemplateTrackError {
            TemplateTrackError(.io, "the file changed while it was being upgraded (row \(row.number)); nothing was written", at: [.file(input)])
        }
        func flushBlanks() throws {
            for blank in pendingBlanks { try file.write(blank + newline) }
            pendingBlanks = []
        }

        try reader.forEachRow { row in
            let role = try layout.role(of: row)
            if case .blank = role {
                pendingBlanks.append(row.cells.joined(separator: "\t"))
                return
            }
            if case .keyValue = role {} else { try flushKeyValues() }
            if case .ignored = role { return }
            if case .blockStart(_, let known) = role {
                droppingBlock = !known || plan.blockPlans[rowBlockName(row)] == nil
                if droppingBlock { pendingBlanks = []; return }
            } else if droppingBlock {
                if case .preamble = role {} else { return }
            }
            // Blank lines inside a key/value block follow its rows, which are written at its end.
            if case .keyValue = role {} else { try flushBlanks() }
            switch role {
            case .title:
                var cells = [plan.target.name, "Schema Version \(plan.target.schemaVersion ?? "")"]
                cells.append(contentsOf: row.cells.dropFirst(2).filter { !TemplateLayout.trimmed($0).isEmpty })
                try line(cells)
            case .header(let block):
                guard let blockPlan = plan.blockPlans[block ?? ""] else { return }
                guard row.cells.map(TemplateLayout.trimmed) == blockPlan.headers else { throw changed(row) }
                try line([row.cells.first ?? "Column Name"] + blockPlan.columns)
            case .data(let block):
                guard let blockPlan = plan.blockPlans[block ?? ""] else { return }
                // The first pass found these cells empty; a value now means the file changed meanwhile.
                for (index, cell) in row.cells.enumerated().dropFirst()
                where !blockPlan.sources.contains(index) && !TemplateLayout.trimmed(cell).isEmpty {
                    throw changed(row)
                }
                rows += 1
                let cells = blockPlan.sources.map { source in source.flatMap { $0 < row.cells.count ? row.cells[$0] : nil } ?? "" }
                try line([row.cells.first ?? ""] + cells)
            case .keyValue(let block):
                rows += 1
                keyValueBlock = block
                let key = row.cells.first.map(TemplateLayout.trimmed) ?? ""
                if keyValues[key] == nil { keyValues[key] = row.cells }
            case .preamble, .blockStart, .blank, .ignored:
                try line(row.cells)
            }
        }
        try flushKeyValues()
        try flushBlanks()
        return rows
    }

    private static func rowBlockName(_ row: FilledRow) -> String {
        row.cells.first.map(TemplateLayout.trimmed) ?? ""
    }
}
