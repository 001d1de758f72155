/// Findings of one kind gathered for reading: the same file, rule, block, column and fault,
/// with their rows as ranges, so 500 rows with the same fault read as one line.
public struct FindingGroup: Sendable, Hashable, Encodable {
    /// The checked file.
    public var file: String
    /// The template name the file gives.
    public var template: String
    /// The rule broken.
    public var rule: CheckRule
    /// The compound block, if any.
    public var block: String?
    /// The column, if any.
    public var column: String?
    /// Error or warning.
    public var severity: CheckSeverity
    /// Contiguous runs of rows, ascending; empty when the findings have no row.
    public var rows: [ClosedRange<Int>]
    /// How many findings the group holds.
    public var count: Int
    /// The first offending value, to show what the fault looks like.
    public var exampleValue: String?
    /// What would be accepted, when all the group's findings agree on it.
    public var expected: String?
    /// What is wrong, without row or value: `'Age Unit' is empty but required`.
    public var fault: String

    enum CodingKeys: String, CodingKey {
        case file, template, rule, block, column, severity, rows, count, exampleValue = "example_value", expected, fault
    }

    /// Encodes every key (absent values as `null`); rows as `[first, last]` pairs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(template, forKey: .template)
        try container.encode(rule, forKey: .rule)
        try container.encode(block, forKey: .block)
        try container.encode(column, forKey: .column)
        try container.encode(severity, forKey: .severity)
        try container.encode(rows.map { [$0.lowerBound, $0.upperBound] }, forKey: .rows)
        try container.encode(count, forKey: .count)
        try container.encode(exampleValue, forKey: .exampleValue)
        try container.encode(expected, forKey: .expected)
        try container.encode(fault, forKey: .fault)
    }
}

/// Groups findings for reading. Pure: no I/O, no colour.
public enum FindingGrouping {
    /// Groups `findings` by file (in order of first appearance), then rule (in `CheckRule`
    /// order), then block, column and fault (in order of first row). Within a group, rows
    /// become contiguous ranges: rows 4, 5, 6 and 9 read `4–6, 9`. `duplicate_id` findings
    /// group regardless of which earlier row each repeats.
    public static func group(_ findings: [CheckFinding]) -> [FindingGroup] {
        struct Key: Hashable {
            var file: String
            var template: String
            var rule: CheckRule
            var block: String?
            var column: String?
            var severity: CheckSeverity
            var fault: String
        }
        var order: [Key] = []
        var members: [Key: [CheckFinding]] = [:]
        var fileOrder: [String: Int] = [:]
        for finding in findings {
            let fault = FindingWording.fault(
                rule: finding.rule, template: finding.template, block: finding.block, column: finding.column,
                value: finding.value, expected: finding.expected, severity: finding.severity)
            let key = Key(
                file: finding.file, template: finding.template, rule: finding.rule, block: finding.block,
                column: finding.column, severity: finding.severity, fault: fault)
            if fileOrder[finding.file] == nil { fileOrder[finding.file] = fileOrder.count }
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(finding)
        }
        let ruleOrder = Dictionary(uniqueKeysWithValues: CheckRule.allCases.enumerated().map { ($1, $0) })
        var groups: [(Key, FindingGroup)] = order.map { key in
            let list = members[key] ?? []
            let expectations = Set(list.map(\.expected))
            return (
                key,
                FindingGroup(
                    file: key.file, template: key.template, rule: key.rule, block: key.block, column: key.column,
                    severity: key.severity, rows: ranges(list.compactMap(\.row)), count: list.count,
                    exampleValue: list.lazy.compactMap(\.value).first,
                    expected: key.rule == .duplicateID || expectations.count != 1 ? nil : list.first?.expected,
                    fault: key.fault)
            )
        }
        groups.sort { a, b in
            let (fa, fb) = (fileOrder[a.0.file] ?? 0, fileOrder[b.0.file] ?? 0)
            if fa != fb { return fa < fb }
            let (ra, rb) = (ruleOrder[a.0.rule] ?? 0, ruleOrder[b.0.rule] ?? 0)
            if ra != rb { return ra < rb }
            return (a.1.rows.first?.lowerBound ?? 0) < (b.1.rows.first?.lowerBound ?? 0)
        }
        return groups.map(\.1)
    }

    /// Sorted, de-duplicated rows as contiguous ranges.
    static func ranges(_ rows: [Int]) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for row in Set(rows).sorted() {
            if let last = result.last, last.upperBound + 1 == row {
                result[result.count - 1] = last.lowerBound...row
            } else {
                result.append(row...row)
            }
        }
        return result
    }
}
