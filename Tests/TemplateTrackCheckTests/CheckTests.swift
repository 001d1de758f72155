import Foundation
import TemplateTrackBase
import TemplateTrackCheck
import Testing

@Suite("Checking filled templates against ImmPort's real definitions")
struct CheckTests {
    /// Every template of both versions, filled with values its rules accept, checks clean
    /// as `.txt` and as `.xlsx`: resolution of 3.15's shared names, compound blocks,
    /// shared and inline strings, rich text, number and date cells all read as written.
    @Test(
        "Clean files of every template check clean", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote),
        arguments: ["3.15", "3.18"])
    func cleanFilesCheckClean(version: String) throws {
        let scratch = try Scratch()
        let catalog = try ImmPort.catalog(version)
        let templates = try ImmPort.rawTemplates(version)
        let lookups = try ImmPort.rawLookups(version)
        #expect(templates.count == 63)
        for (index, template) in templates.enumerated() {
            let sheet = FilledTemplateGenerator(template: template, lookups: lookups, firstBlockAsKeyValue: index % 2 == 0).sheet()
            let text = scratch.file("\(index)-\(template.fileName)")
            let workbook = scratch.file("\(index)-\(template.fileName).xlsx")
            try sheet.writeText(to: text, crlf: index % 2 == 1)
            try sheet.writeWorkbook(to: workbook)
            for path in [text, workbook] {
                var rows = 0
                let checked = try FilledTemplateChecker.check(fileAt: path, against: catalog) { finding in
                    Issue.record("\(template.fileName): unexpected finding \(finding.message)")
                }
                rows = checked.dataRows
                #expect(checked.template?.fileName == template.fileName, "\(path) resolved to \(checked.template?.fileName ?? "nothing")")
                #expect(rows > 0)
            }
        }
    }

    /// A 3.15 `subjectshuman` file with a planted fault of every single-block rule, written as
    /// `.txt` (CRLF, BOM, trailing tabs, a blank line) and as `.xlsx`.
    static func plantedSubjects() throws -> (Sheet, Set<Planted>) {
        let template = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "subjectshuman" })
        var sheet = FilledTemplateGenerator(template: template, lookups: try ImmPort.rawLookups("3.15")).sheet(dataRows: 8)
        var expected: Set<Planted> = []
        let header = 3
        func column(_ name: String) throws -> Int { try #require(sheet.index(of: name, headerRow: header)) }

        // missing_column: an optional column (warning) and a required one (error, and no `required` per row).
        sheet.removeColumn(try column("Race Specify"), from: header, through: sheet.rows.count)
        sheet.removeColumn(try column("Ethnicity"), from: header, through: sheet.rows.count)
        expected.insert(Planted(row: header, column: "Race Specify", rule: "missing_column"))
        expected.insert(Planted(row: header, column: "Ethnicity", rule: "missing_column"))
        // A blank line among the data rows: line numbers count it.
        sheet.rows.insert([], at: 6)
        let data = [4, 5, 6, 8, 9, 10, 11, 12]
        #expect(sheet.rows.count == 12)

        sheet.rows[0][1] = .text("Schema Version 3.14")
        expected.insert(Planted(row: 1, rule: "schema_version"))
        sheet[data[0], try column("Gender")] = .empty
        expected.insert(Planted(row: data[0], column: "Gender", rule: "required"))
        sheet[data[1], try column("Gender")] = .text("Purple")
        expected.insert(Planted(row: data[1], column: "Gender", rule: "vocabulary"))
        let ancestry = try column("Ancestry Population(s)")
        sheet[data[2], ancestry] = .inline(sheet[data[2], ancestry].txt + "; Atlantean")
        expected.insert(Planted(row: data[2], column: "Ancestry Population(s)", rule: "vocabulary"))
        sheet[data[3], try column("Subject Location")] = .text("Atlantis")
        expected.insert(Planted(row: data[3], column: "Subject Location", rule: "vocabulary"))
        sheet[data[4], try column("Min Subject Age")] = .inline("abc")
        expected.insert(Planted(row: data[4], column: "Min Subject Age", rule: "type"))
        sheet[data[5], try column("Age Event Specify")] = .text(String(repeating: "x", count: 51))
        expected.insert(Planted(row: data[5], column: "Age Event Specify", rule: "length"))
        // 200 characters of two bytes each fit varchar(200): length counts characters.
        sheet[data[6], try column("Subject Phenotype")] = .text(String(repeating: "é", count: 200))
        sheet[data[7], try column("User Defined ID")] = sheet[data[0], try column("User Defined ID")]
        expected.insert(Planted(row: data[7], column: "User Defined ID", rule: "duplicate_id"))

        // unknown_column: a header the template lacks, and a value with no header above it.
        let width = sheet.rows[header - 1].count
        sheet[header, width] = .text("Favourite Colour")
        sheet[data[1], width] = .text("blue")
        expected.insert(Planted(row: header, column: "Favourite Colour", rule: "unknown_column"))
        sheet[data[4], width + 2] = .inline("stray")
        expected.insert(Planted(row: data[4], rule: "unknown_column"))
        return (sheet, expected)
    }

    /// A 3.15 `basic_study_design` with the compound-template faults: a key/value `study`
    /// block with a bad positive number, a bad date and an unknown key; a duplicate ID and an
    /// empty required cell in table blocks; a block the template lacks; a required block missing.
    static func plantedStudyDesign() throws -> (Sheet, Set<Planted>) {
        let template = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "basic_study_design" })
        var sheet = FilledTemplateGenerator(
            template: template, lookups: try ImmPort.rawLookups("3.15"), firstBlockAsKeyValue: true
        ).sheet(dataRows: 2)
        var expected: Set<Planted> = []
        func row(_ first: String, after: Int = 0) throws -> Int {
            try #require(sheet.rows.indices.first { $0 >= after && sheet.rows[$0].first?.txt == first }) + 1
        }
        // The study block: key/value rows.
        sheet[try row("Target Enrollment"), 1] = .number("0")
        expected.insert(Planted(block: "study", row: try row("Target Enrollment"), column: "Target Enrollment", rule: "type"))
        sheet[try row("Actual Start Date"), 1] = .text("31-Feb-2017")
        expected.insert(Planted(block: "study", row: try row("Actual Start Date"), column: "Actual Start Date", rule: "type"))
        let afterStudy = try row("Actual Start Date")
        sheet.rows.insert([.text("Favourite Colour"), .text("blue")], at: afterStudy)
        expected.insert(Planted(block: "study", row: afterStudy + 1, column: "Favourite Colour", rule: "unknown_column"))

        // arm_or_cohort: the second row repeats the first's ID.
        let arms = try row("arm_or_cohort")
        sheet[arms + 3, 1] = sheet[arms + 2, 1]
        expected.insert(Planted(block: "arm_or_cohort", row: arms + 3, column: "User Defined ID", rule: "duplicate_id"))
        // planned_visit: an empty required Name.
        let visits = try row("planned_visit")
        let name = try #require(sheet.index(of: "Name", headerRow: visits + 1))
        sheet[visits + 2, name] = .empty
        expected.insert(Planted(block: "planned_visit", row: visits + 2, column: "Name", rule: "required"))

        // The required study_2_protocol block goes (blank line, name, header, two rows).
        let protocols = try row("study_2_protocol")
        sheet.rows.removeSubrange((protocols - 2)..<(protocols + 3))
        expected.insert(Planted(block: "study_2_protocol", rule: "missing_column"))
        // A block the template does not have, at the end.
        sheet.rows += [[], [.text("study_extras")], [.text("Column Name"), .text("Anything")], [.empty, .text("x")]]
        expected.insert(Planted(block: "study_extras", row: sheet.rows.count - 2, rule: "unknown_column"))
        return (sheet, expected)
    }

    @Test("Planted faults of every rule are found exactly, in .txt and .xlsx", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func plantedFaultsFoundExactly() throws {
        let scratch = try Scratch()
        let catalog = try ImmPort.catalog("3.15")
        let (subjects, subjectFaults) = try Self.plantedSubjects()
        let (design, designFaults) = try Self.plantedStudyDesign()
        let unknown = Sheet(rows: [
            [.text("no_such_template"), .text("Schema Version 3.15")], [.text("Please do not delete or edit this column")],
            [.text("Column Name"), .text("Colour")], [.empty, .text("blue")],
        ])
        let unknownFaults: Set<Planted> = [Planted(row: 1, rule: "unknown_template")]
        // preferred_value: adverse events' Severity Reported takes lk_adverse_event_severity's preferred values.
        let adverse = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "adverseevents" })
        var events = FilledTemplateGenerator(template: adverse, lookups: try ImmPort.rawLookups("3.15")).sheet(dataRows: 2)
        events[5, try #require(events.index(of: "Severity Reported", headerRow: 3))] = .text("Catastrophic")
        let eventFaults: Set<Planted> = [Planted(row: 5, column: "Severity Reported", rule: "preferred_value")]

        // Every rule is planted somewhere: a new rule needs a planted fault here.
        let allRules = Set((subjectFaults.union(designFaults).union(unknownFaults).union(eventFaults)).map(\.rule))
        #expect(allRules == Set(CheckRule.allCases.map(\.rawValue)))

        for (name, sheet, faults) in [
            ("subjects", subjects, subjectFaults), ("design", design, designFaults), ("unknown", unknown, unknownFaults),
            ("events", events, eventFaults),
        ] {
            let text = scratch.file("\(name).txt")
            let workbook = scratch.file("\(name).xlsx")
            try sheet.writeText(to: text, crlf: true, bom: true, trailingTabs: true)
            try sheet.writeWorkbook(to: workbook)
            for path in [text, workbook] {
                let findings = try FilledTemplateChecker.check(fileAt: path, against: catalog)
                let found = planted(findings)
                #expect(found == faults, "\(path): missed \(faults.subtracting(found)), extra \(found.subtracting(faults))")
                #expect(findings.count == faults.count, "one finding per planted fault")
                #expect(findings.allSatisfy { $0.file == path })
                for finding in findings {
                    let warning = finding.rule == .preferredValue || (finding.rule == .missingColumn && finding.column == "Race Specify")
                    #expect(finding.severity == (warning ? .warning : .error), "\(finding.message)")
                    #expect(!finding.message.contains("\n") && !finding.message.contains("\u{1B}"))
                }
            }
        }
        // The duplicate names the row it repeats; the vocabulary finding names the item, not the cell.
        let findings = try FilledTemplateChecker.check(fileAt: scratch.file("subjects.txt"), against: catalog)
        #expect(findings.first { $0.rule == .duplicateID }?.expected == "row 4")
        #expect(findings.first { $0.rule == .vocabulary && $0.column == "Ancestry Population(s)" }?.value == "Atlantean")
        #expect(findings.first { $0.rule == .schemaVersion }.map { [$0.value, $0.expected] } == ["3.14", "3.15"])
    }

    /// In 3.15, `elisa` names both an experiment-samples and a reagents template: the headers decide.
    @Test("A shared template name resolves by its columns", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func sharedNamesResolveByColumns() throws {
        let catalog = try ImmPort.catalog("3.15")
        let raw = try ImmPort.rawTemplates("3.15").filter { $0.name == "elisa" }
        #expect(raw.count == 2)
        #expect(catalog.templates(named: "elisa").count == 2)
        for template in raw {
            let headers = template.blocks[0].columns.map(\.name)
            let resolved = catalog.resolve(templateNamed: "elisa", headers: headers)
            #expect(resolved.template?.fileName == template.fileName)
            if case .matched = resolved {} else { Issue.record("expected a match by name for \(template.fileName)") }
        }
        // Renamed in 3.18: the reagents file's columns are elisa_reagents', not experiment samples'.
        let reagents = try #require(raw.first { $0.fileName == "reagents.ELISA.txt" })
        let newer = try ImmPort.catalog("3.18")
        let resolved = newer.resolve(templateNamed: "elisa", headers: reagents.blocks[0].columns.map(\.name))
        #expect(resolved == .nameMismatch(try #require(newer.templates(named: "elisa_reagents").first)))
    }

    @Test("Findings encode every key, absent ones as null")
    func findingJSON() throws {
        let finding = CheckFinding(file: "a.txt", template: "t", row: 4, column: "Age Unit", rule: .required, severity: .error)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(finding)) as? [String: Any])
        #expect(Set(object.keys) == ["file", "template", "block", "row", "column", "rule", "value", "expected", "severity", "message"])
        #expect(object["block"] is NSNull && object["value"] is NSNull && object["expected"] is NSNull)
        #expect(object["rule"] as? String == "required" && object["row"] as? Int == 4)
        #expect(finding.message == "Row 4: 'Age Unit' is empty but required.")
        let decoded = try JSONDecoder().decode(CheckFinding.self, from: JSONEncoder().encode(finding))
        #expect(decoded == finding)
    }
}
