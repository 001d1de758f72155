/// Plain-text rendering of grouped findings, for a terminal or a log: no colour, no ANSI.
///
/// ```
/// subjects.txt (subjectshuman): 96 errors, 2 warnings
///   required
///     rows 4–97: 'Age Unit' is empty but required
///   vocabulary
///     rows 5, 9–12: 'Gender' is not a value of lk_gender (e.g. 'Femal')
/// ```
public enum FindingText {
    /// The lines for `groups` (from `FindingGrouping.group`), without line breaks.
    public static func lines(for groups: [FindingGroup]) -> [String] {
        var lines: [String] = []
        var index = 0
        while index < groups.count {
            let file = groups[index].file
            let fileGroups = groups[index...].prefix { $0.file == file }
            index += fileGroups.count
            let errors = fileGroups.filter { $0.severity == .error }.reduce(0) { $0 + $1.count }
            let warnings = fileGroups.filter { $0.severity == .warning }.reduce(0) { $0 + $1.count }
            let templates = Set(fileGroups.map(\.template)).sorted().joined(separator: ", ")
            lines.append("\(file) (\(templates)): \(counted(errors, "error")), \(counted(warnings, "warning"))")
            var rule: CheckRule?
            for group in fileGroups {
                if group.rule != rule {
                    rule = group.rule
                    lines.append("  \(group.rule.rawValue)")
                }
                lines.append("    " + line(for: group))
            }
        }
        return lines
    }

    /// One group on one line: `rows 4–97: 'Age Unit' is empty but required`.
    public static func line(for group: FindingGroup) -> String {
        var text = ""
        if let place = rowText(group.rows) { text = place + ": " }
        if let block = group.block { text += "[\(FindingWording.oneLine(block))] " }
        text += group.fault
        switch group.rule {
        case .vocabulary, .preferredValue, .type, .length, .duplicateID, .unknownColumn:
            if let value = group.exampleValue {
                text += group.count > 1 ? " (e.g. \(FindingWording.quoted(value)))" : " (\(FindingWording.quoted(value)))"
            }
        default:
            break
        }
        return text
    }

    /// `row 4`, `rows 4–97`, `rows 4–6, 9`; nil without rows.
    public static func rowText(_ rows: [ClosedRange<Int>]) -> String? {
        guard !rows.isEmpty else { return nil }
        let parts = rows.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound)" }
        return (rows.count == 1 && rows[0].count == 1 ? "row " : "rows ") + parts.joined(separator: ", ")
    }

    static func counted(_ count: Int, _ noun: String) -> String { count == 1 ? "1 \(noun)" : "\(count) \(noun)s" }
}
