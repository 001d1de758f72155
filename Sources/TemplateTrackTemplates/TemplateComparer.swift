import TemplateTrackBase

/// A value before and after.
public struct ValueChange: Sendable, Hashable, Encodable {
    public var from: JSONValue
    public var to: JSONValue
}

/// A column whose attributes changed.
public struct ColumnChange: Sendable, Hashable, Encodable {
    /// The column's `templateColumn` (block-qualified in compound templates: `study: Brief Title`).
    public var column: String
    /// Attribute (the definition's own key) -> from/to.
    public var changes: [String: ValueChange]
}

/// How one template differs between two snapshots.
public struct TemplateChange: Sendable, Hashable, Encodable {
    public typealias Status = ChangeStatus
    public var name: String
    public var status: Status
    /// The old name, for renames only.
    public var fromName: String?
    @NullWhenAbsent public var fromVersion: String?
    @NullWhenAbsent public var toVersion: String?
    @NullWhenAbsent public var fromFile: String?
    @NullWhenAbsent public var toFile: String?
    public var columnsAdded: [String] = []
    public var columnsRemoved: [String] = []
    public var columnsMoved: [String] = []
    public var columnsChanged: [ColumnChange] = []
    /// Template-level attributes other than name and version (`fileName`, `templateType`, `description`, ...).
    public var changes: [String: ValueChange] = [:]
    /// The added template's columns that are required (to tell breaking changes).
    var requiredColumnsAdded: [String] = []
    /// Columns that became required.
    var columnsNowRequired: [String] = []

    enum CodingKeys: String, CodingKey {
        case name, status, fromName = "from_name", fromVersion = "from_version", toVersion = "to_version"
        case fromFile = "from_file", toFile = "to_file", columnsAdded = "columns_added", columnsRemoved = "columns_removed"
        case columnsMoved = "columns_moved", columnsChanged = "columns_changed", changes
    }

    /// True when the column list or a column's rules changed (not only the version or name).
    public var columnsOrRulesChanged: Bool {
        !columnsAdded.isEmpty || !columnsRemoved.isEmpty || !columnsMoved.isEmpty || !columnsChanged.isEmpty
    }
}

/// How one lookup table differs.
public struct LookupChange: Sendable, Hashable, Encodable {
    public var name: String
    /// `added`, `removed` or `modified`.
    public var status: ChangeStatus
    public var valuesAdded: [String]
    public var valuesRemoved: [String]

    enum CodingKeys: String, CodingKey { case name, status, valuesAdded = "values_added", valuesRemoved = "values_removed" }
}

/// Something a person should look at: a template whose columns changed under the same
/// Schema Version, or whose version moved with nothing else changed.
public struct TemplateWarning: Sendable, Hashable, Encodable {
    public var template: String
    public var message: String
}

/// A `.txt` template that disagrees with its definition in the same snapshot.
public struct Inconsistency: Sendable, Hashable, Encodable {
    public var path: String
    public var template: String
    public var problem: String
}

/// The template-aware differences between two snapshots.
public struct TemplateComparison: Sendable, Encodable {
    public var templates: [TemplateChange]
    public var lookups: [LookupChange]
    public var warnings: [TemplateWarning]

    public init(templates: [TemplateChange], lookups: [LookupChange], warnings: [TemplateWarning]) {
        self.templates = templates
        self.lookups = lookups
        self.warnings = warnings
    }

    /// Changes that can break data a submitter already prepared, most serious first.
    public var breakingChanges: [String] {
        var out: [String] = []
        for change in templates {
            if change.status == .removed {
                out.append("\(change.name): template removed")
                continue  // its columns went with it
            }
            for column in change.requiredColumnsAdded { out.append("\(change.name): new required column '\(column)'") }
            for column in change.columnsNowRequired { out.append("\(change.name): column '\(column)' is now required") }
            for column in change.columnsRemoved { out.append("\(change.name): column '\(column)' removed") }
            for column in change.columnsChanged {
                if let type = column.changes["jsonDataType"] {
                    out.append("\(change.name): column '\(column.column)' data type \(type.from.plain) → \(type.to.plain)")
                }
                if let vocabulary = column.changes["cvTableName"] {
                    out.append("\(change.name): column '\(column.column)' vocabulary \(vocabulary.from.plain) → \(vocabulary.to.plain)")
                }
            }
        }
        for lookup in lookups where !lookup.valuesRemoved.isEmpty {
            // Some real value names span lines; keep each message on one.
            let shown = lookup.valuesRemoved.prefix(5).map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
            let more = lookup.valuesRemoved.count > 5 ? ", …" : ""
            let what = lookup.status == .removed ? "table removed" : "narrowed vocabulary"
            let count = lookup.valuesRemoved.count == 1 ? "1 value" : "\(lookup.valuesRemoved.count) values"
            out.append("\(lookup.name): \(what), \(count) gone (\(shown.joined(separator: ", "))\(more))")
        }
        return out
    }
}

/// Matches templates across two snapshots and compares them as schemas.
///
/// Neither name nor file is a stable identity in ImmPort's history: names repeat within a
/// version (3.15 had fourteen shared names), and a template can change both name and file
/// while keeping its columns. Templates pair, in this order, on the same (file, name); the
/// same file; the same name where at least half the columns agree; then the most similar
/// column list (at least 70% shared); one template never pairs twice, so duplicates never
/// collapse.
public enum TemplateComparer {
    public static let similarityThreshold = 0.7

    public static func compare(
        old: [Template], new: [Template], oldLookups: [LookupTable] = [], newLookups: [LookupTable] = []
    ) -> TemplateComparison {
        var changes: [TemplateChange] = []
        for (a, b) in match(old, new) {
            switch (a, b) {
            case (let a?, let b?):
                if let change = compare(a, b) { changes.append(change) }
            case (let a?, nil):
                changes.append(
                    TemplateChange(
                        name: a.name, status: .removed, fromVersion: a.schemaVersion, fromFile: a.fileName,
                        columnsRemoved: a.qualifiedColumnNames))
            case (nil, let b?):
                // A new template breaks nothing already prepared: no required columns noted.
                changes.append(
                    TemplateChange(
                        name: b.name, status: .added, toVersion: b.schemaVersion, toFile: b.fileName,
                        columnsAdded: b.qualifiedColumnNames))
            case (nil, nil):
                break
            }
        }
        changes.sort { ($0.name, $0.toFile ?? $0.fromFile ?? "") < ($1.name, $1.toFile ?? $1.fromFile ?? "") }
        var warnings: [TemplateWarning] = []
        for change in changes where change.status == .modified || change.status == .renamed {
            let versionMoved = change.fromVersion != change.toVersion
            if change.columnsOrRulesChanged && !versionMoved {
                warnings.append(
                    TemplateWarning(
                        template: change.name,
                        message: "columns or rules changed but Schema Version stayed \(change.toVersion ?? "unset")"))
            } else if versionMoved && !change.columnsOrRulesChanged {
                warnings.append(
                    TemplateWarning(
                        template: change.name,
                        message: "Schema Version moved \(change.fromVersion ?? "unset") → \(change.toVersion ?? "unset") with no change to columns or rules"))
            }
        }
        return TemplateComparison(templates: changes, lookups: compare(oldLookups, newLookups), warnings: warnings)
    }

    /// Pairs of (old, new); nil on one side for an added or removed template.
    static func match(_ old: [Template], _ new: [Template]) -> [(Template?, Template?)] {
        var pairs: [(Int, Int)] = []
        var freeOld = Set(old.indices)
        var freeNew = Set(new.indices)
        func pairUnique<Key: Hashable>(
            inOrder: Bool = false, accept: (Template, Template) -> Bool = { _, _ in true }, _ key: (Template) -> Key?
        ) {
            var oldByKey: [Key: [Int]] = [:]
            var newByKey: [Key: [Int]] = [:]
            for i in freeOld.sorted() { if let k = key(old[i]) { oldByKey[k, default: []].append(i) } }
            for j in freeNew.sorted() { if let k = key(new[j]) { newByKey[k, default: []].append(j) } }
            for (k, olds) in oldByKey {
                guard let news = newByKey[k] else { continue }
                // A unique key is trusted; equal counts pair in order only where asked.
                guard olds.count == news.count, olds.count == 1 || inOrder else { continue }
                for (i, j) in zip(olds, news) where accept(old[i], new[j]) {
                    pairs.append((i, j))
                    freeOld.remove(i)
                    freeNew.remove(j)
                }
            }
        }
        pairUnique(inOrder: true) { t in t.fileName.map { "\($0)\u{0}\(t.name)" } }
        pairUnique { $0.fileName }
        // A name alone is weak evidence (names get reused): the columns must mostly agree too.
        pairUnique(accept: { similarity($0, $1) >= 0.5 }) { $0.name }
        // Most similar columns first.
        var candidates: [(Double, Int, Int)] = []
        for i in freeOld {
            for j in freeNew {
                let score = similarity(old[i], new[j])
                if score >= similarityThreshold { candidates.append((score, i, j)) }
            }
        }
        for (_, i, j) in candidates.sorted(by: { ($0.0, -$0.1, -$0.2) > ($1.0, -$1.1, -$1.2) })
        where freeOld.contains(i) && freeNew.contains(j) {
            pairs.append((i, j))
            freeOld.remove(i)
            freeNew.remove(j)
        }
        var result: [(Template?, Template?)] = pairs.map { (old[$0.0], new[$0.1]) }
        result += freeOld.sorted().map { (old[$0], nil) }
        result += freeNew.sorted().map { (nil, new[$0]) }
        return result
    }

    /// Shared columns over the larger column list.
    static func similarity(_ a: Template, _ b: Template) -> Double {
        let (x, y) = (Set(a.qualifiedColumnNames), Set(b.qualifiedColumnNames))
        guard !x.isEmpty || !y.isEmpty else { return 0 }
        return Double(x.intersection(y).count) / Double(max(x.count, y.count))
    }

    static func compare(_ a: Template, _ b: Template) -> TemplateChange? {
        var change = TemplateChange(
            name: b.name, status: a.name == b.name ? .modified : .renamed, fromName: a.name == b.name ? nil : a.name,
            fromVersion: a.schemaVersion,
            toVersion: b.schemaVersion, fromFile: a.fileName, toFile: b.fileName)
        if a.fileName != b.fileName {
            change.changes["fileName"] = ValueChange(from: a.fileName.map(JSONValue.string) ?? .null, to: b.fileName.map(JSONValue.string) ?? .null)
        }
        if a.templateType != b.templateType {
            change.changes["templateType"] = ValueChange(
                from: a.templateType.map(JSONValue.string) ?? .null, to: b.templateType.map(JSONValue.string) ?? .null)
        }
        for key in Set(a.properties.keys).union(b.properties.keys).sorted() where a.properties[key] != b.properties[key] {
            change.changes[key] = ValueChange(from: a.properties[key] ?? .null, to: b.properties[key] ?? .null)
        }
        // Blocks pair by name (the single block of other templates has none).
        let oldBlocks = Dictionary(a.blocks.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        let newBlocks = Dictionary(b.blocks.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for block in b.blocks {
            let before = oldBlocks[block.name ?? ""]
            compareColumns(before?.columns ?? [], block.columns, block: block.name, into: &change)
            // A block's own attributes, as `<block>.<attribute>` among the template's changes.
            for key in Set(before?.attributes.keys ?? [:].keys).union(block.attributes.keys).sorted()
            where before != nil && before!.attributes[key] != block.attributes[key] {
                change.changes["\(block.name ?? "").\(key)"] = ValueChange(
                    from: before!.attributes[key] ?? .null, to: block.attributes[key] ?? .null)
            }
        }
        for block in a.blocks where newBlocks[block.name ?? ""] == nil {
            compareColumns(block.columns, [], block: block.name, into: &change)
        }
        let differs = change.status == .renamed || change.fromVersion != change.toVersion || !change.changes.isEmpty
            || change.columnsOrRulesChanged
        return differs ? change : nil
    }

    /// Columns pair by name; a name repeated within a block pairs by its occurrence.
    static func compareColumns(_ old: [TemplateColumn], _ new: [TemplateColumn], block: String?, into change: inout TemplateChange) {
        func keyed(_ columns: [TemplateColumn]) -> [(key: String, column: TemplateColumn)] {
            var seen: [String: Int] = [:]
            return columns.map { column in
                seen[column.name, default: 0] += 1
                return (seen[column.name]! == 1 ? column.name : "\(column.name)#\(seen[column.name]!)", column)
            }
        }
        func qualified(_ name: String) -> String { block.map { "\($0): \(name)" } ?? name }
        let (a, b) = (keyed(old), keyed(new))
        let oldByKey = Dictionary(a.map { ($0.key, $0.column) }, uniquingKeysWith: { first, _ in first })
        let newByKey = Dictionary(b.map { ($0.key, $0.column) }, uniquingKeysWith: { first, _ in first })
        for (key, column) in b where oldByKey[key] == nil {
            change.columnsAdded.append(qualified(column.name))
            if column.isRequired { change.requiredColumnsAdded.append(qualified(column.name)) }
        }
        for (key, column) in a where newByKey[key] == nil { change.columnsRemoved.append(qualified(column.name)) }
        // Moved: common columns outside the longest run kept in the same relative order.
        let commonOld = a.map(\.key).filter { newByKey[$0] != nil }
        let commonNew = b.map(\.key).filter { oldByKey[$0] != nil }
        let kept = Set(longestCommonSubsequence(commonOld, commonNew))
        change.columnsMoved += commonNew.filter { !kept.contains($0) }.map { qualified(newByKey[$0]!.name) }
        for (key, column) in b {
            guard let before = oldByKey[key] else { continue }
            var diffs: [String: ValueChange] = [:]
            for attribute in Set(before.attributes.keys).union(column.attributes.keys)
            where before.attributes[attribute] != column.attributes[attribute] {
                diffs[attribute] = ValueChange(from: before.attributes[attribute] ?? .null, to: column.attributes[attribute] ?? .null)
            }
            if !diffs.isEmpty { change.columnsChanged.append(ColumnChange(column: qualified(column.name), changes: diffs)) }
            if column.isRequired && !before.isRequired { change.columnsNowRequired.append(qualified(column.name)) }
        }
    }

    static func longestCommonSubsequence(_ a: [String], _ b: [String]) -> [String] {
        guard !a.isEmpty, !b.isEmpty else { return [] }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var (i, j) = (0, 0)
        var result: [String] = []
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                result.append(a[i])
                i += 1
                j += 1
            } else if table[i + 1][j] >= table[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }

    static func compare(_ old: [LookupTable], _ new: [LookupTable]) -> [LookupChange] {
        let oldByName = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newByName = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [LookupChange] = []
        for name in Set(oldByName.keys).union(newByName.keys).sorted() {
            let before = oldByName[name]?.values.map(\.name) ?? []
            let after = newByName[name]?.values.map(\.name) ?? []
            let added = after.filter { !Set(before).contains($0) }
            let removed = before.filter { !Set(after).contains($0) }
            let status: ChangeStatus = oldByName[name] == nil ? .added : newByName[name] == nil ? .removed : .modified
            if status != .modified || !added.isEmpty || !removed.isEmpty {
                changes.append(LookupChange(name: name, status: status, valuesAdded: added, valuesRemoved: removed))
            }
        }
        return changes
    }

    /// `.txt` templates that disagree with their definition (by file name, else by a unique name)
    /// on Schema Version or columns.
    public static func inconsistencies(definitions: [FoundTemplate], textTemplates: [FoundTemplate]) -> [Inconsistency] {
        var result: [Inconsistency] = []
        for text in textTemplates {
            let file = text.path.split(separator: "/").last.map(String.init) ?? text.path
            let byFile = definitions.filter { $0.template.fileName == file }
            let byName = definitions.filter { $0.template.name == text.template.name }
            guard let definition = (byFile.count == 1 ? byFile.first : nil) ?? (byName.count == 1 ? byName.first : nil)
            else { continue }
            let (d, t) = (definition.template, text.template)
            if d.schemaVersion != t.schemaVersion {
                result.append(
                    Inconsistency(
                        path: text.path, template: d.name,
                        problem: "Schema Version \(t.schemaVersion ?? "missing") in the .txt, \(d.schemaVersion ?? "missing") in \(definition.path)"))
            }
            if d.name != t.name {
                result.append(
                    Inconsistency(path: text.path, template: d.name, problem: "named '\(t.name)' in the .txt, '\(d.name)' in \(definition.path)"))
            }
            let (dc, tc) = (d.qualifiedColumnNames, t.qualifiedColumnNames)
            if dc != tc {
                let missing = dc.filter { !tc.contains($0) }
                let extra = tc.filter { !dc.contains($0) }
                var problem = "columns differ from \(definition.path)"
                if !missing.isEmpty { problem += "; missing from the .txt: " + missing.joined(separator: ", ") }
                if !extra.isEmpty { problem += "; only in the .txt: " + extra.joined(separator: ", ") }
                if missing.isEmpty && extra.isEmpty { problem += " in order" }
                result.append(Inconsistency(path: text.path, template: d.name, problem: problem))
            }
        }
        return result
    }
}
