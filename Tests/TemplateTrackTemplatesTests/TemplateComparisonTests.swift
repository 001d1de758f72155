import Foundation
import Testing
import TemplateTrackBase
@testable import TemplateTrackTemplates
import TemplateTrackTesting

@Suite("Templates read as schemas, compared")
struct TemplateComparisonTests {
    @Test(
        "known edits to ImmPort's 3.18 definitions are reported exactly, and nothing else",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func knownEditsToRealDefinitions() throws {
        let data = try Data(contentsOf: ImmPortReference.folder.appending(path: "templates-3.18.json"))
        let original = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var edited = original.map { template -> [String: Any] in
            var copy = template
            copy["schemaVersion"] = "3.20"
            return copy
        }
        let singles = edited.indices.filter { edited[$0]["columns"] != nil }
        let (renamed, reordered, ruled, removed) = (singles[0], singles[1], singles[2], singles[3])
        // 1. A new name and a new file, same columns.
        edited[renamed]["name"] = "renamed_template"
        edited[renamed]["fileName"] = "Renamed_Template.txt"
        // 2. The first two columns swap places.
        var columns = edited[reordered]["columns"] as! [[String: Any]]
        columns.swapAt(0, 1)
        edited[reordered]["columns"] = columns
        // 3. A column's rule flips.
        columns = edited[ruled]["columns"] as! [[String: Any]]
        let ruledColumn = columns[2]["templateColumn"] as! String
        let wasRequired = columns[2]["required"] as! Bool
        columns[2]["required"] = !wasRequired
        edited[ruled]["columns"] = columns
        // 4. One template goes; 5. one arrives.
        let removedName = edited[removed]["name"] as! String
        edited.remove(at: removed)
        edited.append(Self.definition("brand_new", file: "Brand_New.txt", version: "3.20", columns: ["User Defined ID"]))
        // 6. A compound block stops being required.
        let compound = try #require(edited.firstIndex { $0["templates"] != nil })
        var blocks = edited[compound]["templates"] as! [[String: Any]]
        let blockName = blocks[1]["name"] as! String
        let blockWas = blocks[1]["templateRequired"] as! String  // ImmPort writes "yes"/"no"
        let blockNow = blockWas == "yes" ? "no" : "yes"
        blocks[1]["templateRequired"] = blockNow
        edited[compound]["templates"] = blocks

        let comparison = try Self.compare(original, edited)
        let byName = Dictionary(comparison.templates.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(comparison.templates.count == 64)  // 62 kept (all moved to 3.20), one removed, one added
        #expect(comparison.templates.filter { $0.status == .renamed }.map(\.name) == ["renamed_template"])
        #expect(byName["renamed_template"]?.fromName == original[renamed]["name"] as? String)
        #expect(byName["renamed_template"]?.columnsOrRulesChanged == false)
        #expect(comparison.templates.filter { $0.status == .removed }.map(\.name) == [removedName])
        #expect(comparison.templates.filter { $0.status == .added }.map(\.name) == ["brand_new"])
        let reorderedName = original[reordered]["name"] as! String
        let ruledName = original[ruled]["name"] as! String
        let compoundName = original[compound]["name"] as! String
        let withColumnChanges = comparison.templates.filter { $0.status != .added && $0.status != .removed && $0.columnsOrRulesChanged }
        #expect(Set(withColumnChanges.map(\.name)) == [reorderedName, ruledName])
        #expect(byName[reorderedName]?.columnsMoved.count == 1)
        #expect(byName[reorderedName]?.columnsAdded.isEmpty == true && byName[reorderedName]?.columnsRemoved.isEmpty == true)
        #expect(byName[ruledName]?.columnsChanged == [
            ColumnChange(column: ruledColumn, changes: ["required": ValueChange(from: .bool(wasRequired), to: .bool(!wasRequired))]),
        ])
        let otherChanges = comparison.templates.filter { !$0.changes.isEmpty }
        #expect(otherChanges.map(\.name).sorted() == [compoundName, "renamed_template"].sorted())
        #expect(byName[compoundName]?.changes == ["\(blockName).templateRequired": ValueChange(from: .string(blockWas), to: .string(blockNow))])
        #expect(comparison.templates.filter { $0.status == .modified || $0.status == .renamed }.allSatisfy {
            $0.fromVersion == "3.18" && $0.toVersion == "3.20"
        })
    }


    @Test("a template that changes both name and file but keeps its columns is one rename")
    func renameByColumns() throws {
        let columns = ["User Defined ID", "Subject ID", "Result", "Unit", "Comments"]
        let comparison = try Self.compare(
            [Self.definition("labtests", file: "labTests.txt", columns: columns), Self.definition("other", file: "other.txt", columns: ["A"])],
            [Self.definition("lab_tests", file: "lab_tests_v2.txt", columns: columns + ["Panel"]), Self.definition("other", file: "other.txt", columns: ["A"])])
        #expect(comparison.templates.count == 1)
        let change = try #require(comparison.templates.first)
        #expect((change.status, change.fromName, change.name) == (.renamed, "labtests", "lab_tests"))
        #expect(change.columnsAdded == ["Panel"])
        #expect(change.changes["fileName"] == ValueChange(from: .string("labTests.txt"), to: .string("lab_tests_v2.txt")))
    }

    @Test("a reused name does not pair two different templates; the columns decide")
    func reusedName() throws {
        let columns = ["User Defined ID", "Subject ID", "Result", "Unit", "Comments"]
        let comparison = try Self.compare(
            [Self.definition("results", file: "results.txt", columns: columns)],
            [Self.definition("results", file: "results_v2.txt", columns: ["Panel", "Analyte"]),
             Self.definition("lab_results", file: "lab_results.txt", columns: columns)])
        let byName = Dictionary(uniqueKeysWithValues: comparison.templates.map { ($0.name, $0) })
        #expect(byName["lab_results"]?.status == .renamed)
        #expect(byName["lab_results"]?.fromName == "results")
        #expect(byName["results"]?.status == .added)
    }

    @Test("templates sharing a name never collapse into one")
    func duplicateNames() throws {
        let comparison = try Self.compare(
            [Self.definition("elisa", file: "experimentSamples.ELISA.txt", columns: ["Expsample ID", "Value"]),
             Self.definition("elisa", file: "reagents.ELISA.txt", columns: ["Reagent ID", "Name"])],
            [Self.definition("elisa", file: "experimentSamples.ELISA.txt", columns: ["Expsample ID", "Value"]),
             Self.definition("elisa_reagents", file: "reagents.ELISA.txt", columns: ["Reagent ID", "Name", "Lot"])])
        #expect(comparison.templates.count == 1)
        #expect(comparison.templates.first?.fromName == "elisa")
        #expect(comparison.templates.first?.name == "elisa_reagents")
        #expect(comparison.templates.first?.columnsAdded == ["Lot"])
    }

    @Test("added, removed and reordered columns, a new required column, and the warnings")
    func columnsAndWarnings() throws {
        let comparison = try Self.compare(
            [Self.definition("a", file: "a.txt", version: "3.15", columns: ["One", "Two", "Three", "Four"]),
             Self.definition("b", file: "b.txt", version: "3.15", columns: ["X"]),
             Self.definition("gone", file: "gone.txt", columns: ["G"])],
            [Self.definition("a", file: "a.txt", version: "3.15", columns: ["One", "Three", "Two", "Five"], required: ["Five"]),
             Self.definition("b", file: "b.txt", version: "3.18", columns: ["X"]),
             Self.definition("new", file: "new.txt", columns: ["N"], required: ["N"])])
        let a = try #require(comparison.templates.first { $0.name == "a" })
        #expect(a.columnsAdded == ["Five"])
        #expect(a.columnsRemoved == ["Four"])
        #expect(a.columnsMoved == ["Two"] || a.columnsMoved == ["Three"])
        #expect(comparison.templates.first { $0.name == "gone" }?.status == .removed)
        #expect(comparison.templates.first { $0.name == "new" }?.status == .added)
        #expect(comparison.warnings == [
            TemplateWarning(kind: .rulesChangedVersionKept, template: "a", fromVersion: "3.15", toVersion: "3.15"),
            TemplateWarning(kind: .versionOnly, template: "b", fromVersion: "3.15", toVersion: "3.18"),
        ])
        #expect(comparison.warnings.map(\.message) == [
            "columns or rules changed but Schema Version stayed 3.15",
            "Schema Version moved 3.15 → 3.18 with no change to columns or rules",
        ])
        #expect(comparison.breaking.first { $0.column == "Five" } == BreakingChange(kind: .requiredColumnAdded, template: "a", column: "Five"))
        let breaking = comparison.breaking.map(\.message)
        #expect(breaking.contains("a: new required column 'Five'"))
        #expect(breaking.contains("a: column 'Four' removed"))
        #expect(breaking.contains("gone: template removed"))
        #expect(!breaking.contains { $0.hasPrefix("new:") })
    }

    @Test("recognition reads content, not names: text templates with CRLF, compound blocks, lookups")
    func recognition() throws {
        let text = "subjecthumans\tSchema Version 3.18\r\nPlease do not delete or edit this column\r\nColumn Name\tUser Defined ID\tGender\t\r\n\tS1\tFemale\r\n"
        guard case .textTemplate(let template) = TemplateRecognizer.recognize(Array(text.utf8)) else {
            Issue.record("not recognized")
            return
        }
        #expect(template.name == "subjecthumans")
        #expect(template.schemaVersion == "3.18")
        #expect(template.qualifiedColumnNames == ["User Defined ID", "Gender"])

        let compound = "basic_study_design\tSchema Version 3.15\nValidation Level\tStandard\n\nstudy\nUser Defined ID\tS1\nBrief Title\tA study\n\narm_or_cohort\nColumn Name\tUser Defined ID\tName\n"
        guard case .textTemplate(let study) = TemplateRecognizer.recognize(Array(compound.utf8)) else {
            Issue.record("compound not recognized")
            return
        }
        #expect(study.qualifiedColumnNames == ["study: User Defined ID", "study: Brief Title", "arm_or_cohort: User Defined ID", "arm_or_cohort: Name"])

        let lookups = #"[{"name": "lk_gender", "rows": [{"name": "Female", "description": "", "link": ""}]}]"#
        #expect(TemplateRecognizer.recognize(Array(lookups.utf8)) == .lookups([
            LookupTable(name: "lk_gender", values: [.init(name: "Female", description: "", link: "")]),
        ]))
        #expect(TemplateRecognizer.recognize(Array(#"[{"name": "x"}]"#.utf8)) == nil)
        let single = try JSONSerialization.data(withJSONObject: Self.definition("protocols", file: "protocols.txt", columns: ["User Defined ID"]))
        guard case .definitions(let one) = TemplateRecognizer.recognize(Array(single)) else {
            Issue.record("a single definition object not recognized")
            return
        }
        #expect(one.map(\.name) == ["protocols"])
        #expect(TemplateRecognizer.recognize(Array("just\ttext\n".utf8)) == nil)
    }

    static func definition(_ name: String, file: String, version: String = "1.0", columns: [String], required: Set<String> = []) -> [String: Any] {
        [
            "name": name, "fileName": file, "schemaVersion": version, "templateType": "single", "description": "",
            "columns": columns.map { ["templateColumn": $0, "jsonAttribute": $0.lowercased(), "required": required.contains($0)] as [String: Any] },
        ]
    }

    @Test("identical .txt templates pair even without a file name or columns; only the edited one is reported")
    func identicalTextTemplatesPair() throws {
        func text(_ version: String) throws -> Template {
            let bytes = Array("0\tSchema Version \(version)\nnot a column line\n".utf8)
            return try #require(TemplateRecognizer.textTemplate(bytes), "recognized as a .txt template")
        }
        // Three files all named "0", none with columns: only the third changes version.
        let old = [try text("1.1"), try text("1.2"), try text("1.3")]
        let new = [try text("1.1"), try text("1.2"), try text("1.4")]
        let comparison = TemplateComparer.compare(old: old, new: new)
        #expect(comparison.templates.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.added, .removed])
        #expect(comparison.templates.compactMap(\.fromVersion) == ["1.3"])
        #expect(comparison.templates.compactMap(\.toVersion) == ["1.4"])
        #expect(comparison.breaking.count == 1)
        // Unchanged, they pair wholly: nothing to report.
        #expect(TemplateComparer.compare(old: old, new: old).templates.isEmpty)
    }

    static func compare(_ old: [[String: Any]], _ new: [[String: Any]]) throws -> TemplateComparison {
        func parse(_ definitions: [[String: Any]]) throws -> [Template] {
            let bytes = Array(try JSONSerialization.data(withJSONObject: definitions))
            guard case .definitions(let templates) = TemplateRecognizer.recognize(bytes) else {
                Issue.record("not recognized as definitions")
                return []
            }
            return templates
        }
        return TemplateComparer.compare(old: try parse(old), new: try parse(new))
    }
}
