import Foundation
import TemplateTrackCheck
import Testing

@Suite("Grouping findings for plain-text output")
struct GroupingTests {
    func finding(
        _ file: String = "subjects.txt", row: Int?, column: String? = "Age Unit", rule: CheckRule = .required, value: String? = nil,
        expected: String? = nil, severity: CheckSeverity = .error, block: String? = nil
    ) -> CheckFinding {
        CheckFinding(
            file: file, template: "subjectshuman", block: block, row: row, column: column, rule: rule, value: value,
            expected: expected, severity: severity)
    }

    @Test("500 rows with the same fault are one group; gaps split the ranges, not the group")
    func sameFaultIsOneGroup() {
        var findings = (4...503).map { finding(row: $0) }
        findings += [7, 9, 10, 11, 20].map {
            finding(row: $0, column: "Gender", rule: .vocabulary, value: $0 == 7 ? "Femal" : "Mle", expected: "a value of lk_gender")
        }
        let groups = FindingGrouping.group(findings.shuffled())
        #expect(groups.count == 2)
        #expect(groups[0].rule == .required && groups[0].rows == [4...503] && groups[0].count == 500)
        #expect(groups[0].fault == "'Age Unit' is empty but required")
        #expect(groups[1].rows == [7...7, 9...11, 20...20] && groups[1].count == 5 && groups[1].expected == "a value of lk_gender")
        #expect(["Femal", "Mle"].contains(groups[1].exampleValue ?? ""))
        #expect(FindingText.line(for: groups[0]) == "rows 4–503: 'Age Unit' is empty but required")
    }

    @Test("Files, then rules in their order, then first row; the renderer's exact lines")
    func renderedLines() {
        let findings = [
            finding("b.txt", row: 9, column: "Min Subject Age", rule: .type, value: "abc", expected: "a number"),
            finding("a.txt", row: 1, column: nil, rule: .schemaVersion, value: "3.15", expected: "3.18"),
            finding("a.txt", row: 5),
            finding("a.txt", row: 6),
            finding("a.txt", row: 12, column: "User Defined ID", rule: .duplicateID, value: "S1", expected: "row 4"),
            finding("a.txt", row: 14, column: "User Defined ID", rule: .duplicateID, value: "S2", expected: "row 8"),
            finding("a.txt", row: 3, column: "Race Specify", rule: .missingColumn, severity: .warning),
            finding("a.txt", row: nil, column: nil, rule: .missingColumn, block: "study_2_protocol"),
            finding("b.txt", row: 4, column: "Severity Reported", rule: .preferredValue, value: "Bad", expected: "a preferred value of lk_adverse_event_severity", severity: .warning),
        ]
        let groups = FindingGrouping.group(findings)
        #expect(groups.map(\.file) == ["b.txt", "b.txt", "a.txt", "a.txt", "a.txt", "a.txt", "a.txt"])
        #expect(groups.first { $0.rule == .duplicateID }.map { [$0.count, $0.rows.count] } == [2, 2])
        #expect(groups.first { $0.rule == .duplicateID }?.expected == nil, "each duplicate repeats a different row")
        #expect(FindingText.lines(for: groups) == [
            "b.txt (subjectshuman): 1 error, 1 warning",
            "  preferred_value",
            "    row 4: 'Severity Reported' is not a preferred value of lk_adverse_event_severity ('Bad')",
            "  type",
            "    row 9: 'Min Subject Age' is not a number ('abc')",
            "a.txt (subjectshuman): 6 errors, 1 warning",
            "  schema_version",
            "    row 1: Schema Version is 3.15 but the template is at 3.18",
            "  missing_column",
            "    [study_2_protocol] required block 'study_2_protocol' is missing",
            "    row 3: column 'Race Specify' is missing",
            "  required",
            "    rows 5–6: 'Age Unit' is empty but required",
            "  duplicate_id",
            "    rows 12, 14: 'User Defined ID' repeats an ID used on an earlier row (e.g. 'S1')",
        ])
        #expect(FindingText.lines(for: groups).allSatisfy { !$0.contains("\u{1B}") && !$0.contains("\n") })
    }

    @Test("Groups encode rows as [first, last] pairs and every key")
    func groupJSON() throws {
        let groups = FindingGrouping.group([finding(row: 4), finding(row: 5), finding(row: 9)])
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(groups[0])) as? [String: Any])
        #expect(object["rows"] as? [[Int]] == [[4, 5], [9, 9]])
        #expect(Set(object.keys) == ["file", "template", "rule", "block", "column", "severity", "rows", "count", "example_value", "expected", "fault"])
        #expect(object["block"] is NSNull)
    }
}
