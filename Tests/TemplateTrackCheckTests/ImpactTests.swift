import Foundation
import TemplateTrackCheck
import TemplateTrackTemplates
import Testing

/// The key impact matching uses, for expectations.
struct ImpactKey: Hashable, CustomStringConvertible {
    var file: String
    var row: Int?
    var column: String?
    var rule: String

    init(_ file: String, _ row: Int?, _ column: String?, _ rule: String) {
        (self.file, self.row, self.column, self.rule) = (file, row, column, rule)
    }

    init(_ finding: CheckFinding) {
        self.init((finding.file as NSString).lastPathComponent, finding.row, finding.column, finding.rule.rawValue)
    }

    var description: String { "\(file) \(rule) row \(row.map(String.init) ?? "-") \(column ?? "-")" }
}

@Suite("Impact of ImmPort's real change from 3.15 to 3.18")
struct ImpactTests {
    @Test("Exactly the findings the real changes cause are new, each with its cause", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func realChangeImpact() throws {
        let scratch = try Scratch()
        let (from, to) = (try ImmPort.catalog("3.15"), try ImmPort.catalog("3.18"))
        let (oldTemplates, newTemplates) = (try ImmPort.rawTemplates("3.15"), try ImmPort.rawTemplates("3.18"))
        let (oldLookups, newLookups) = (try ImmPort.rawLookups("3.15"), try ImmPort.rawLookups("3.18"))
        // Every template kept its file from 3.15 to 3.18: the file pairs them, for the test.
        let successors = Dictionary(uniqueKeysWithValues: newTemplates.map { ($0.fileName, $0) })

        var files: [String] = []
        var sheets: [String: Sheet] = [:]
        for template in oldTemplates {
            var sheet = FilledTemplateGenerator(template: template, lookups: oldLookups, otherLookups: newLookups).sheet(dataRows: 2)
            if template.name == "biosamples" {
                // Values lk_sample_type lost in 3.18, on rows of their own.
                let type = try #require(sheet.index(of: "Type", headerRow: 3))
                let id = try #require(sheet.index(of: "User Defined ID", headerRow: 3))
                for (offset, value) in ["Tissue", "Cell"].enumerated() {
                    var row = sheet.rows[3]
                    row[type] = .text(value)
                    row[id] = .text("ID-narrowed-\(offset)")
                    sheet.rows.append(row)
                }
            }
            if template.name == "subjectshuman" {
                // A value 3.18's lk_subject_location gained: wrong in 3.15, fixed in 3.18.
                sheet[4, try #require(sheet.index(of: "Subject Location", headerRow: 3))] = .text("Yugoslavia (formerly)")
            }
            let path = scratch.file(template.fileName)
            try sheet.writeText(to: path)
            files.append(path)
            sheets[template.fileName] = sheet
        }

        var oldFindings: [CheckFinding] = []
        var newFindings: [CheckFinding] = []
        for file in files {
            oldFindings += try FilledTemplateChecker.check(fileAt: file, against: from)
            newFindings += try FilledTemplateChecker.check(fileAt: file, against: to)
        }
        let impact = ChangeImpact(old: oldFindings, new: newFindings, from: from, to: to)
        #expect(impact.fromVersion == "3.15" && impact.toVersion == "3.18")

        // Expected, from the raw definitions and lookups.
        var expectedNew: Set<ImpactKey> = []
        for template in oldTemplates {
            let successor = try #require(successors[template.fileName])
            let sheet = try #require(sheets[template.fileName])
            let file = template.fileName
            if template.schemaVersion != successor.schemaVersion { expectedNew.insert(ImpactKey(file, 1, nil, "schema_version")) }
            if template.name != successor.name { expectedNew.insert(ImpactKey(file, 1, nil, "unknown_template")) }
            guard !template.isCompound else {
                #expect(template.blocks.map { $0.columns.map(\.name) } == successor.blocks.map { $0.columns.map(\.name) })
                continue
            }
            let (before, after) = (template.blocks[0].columns, successor.blocks[0].columns)
            for column in before where !after.contains(where: { $0.name == column.name }) {
                expectedNew.insert(ImpactKey(file, 3, column.name, "unknown_column"))
            }
            for column in after where !before.contains(where: { $0.name == column.name }) {
                expectedNew.insert(ImpactKey(file, 3, column.name, "missing_column"))
            }
            // Combined templates define a header twice: the k-th header is the k-th column of that name.
            var seen: [String: Int] = [:]
            var headerColumns: [(index: Int, column: RawColumn, old: RawColumn?)] = []
            for (index, cell) in sheet.rows[2].enumerated().dropFirst() {
                let occurrence = seen[cell.txt, default: 0]
                seen[cell.txt] = occurrence + 1
                let newOnes = after.filter { $0.name == cell.txt }
                let oldOnes = before.filter { $0.name == cell.txt }
                if occurrence < newOnes.count {
                    headerColumns.append((index, newOnes[occurrence], occurrence < oldOnes.count ? oldOnes[occurrence] : nil))
                }
            }
            for row in 4...sheet.rows.count {
                for (index, column, oldColumn) in headerColumns {
                    let value = sheet[row, index].txt
                    let items = column.dataType == "array" ? value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } : [value]
                    let wasAccepted = { (table: String?) in
                        table.map { table in items.allSatisfy { (oldLookups[table] ?? []).contains($0) } } ?? true
                    }
                    let isAccepted = { (table: String?) in
                        table.map { table in items.allSatisfy { (newLookups[table] ?? []).contains($0) } } ?? true
                    }
                    if !isAccepted(column.vocabulary) && wasAccepted(oldColumn?.vocabulary) {
                        expectedNew.insert(ImpactKey(file, row, column.name, "vocabulary"))
                    }
                    if !isAccepted(column.preferred) && wasAccepted(oldColumn?.preferred) {
                        expectedNew.insert(ImpactKey(file, row, column.name, "preferred_value"))
                    }
                }
            }
        }
        let new = impact.entries(.new)
        let foundNew = Set(new.map { ImpactKey($0.finding) })
        #expect(foundNew == expectedNew, "missed \(expectedNew.subtracting(foundNew)), extra \(foundNew.subtracting(expectedNew))")
        #expect(new.count == expectedNew.count)
        // The five column-list changes and the narrowed lk_sample_type are among them.
        #expect(expectedNew.contains(ImpactKey("RNA_SEQ_Results.txt", 3, "Value Reported", "missing_column")))
        #expect(expectedNew.contains(ImpactKey("subjectsHuman.txt", 3, "Ancestry Population(s)", "unknown_column")))
        #expect(expectedNew.filter { $0.file == "bioSamples.txt" && $0.rule == "vocabulary" }.count == 2)

        // Fixed: the value 3.18 added; nothing else was wrong under 3.15.
        let subjectLocation = ImpactKey("subjectsHuman.txt", 4, "Subject Location", "vocabulary")
        #expect(Set(oldFindings.map(ImpactKey.init)) == [subjectLocation])
        #expect(impact.entries(.fixed).map { ImpactKey($0.finding) } == [subjectLocation])
        #expect(impact.entries(.unchanged).isEmpty)

        // Causes.
        let removedSampleTypes = (oldLookups["lk_sample_type"] ?? []).filter { !(newLookups["lk_sample_type"] ?? []).contains($0) }
        #expect(Set(removedSampleTypes) == ["Cell", "Organ", "RNA", "Tissue"])
        for entry in new {
            let key = ImpactKey(entry.finding)
            let cause = try #require(entry.cause)
            #expect(cause != .unexplained, "\(key) has no cause")
            let successor = try #require(successors[key.file])
            let template = try #require(oldTemplates.first { $0.fileName == key.file })
            switch (key.rule, key.file, key.column) {
            case ("schema_version", _, _):
                #expect(cause == .schemaVersionMoved(from: "3.15", to: "3.18"))
            case ("unknown_template", _, _):
                #expect(cause == .templateRenamed(from: template.name, to: successor.name))
                #expect(entry.finding.expected == successor.name)
            case (_, "RNA_SEQ_Results.txt", _):
                #expect(cause == .columnRenamed(from: "Value", to: "Value Reported"))
            case ("unknown_column", "subjectsHuman.txt", _), ("unknown_column", "subjectHumans.immuneExposure.txt", _):
                #expect(cause == .columnRemoved("Ancestry Population(s)"))
            case ("vocabulary", "bioSamples.txt", _):
                #expect(cause == .vocabularyValuesRemoved(table: "lk_sample_type", values: removedSampleTypes))
            case ("missing_column", _, "Gating Definition Reported"):
                #expect(cause == .requiredColumnAdded("Gating Definition Reported"))
            case ("preferred_value", _, "Parent Population Reported"):
                #expect(cause == .preferredTableChanged(column: "Parent Population Reported", from: "lk_base_pop_name", to: "lk_cell_population"))
            default:
                break
            }
        }
        // The causes read as plain sentences.
        #expect(ChangeCause.columnRenamed(from: "Value", to: "Value Reported").description == "Column 'Value' was renamed 'Value Reported'.")

        // assess() checks and classifies in one call, to the same result.
        let assessed = try ChangeImpact.assess(files: files, from: from, to: to)
        #expect(assessed.entries == impact.entries)
    }

    /// One small template changed in every way a definition can: each new finding names its own cause.
    @Test("Every kind of definition change is named as the cause")
    func everyKindOfCause() throws {
        func column(_ name: String, _ attributes: [String: JSONValue]) -> TemplateColumn { TemplateColumn(name: name, attributes: attributes) }
        func catalog(_ version: String, _ columns: [TemplateColumn], codes: [String], kinds: [String: [String]]) -> TemplateCatalog {
            TemplateCatalog(
                templates: [
                    Template(
                        name: "visits", fileName: "visits.txt", schemaVersion: version, templateType: "multiple", properties: [:],
                        blocks: [TemplateBlock(name: nil, columns: columns)], source: .definitions)
                ],
                lookups: [LookupTable(name: "lk_code", values: codes.map { .init(name: $0, description: nil, link: nil) })]
                    + kinds.map { LookupTable(name: $0.key, values: $0.value.map { .init(name: $0, description: nil, link: nil) }) })
        }
        let id = column("User Defined ID", ["required": .bool(true)])
        let from = catalog(
            "1.0",
            [
                // `Old` sits where no added column does, so it reads as removed, not renamed.
                id, column("Old", [:]), column("Day", ["jsonDataType": .string("string")]),
                column("Note", ["columnType": .string("varchar(20)")]), column("Code", ["cvTableName": .string("lk_code")]),
                column("Kind", ["cvTableName": .string("lk_kind")]), column("Site", ["required": .bool(false)]),
            ], codes: ["A", "B", "C"], kinds: ["lk_kind": ["K"], "lk_kind2": ["L"]])
        let to = catalog(
            "2.0",
            [
                id, column("Day", ["jsonDataType": .string("number")]), column("Note", ["columnType": .string("varchar(5)")]),
                column("Code", ["cvTableName": .string("lk_code")]), column("Kind", ["cvTableName": .string("lk_kind2")]),
                column("Site", ["required": .bool(true)]), column("Extra", [:]), column("Needed", ["required": .bool(true)]),
            ], codes: ["A", "B"], kinds: ["lk_kind": ["K"], "lk_kind2": ["L"]])
        let scratch = try Scratch()
        let path = scratch.file("visits.txt")
        try Data(
            """
            visits\tSchema Version 1.0
            Please do not delete or edit this column
            Column Name\tUser Defined ID\tDay\tNote\tCode\tKind\tSite\tOld
            \tV1\tx\tabcdefgh\tC\tK\t\tgone

            """.utf8
        ).write(to: URL(fileURLWithPath: path))
        let impact = try ChangeImpact.assess(files: [path], from: from, to: to)
        #expect(impact.entries(.unchanged).isEmpty && impact.entries(.fixed).isEmpty)
        let causes = Dictionary(uniqueKeysWithValues: impact.entries(.new).map { ("\($0.finding.rule.rawValue) \($0.finding.column ?? "-")", $0.cause) })
        #expect(causes == [
            "schema_version -": .schemaVersionMoved(from: "1.0", to: "2.0"),
            "type Day": .dataTypeChanged(column: "Day", from: "string", to: "number"),
            "length Note": .lengthNarrowed(column: "Note", from: 20, to: 5),
            "vocabulary Code": .vocabularyValuesRemoved(table: "lk_code", values: ["C"]),
            "vocabulary Kind": .vocabularyTableChanged(column: "Kind", from: "lk_kind", to: "lk_kind2"),
            "required Site": .columnNowRequired("Site"),
            "unknown_column Old": .columnRemoved("Old"),
            "missing_column Extra": .columnAdded("Extra"),
            "missing_column Needed": .requiredColumnAdded("Needed"),
        ])
        // The JSON shape of a cause: its kind, its fields, a sentence.
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(ChangeCause.lengthNarrowed(column: "Note", from: 20, to: 5))) as? [String: Any])
        #expect(json["kind"] as? String == "length_narrowed" && json["to"] as? Int == 5)
        #expect(json["description"] as? String == "Column 'Note' now holds at most 5 characters, not 20.")
    }
}
