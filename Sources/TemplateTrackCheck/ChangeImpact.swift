import TemplateTrackTemplates

/// Why a finding is new under the newer catalog: the change between the two catalogs'
/// templates or lookups that causes it.
public enum ChangeCause: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The template's Schema Version moved, so an unedited file's tag no longer matches.
    case schemaVersionMoved(from: String?, to: String?)
    /// The template's name changed; the file still carries the old one.
    case templateRenamed(from: String, to: String)
    /// The template is gone from the newer catalog.
    case templateRemoved(String)
    /// A column's header changed (a removed and an added column paired by position).
    case columnRenamed(from: String, to: String)
    /// A column is gone.
    case columnRemoved(String)
    /// An optional column was added.
    case columnAdded(String)
    /// A required column was added.
    case requiredColumnAdded(String)
    /// A column that was optional is now required.
    case columnNowRequired(String)
    /// A compound template gained a required block.
    case blockAdded(String)
    /// A compound template lost a block.
    case blockRemoved(String)
    /// A controlled vocabulary lost values (all the values it lost are listed).
    case vocabularyValuesRemoved(table: String, values: [String])
    /// A column's controlled vocabulary is now another table (or it gained or lost one).
    case vocabularyTableChanged(column: String, from: String?, to: String?)
    /// A preferred-values table lost values.
    case preferredValuesRemoved(table: String, values: [String])
    /// A column's preferred-values table is now another table.
    case preferredTableChanged(column: String, from: String?, to: String?)
    /// A column's `jsonDataType` changed.
    case dataTypeChanged(column: String, from: String?, to: String?)
    /// A column's `varchar(N)` limit went down.
    case lengthNarrowed(column: String, from: Int?, to: Int?)
    /// No change between the catalogs accounts for the finding.
    case unexplained

    /// A short name for scripts (`column_renamed`).
    public var kind: String {
        switch self {
        case .schemaVersionMoved: "schema_version_moved"
        case .templateRenamed: "template_renamed"
        case .templateRemoved: "template_removed"
        case .columnRenamed: "column_renamed"
        case .columnRemoved: "column_removed"
        case .columnAdded: "column_added"
        case .requiredColumnAdded: "required_column_added"
        case .columnNowRequired: "column_now_required"
        case .blockAdded: "block_added"
        case .blockRemoved: "block_removed"
        case .vocabularyValuesRemoved: "vocabulary_values_removed"
        case .vocabularyTableChanged: "vocabulary_table_changed"
        case .preferredValuesRemoved: "preferred_values_removed"
        case .preferredTableChanged: "preferred_table_changed"
        case .dataTypeChanged: "data_type_changed"
        case .lengthNarrowed: "length_narrowed"
        case .unexplained: "unexplained"
        }
    }

    /// One plain English sentence.
    public var description: String {
        func q(_ text: String?) -> String { text.map(FindingWording.quoted) ?? "none" }
        switch self {
        case .schemaVersionMoved(let from, let to): return "Schema Version moved from \(from ?? "unset") to \(to ?? "unset")."
        case .templateRenamed(let from, let to): return "Template \(q(from)) was renamed \(q(to))."
        case .templateRemoved(let name): return "Template \(q(name)) was removed."
        case .columnRenamed(let from, let to): return "Column \(q(from)) was renamed \(q(to))."
        case .columnRemoved(let name): return "Column \(q(name)) was removed."
        case .columnAdded(let name): return "Column \(q(name)) was added."
        case .requiredColumnAdded(let name): return "Required column \(q(name)) was added."
        case .columnNowRequired(let name): return "Column \(q(name)) is now required."
        case .blockAdded(let name): return "Required block \(q(name)) was added."
        case .blockRemoved(let name): return "Block \(q(name)) was removed."
        case .vocabularyValuesRemoved(let table, let values), .preferredValuesRemoved(let table, let values):
            let shown = values.prefix(8).map(FindingWording.quoted).joined(separator: ", ")
            return "\(table) lost \(values.count == 1 ? "1 value" : "\(values.count) values"): \(shown)\(values.count > 8 ? ", …" : "")."
        case .vocabularyTableChanged(let column, let from, let to):
            return "Column \(q(column)) takes its vocabulary from \(to ?? "no table") instead of \(from ?? "no table")."
        case .preferredTableChanged(let column, let from, let to):
            return "Column \(q(column)) takes its preferred values from \(to ?? "no table") instead of \(from ?? "no table")."
        case .dataTypeChanged(let column, let from, let to):
            return "Column \(q(column)) changed data type from \(from ?? "none") to \(to ?? "none")."
        case .lengthNarrowed(let column, let from, let to):
            return "Column \(q(column)) now holds at most \(to.map(String.init) ?? "?") characters, not \(from.map(String.init) ?? "any number")."
        case .unexplained: return "No change between the catalogs explains it."
        }
    }

    private enum CodingKeys: String, CodingKey { case kind, from, to, name, table, values, column, description }

    /// `{"kind": ..., <its fields>, "description": ...}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .schemaVersionMoved(let from, let to):
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .templateRenamed(let from, let to), .columnRenamed(let from, let to):
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .templateRemoved(let name), .columnRemoved(let name), .columnAdded(let name), .requiredColumnAdded(let name),
            .columnNowRequired(let name), .blockAdded(let name), .blockRemoved(let name):
            try container.encode(name, forKey: .name)
        case .vocabularyValuesRemoved(let table, let values), .preferredValuesRemoved(let table, let values):
            try container.encode(table, forKey: .table)
            try container.encode(values, forKey: .values)
        case .vocabularyTableChanged(let column, let from, let to), .preferredTableChanged(let column, let from, let to),
            .dataTypeChanged(let column, let from, let to):
            try container.encode(column, forKey: .column)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .lengthNarrowed(let column, let from, let to):
            try container.encode(column, forKey: .column)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        default:
            break
        }
        try container.encode(description, forKey: .description)
    }
}

/// How the findings of the same files change from an older catalog to a newer one.
///
/// Findings match on file, template (as the file names it), block, row, column and rule;
/// repeated keys (two bad items in one list cell) pair in order. A finding under the newer
/// catalog with no match is `new` and carries its cause; one under the older catalog with
/// no match is `fixed`; the rest are `unchanged`.
public struct ChangeImpact: Sendable {
    /// A finding's fate across the two catalogs.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Only under the newer catalog.
        case new
        /// Only under the older catalog.
        case fixed
        /// Under both.
        case unchanged
    }

    /// One finding and its fate.
    public struct Entry: Sendable, Hashable, Encodable {
        /// New, fixed or unchanged.
        public var status: Status
        /// The finding as the newer catalog gives it (the older one's, for fixed findings).
        public var finding: CheckFinding
        /// For new findings, the change that causes it; nil otherwise.
        public var cause: ChangeCause?

        enum CodingKeys: String, CodingKey { case status, finding, cause }

        /// Encodes every key, `cause` as `null` when absent.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            try container.encode(finding, forKey: .finding)
            try container.encode(cause, forKey: .cause)
        }
    }

    /// The older catalog's schema version.
    public var fromVersion: String?
    /// The newer catalog's schema version.
    public var toVersion: String?
    /// New findings (in the newer check's order) and unchanged ones, then fixed ones.
    public var entries: [Entry]

    /// The entries with status `status`.
    public func entries(_ status: Status) -> [Entry] { entries.filter { $0.status == status } }

    /// Classifies `new` (findings under `to`) against `old` (the same files under `from`).
    public init(old: [CheckFinding], new: [CheckFinding], from: TemplateCatalog, to: TemplateCatalog) {
        fromVersion = from.schemaVersion
        toVersion = to.schemaVersion
        var unmatchedOld: [CheckFinding.MatchKey: [CheckFinding]] = [:]
        for finding in old { unmatchedOld[finding.matchKey, default: []].append(finding) }
        let delta = CatalogDelta(from: from, to: to)
        // A fault repeated on many rows has one cause: work it out once.
        struct CauseKey: Hashable {
            var template: String
            var block: String?
            var column: String?
            var rule: CheckRule
            var value: String?
            var expected: String?
        }
        var causes: [CauseKey: ChangeCause] = [:]
        var entries: [Entry] = []
        for finding in new {
            if var olds = unmatchedOld[finding.matchKey], !olds.isEmpty {
                olds.removeFirst()
                unmatchedOld[finding.matchKey] = olds
                entries.append(Entry(status: .unchanged, finding: finding, cause: nil))
            } else {
                let key = CauseKey(
                    template: finding.template, block: finding.block, column: finding.column, rule: finding.rule,
                    value: finding.value, expected: finding.expected)
                let cause = causes[key] ?? Self.cause(of: finding, delta: delta)
                causes[key] = cause
                entries.append(Entry(status: .new, finding: finding, cause: cause))
            }
        }
        for finding in old where unmatchedOld[finding.matchKey]?.isEmpty == false {
            unmatchedOld[finding.matchKey]?.removeFirst()
            entries.append(Entry(status: .fixed, finding: finding, cause: nil))
        }
        self.entries = entries
    }

    /// Checks each file under both catalogs and classifies the findings.
    public static func assess(files: [String], from: TemplateCatalog, to: TemplateCatalog) throws -> ChangeImpact {
        var old: [CheckFinding] = []
        var new: [CheckFinding] = []
        for file in files {
            old += try FilledTemplateChecker.check(fileAt: file, against: from)
            new += try FilledTemplateChecker.check(fileAt: file, against: to)
        }
        return ChangeImpact(old: old, new: new, from: from, to: to)
    }

    // MARK: Causes

    /// The change behind a new finding: tried on every (older, newer) template pair the
    /// finding's template name can mean, the first explanation wins.
    static func cause(of finding: CheckFinding, delta: CatalogDelta) -> ChangeCause {
        if finding.rule == .unknownTemplate {
            if let renamed = finding.expected, renamed != finding.template { return .templateRenamed(from: finding.template, to: renamed) }
            if !delta.from.templates(named: finding.template).isEmpty { return .templateRemoved(finding.template) }
            return .unexplained
        }
        var pairs: [(Template?, Template)] = []
        for new in delta.to.templates(named: finding.template) { pairs.append((delta.predecessor(of: new), new)) }
        for old in delta.from.templates(named: finding.template) {
            if let new = delta.successor(of: old), !pairs.contains(where: { $0.1 == new }) { pairs.append((old, new)) }
        }
        // Prefer the pair whose newer template has the finding's column.
        pairs.sort { a, b in
            func fits(_ pair: (Template?, Template)) -> Bool {
                guard let column = finding.column else { return true }
                return pair.1.blocks.contains { $0.columns.contains { $0.name == column } }
                    || (pair.0?.blocks.contains { $0.columns.contains { $0.name == column } } ?? false)
            }
            return fits(a) && !fits(b)
        }
        for (old, new) in pairs {
            if let cause = cause(of: finding, old: old, new: new, delta: delta) { return cause }
        }
        return .unexplained
    }

    static func cause(of finding: CheckFinding, old: Template?, new: Template, delta: CatalogDelta) -> ChangeCause? {
        if finding.rule == .schemaVersion {
            let before = old?.schemaVersion ?? finding.value
            return before != new.schemaVersion ? .schemaVersionMoved(from: before, to: new.schemaVersion) : nil
        }
        let newBlock = CatalogDelta.block(named: finding.block, in: new)
        let oldBlock = old.flatMap { CatalogDelta.block(named: finding.block, in: $0) }
        guard let column = finding.column else {
            switch finding.rule {
            case .missingColumn where oldBlock == nil && newBlock != nil: return .blockAdded(finding.block ?? "")
            case .unknownColumn where finding.value == nil && oldBlock != nil && newBlock == nil: return .blockRemoved(finding.block ?? "")
            default: return nil
            }
        }
        var renames: [CatalogDelta.ColumnRename] = []
        if let oldBlock, let newBlock { renames = CatalogDelta.renames(oldBlock, newBlock) }
        let newColumn = newBlock?.columns.first { $0.name == column }
        let oldName = renames.first { $0.to == column }?.from ?? column
        let oldColumn = oldBlock?.columns.first { $0.name == oldName }
        func attribute(_ key: String, _ column: TemplateColumn?) -> String? { column?.attributes[key]?.string }

        switch finding.rule {
        case .missingColumn:
            if let rename = renames.first(where: { $0.to == column }) { return .columnRenamed(from: rename.from, to: column) }
            guard let newColumn else { return nil }
            if oldColumn == nil { return newColumn.isRequired ? .requiredColumnAdded(column) : .columnAdded(column) }
            return newColumn.isRequired && !(oldColumn?.isRequired ?? false) ? .columnNowRequired(column) : nil
        case .unknownColumn:
            if let rename = renames.first(where: { $0.from == column }) { return .columnRenamed(from: column, to: rename.to) }
            if oldBlock?.columns.contains(where: { $0.name == column }) == true, newColumn == nil { return .columnRemoved(column) }
            return nil
        case .required:
            guard let newColumn, newColumn.isRequired else { return nil }
            return oldColumn?.isRequired == true ? nil : .columnNowRequired(column)
        case .vocabulary, .preferredValue:
            let key = finding.rule == .vocabulary ? "cvTableName" : "pvTableName"
            let (before, after) = (attribute(key, oldColumn), attribute(key, newColumn))
            if before != after {
                return finding.rule == .vocabulary
                    ? .vocabularyTableChanged(column: column, from: before, to: after)
                    : .preferredTableChanged(column: column, from: before, to: after)
            }
            if let table = after, let value = finding.value {
                let removed = delta.valuesRemoved(from: table)
                if removed.contains(value) || removed.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == value }) {
                    return finding.rule == .vocabulary
                        ? .vocabularyValuesRemoved(table: table, values: removed)
                        : .preferredValuesRemoved(table: table, values: removed)
                }
            }
            let (typeBefore, typeAfter) = (attribute("jsonDataType", oldColumn), attribute("jsonDataType", newColumn))
            return typeBefore != typeAfter ? .dataTypeChanged(column: column, from: typeBefore, to: typeAfter) : nil
        case .type:
            let (before, after) = (attribute("jsonDataType", oldColumn), attribute("jsonDataType", newColumn))
            return before != after ? .dataTypeChanged(column: column, from: before, to: after) : nil
        case .length:
            let before = ValueRules.maximumLength(columnType: attribute("columnType", oldColumn))
            let after = ValueRules.maximumLength(columnType: attribute("columnType", newColumn))
            guard let after, after < (before ?? Int.max) else { return nil }
            return .lengthNarrowed(column: column, from: before, to: after)
        case .schemaVersion, .unknownTemplate, .duplicateID:
            return nil
        }
    }
}
