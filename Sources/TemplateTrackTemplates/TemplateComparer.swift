import TemplateTrackBase

/// Matches templates across two snapshots and compares them as schemas.
///
/// Neither name nor file is a stable identity in ImmPort's history: names repeat within a
/// version (3.15 had fourteen shared names), and a template can change both name and file
/// while keeping its columns. Templates pair, in this order: identical ones (a `.txt` template
/// has no file name, and one without columns has nothing else to pair on); the same (file,
/// name); the same file; the same name where at least half the columns agree; then the most
/// similar column list (at least 70% shared); one template never pairs twice, so duplicates
/// never collapse.
public enum TemplateComparer {
    public static let similarityThreshold = 0.7

    public static func compare(
        old: [Template], new: [Template], oldLookups: [LookupTable] = [], newLookups: [LookupTable] = []
    ) -> TemplateComparison {
        var compared: [(change: TemplateChange, breaking: [BreakingChange])] = []
        for (a, b) in match(old, new) {
            switch (a, b) {
            case (let a?, let b?):
                if let pair = compare(a, b) { compared.append(pair) }
            case (let a?, nil):
                let removed = TemplateChange(
                    name: a.name, status: .removed, fromVersion: a.schemaVersion, fromFile: a.fileName,
                    columnsRemoved: a.qualifiedColumnNames)
                // Its columns went with it.
                compared.append((removed, [BreakingChange(kind: .templateRemoved, template: a.name)]))
            case (nil, let b?):
                // A new template breaks nothing already prepared.
                let added = TemplateChange(
                    name: b.name, status: .added, toVersion: b.schemaVersion, toFile: b.fileName,
                    columnsAdded: b.qualifiedColumnNames)
                compared.append((added, []))
            case (nil, nil):
                break
            }
        }
        compared.sort {
            ($0.change.name, $0.change.toFile ?? $0.change.fromFile ?? "")
                < ($1.change.name, $1.change.toFile ?? $1.change.fromFile ?? "")
        }
        let changes = compared.map(\.change)
        var warnings: [TemplateWarning] = []
        for change in changes where change.status == .modified || change.status == .renamed {
            let versionMoved = change.fromVersion != change.toVersion
            if change.columnsOrRulesChanged && !versionMoved {
                warnings.append(
                    TemplateWarning(
                        kind: .rulesChangedVersionKept, template: change.name, fromVersion: change.fromVersion,
                        toVersion: change.toVersion))
            } else if versionMoved && !change.columnsOrRulesChanged {
                warnings.append(
                    TemplateWarning(
                        kind: .versionOnly, template: change.name, fromVersion: change.fromVersion,
                        toVersion: change.toVersion))
            }
        }
        var breaking = compared.flatMap(\.breaking)
        let lookups = compare(oldLookups, newLookups)
        for lookup in lookups where !lookup.valuesRemoved.isEmpty {
            breaking.append(
                BreakingChange(
                    kind: lookup.status == .removed ? .lookupTableRemoved : .vocabularyNarrowed, lookup: lookup.name,
                    values: lookup.valuesRemoved))
        }
        return TemplateComparison(templates: changes, lookups: lookups, warnings: warnings, breaking: breaking)
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
        pairUnique(inOrder: true) { $0 }
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

    static func compare(_ a: Template, _ b: Template) -> (TemplateChange, [BreakingChange])? {
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
        var breaking = ColumnBreaks()
        for block in b.blocks {
            let before = oldBlocks[block.name ?? ""]
            compareColumns(before?.columns ?? [], block.columns, block: block.name, into: &change, breaks: &breaking)
            // A block's own attributes, as `<block>.<attribute>` among the template's changes.
            for key in Set(before?.attributes.keys ?? [:].keys).union(block.attributes.keys).sorted()
            where before != nil && before!.attributes[key] != block.attributes[key] {
                change.changes["\(block.name ?? "").\(key)"] = ValueChange(
                    from: before!.attributes[key] ?? .null, to: block.attributes[key] ?? .null)
            }
        }
        for block in a.blocks where newBlocks[block.name ?? ""] == nil {
            compareColumns(block.columns, [], block: block.name, into: &change, breaks: &breaking)
        }
        let differs = change.status == .renamed || change.fromVersion != change.toVersion || !change.changes.isEmpty
            || change.columnsOrRulesChanged
        return differs ? (change, breaking.ordered(template: change.name, columnsRemoved: change.columnsRemoved, changed: change.columnsChanged)) : nil
    }

    /// What can break prepared data, gathered while comparing columns.
    struct ColumnBreaks {
        var requiredAdded: [String] = []
        var nowRequired: [String] = []

        /// Most serious first: new required columns, newly required, removed, then type and vocabulary.
        func ordered(template: String, columnsRemoved: [String], changed: [ColumnChange]) -> [BreakingChange] {
            var out = requiredAdded.map { BreakingChange(kind: .requiredColumnAdded, template: template, column: $0) }
            out += nowRequired.map { BreakingChange(kind: .columnNowRequired, template: template, column: $0) }
            out += columnsRemoved.map { BreakingChange(kind: .columnRemoved, template: template, column: $0) }
            for column in changed {
                if let type = column.changes["jsonDataType"] {
                    out.append(
                        BreakingChange(kind: .dataTypeChanged, template: template, column: column.column, from: type.from, to: type.to))
                }
                if let vocabulary = column.changes["cvTableName"] {
                    out.append(
                        BreakingChange(
                            kind: .vocabularyChanged, template: template, column: column.column, from: vocabulary.from,
                            to: vocabulary.to))
                }
            }
            return out
        }
    }

    /// Columns pair by name; a name repeated within a block pairs by its occurrence.
    static func compareColumns(
        _ old: [TemplateColumn], _ new: [TemplateColumn], block: String?, into change: inout TemplateChange,
        breaks: inout ColumnBreaks
    ) {
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
            if column.isRequired { breaks.requiredAdded.append(qualified(column.name)) }
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
            if column.isRequired && !before.isRequired { breaks.nowRequired.append(qualified(column.name)) }
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
                        kind: .schemaVersion, path: text.path, template: d.name, definitionPath: definition.path,
                        textValue: t.schemaVersion, definitionValue: d.schemaVersion))
            }
            if d.name != t.name {
                result.append(
                    Inconsistency(
                        kind: .name, path: text.path, template: d.name, definitionPath: definition.path, textValue: t.name,
                        definitionValue: d.name))
            }
            let (dc, tc) = (d.qualifiedColumnNames, t.qualifiedColumnNames)
            if dc != tc {
                result.append(
                    Inconsistency(
                        kind: .columns, path: text.path, template: d.name, definitionPath: definition.path,
                        missingColumns: dc.filter { !tc.contains($0) }, extraColumns: tc.filter { !dc.contains($0) }))
            }
        }
        return result
    }
}
