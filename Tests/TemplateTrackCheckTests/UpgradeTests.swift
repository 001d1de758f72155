import Foundation
import TemplateTrackBase
import TemplateTrackCheck
import TemplateTrackTemplates
import Testing

/// A tab-separated file's rows, read plainly (LF or CRLF, BOM dropped), for expectations.
func readTSV(_ path: String) throws -> [[String]] {
    var text = try String(contentsOfFile: path, encoding: .utf8)
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines.map { $0.components(separatedBy: "\t") }
}

@Suite("Upgrading filled templates from 3.15 to 3.18")
struct UpgradeTests {
    /// A clean 3.15 file of every template upgrades to a 3.18 file that checks clean except
    /// for what a person must supply, or is refused when a column 3.18 dropped holds values.
    @Test("Clean 3.15 files upgrade to 3.18 files that check clean but for a person's values", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func cleanFilesUpgrade() throws {
        let scratch = try Scratch()
        let (from, to) = (try ImmPort.catalog("3.15"), try ImmPort.catalog("3.18"))
        let (oldLookups, newLookups) = (try ImmPort.rawLookups("3.15"), try ImmPort.rawLookups("3.18"))
        let successors = Dictionary(uniqueKeysWithValues: try ImmPort.rawTemplates("3.18").map { ($0.fileName, $0) })
        var refused: Set<String> = []
        var expectedRefused: Set<String> = []

        for template in try ImmPort.rawTemplates("3.15") {
            let successor = try #require(successors[template.fileName])
            // The tests' own reading of a certain rename: the one removed and the one added column, same position.
            let before = template.blocks.flatMap { $0.columns }
            let after = successor.blocks.flatMap { $0.columns }
            let removed = before.enumerated().filter { column in !after.contains { $0.name == column.element.name } }
            let added = after.enumerated().filter { column in !before.contains { $0.name == column.element.name } }
            let rename = removed.count == 1 && added.count == 1 && removed[0].offset == added[0].offset
                ? (from: removed[0].element.name, to: added[0].element.name) : nil
            let dropped = removed.map(\.element).filter { $0.name != rename?.from }
            let mustRefuse = dropped.contains { $0.required }
            if mustRefuse { expectedRefused.insert(template.fileName) }

            var generator = FilledTemplateGenerator(template: template, lookups: oldLookups, otherLookups: newLookups)
            generator.leaveEmpty = Set(dropped.filter { !$0.required }.map(\.name))
            generator.firstBlockAsKeyValue = template.name == "basic_study_design"
            var sheet = generator.sheet(dataRows: 3)
            if template.name == "biosamples" {
                // A value 3.18's lk_sample_type lost: no upgrade can choose its replacement.
                sheet[5, try #require(sheet.index(of: "Type", headerRow: 3))] = .text("Tissue")
            }
            // What a person must supply: values the 3.18 lookups no longer list (lk_exposure_process
            // renamed all its values), found from the raw lookups.
            var personRows: Set<Planted> = []
            if !template.isCompound {
                var seen: [String: Int] = [:]
                for (index, cell) in sheet.rows[2].enumerated().dropFirst() {
                    let occurrence = seen[cell.txt, default: 0]
                    seen[cell.txt] = occurrence + 1
                    let name = cell.txt == rename?.from ? rename?.to ?? cell.txt : cell.txt
                    let matching = after.filter { $0.name == name }
                    guard occurrence < matching.count else { continue }
                    let column = matching[occurrence]
                    for row in 4...sheet.rows.count {
                        let value = sheet[row, index].txt
                        guard !value.isEmpty else { continue }
                        if let table = column.vocabulary, !(newLookups[table] ?? []).contains(value) {
                            personRows.insert(Planted(row: row, column: name, rule: "vocabulary"))
                        }
                        if let table = column.preferred, !(newLookups[table] ?? []).contains(value) {
                            personRows.insert(Planted(row: row, column: name, rule: "preferred_value"))
                        }
                    }
                }
            }
            if template.name == "biosamples" { #expect(personRows == [Planted(row: 5, column: "Type", rule: "vocabulary")]) }
            let input = scratch.file("in-" + template.fileName)
            let output = scratch.file("out-" + template.fileName)
            try sheet.writeText(to: input)
            let original = try bytes(input)

            let result: UpgradeResult
            do {
                result = try TemplateUpgrader.upgrade(fileAt: input, from: from, to: to, writingTo: output)
            } catch let error as TemplateTrackError {
                refused.insert(template.fileName)
                #expect(mustRefuse, "\(template.fileName) refused: \(error)")
                #expect(error.places.contains(.file(input)))
                for column in dropped where column.required { #expect(error.message.contains("'\(column.name)'")) }
                #expect(!FileManager.default.fileExists(atPath: output))
                #expect(try bytes(input) == original)
                continue
            }
            #expect(try bytes(input) == original, "the input is never modified")
            #expect(!mustRefuse, "\(template.fileName) should have been refused")

            // What is left needs a person, and is exactly what a fresh check says.
            let findings = try FilledTemplateChecker.check(fileAt: output, against: to)
            #expect(result.findings == findings)
            #expect(planted(findings) == personRows, "\(template.fileName): \(findings.map(\.message))")
            #expect(result.toTemplate == successor.name && result.toVersion == "3.18" && result.fromVersion == "3.15")
            #expect(result.columnsRenamed.map { [$0.from, $0.to] } == (rename.map { [[$0.from, $0.to]] } ?? []))
            #expect(Set(result.columnsRemoved) == Set(dropped.map(\.name)))
            #expect(Set(result.columnsAdded) == Set(added.map(\.element.name).filter { $0 != rename?.to }))

            // The rows, cell by cell.
            let inRows = try readTSV(input)
            let outRows = try readTSV(output)
            #expect(outRows.count == inRows.count)
            #expect(outRows.first == [successor.name, "Schema Version 3.18"])
            if template.isCompound {
                #expect(Array(outRows.dropFirst()) == Array(inRows.dropFirst()))
                continue
            }
            #expect(outRows[1] == inRows[1])
            let newNames = successor.blocks[0].columns.map(\.name)
            #expect(outRows[2] == ["Column Name"] + newNames)
            for row in 3..<inRows.count {
                var seen: [String: Int] = [:]
                for (position, name) in newNames.enumerated() {
                    let occurrence = seen[name, default: 0]
                    seen[name] = occurrence + 1
                    let sourceName = name == rename?.to ? rename?.from ?? name : name
                    let sources = inRows[2].indices.filter { inRows[2][$0] == sourceName }
                    let expected = occurrence < sources.count ? inRows[row][sources[occurrence]] : ""
                    #expect(outRows[row][position + 1] == expected, "\(template.fileName) row \(row + 1) '\(name)'")
                }
            }
        }
        #expect(refused == expectedRefused)
        #expect(expectedRefused.contains("subjectsHuman.txt"), "Ancestry Population(s) is required in 3.15, so it holds values")
    }

    /// `rna_seq_results` with its columns shuffled, an empty extra column, CRLF, a BOM and a
    /// blank line: the exact bytes written.
    @Test("An upgrade writes exactly the expected bytes", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func exactBytes() throws {
        let scratch = try Scratch()
        let input = scratch.file("rna.txt")
        let output = scratch.file("rna-3.18.txt")
        let lines = [
            "rna_seq_results\tSchema Version 3.15",
            "Please do not delete or edit this column",
            "Column Name\tComments\tExpsample ID\tReference Transcript ID\tRepository Name\tTranscript Type Reported\tResult Unit Reported\tValue\tNotes",
            "\tfine\tES1\tENST1\tGEO\tmRNA\tFPKM\t12.5\t",
            "",
            "\t\tES2\tENST2\tGEO\tmRNA\tTPM\t3",
        ]
        try Data(("\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n").utf8).write(to: URL(fileURLWithPath: input))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: input)
        let result = try TemplateUpgrader.upgrade(
            fileAt: input, from: try ImmPort.catalog("3.15"), to: try ImmPort.catalog("3.18"), writingTo: output)
        let expected = [
            "rna_seq_results\tSchema Version 3.18",
            "Please do not delete or edit this column",
            "Column Name\tExpsample ID\tReference Transcript ID\tRepository Name\tTranscript Type Reported\tResult Unit Reported\tValue Reported\tComments",
            "\tES1\tENST1\tGEO\tmRNA\tFPKM\t12.5\tfine",
            "",
            "\tES2\tENST2\tGEO\tmRNA\tTPM\t3\t",
        ]
        #expect(try bytes(output) == Data(("\u{FEFF}" + expected.joined(separator: "\r\n") + "\r\n").utf8))
        #expect(result.columnsRenamed.map { [$0.block, $0.from, $0.to] } == [[nil, "Value", "Value Reported"]])
        #expect(result.columnsRemoved == ["Notes"])
        #expect(try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int == 0o640, "the input's permissions")
        #expect(result.columnsAdded.isEmpty)
        #expect(result.columnsReordered)
        #expect(result.rowsWritten == 2)
        #expect(result.findings.isEmpty, "\(result.findings.map(\.message))")
    }

    /// A newer version that adds a required and an optional column: both are added empty, and
    /// the required one comes back as one `required` finding per row, for a person.
    @Test("A new required column is added empty and reported, never filled", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func newRequiredColumnIsReported() throws {
        let scratch = try Scratch()
        let from = try ImmPort.catalog("3.15")
        let real = try ImmPort.catalog("3.18")
        let templates = real.templates.map { template -> Template in
            guard template.name == "biosamples" else { return template }
            var changed = template
            changed.blocks[0].columns.insert(
                TemplateColumn(name: "Consent Code", attributes: ["required": .bool(true), "jsonDataType": .string("string")]), at: 2)
            changed.blocks[0].columns.append(TemplateColumn(name: "Note", attributes: ["required": .bool(false)]))
            return changed
        }
        let to = TemplateCatalog(templates: templates, lookups: real.lookups)
        let raw = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "biosamples" })
        let sheet = FilledTemplateGenerator(
            template: raw, lookups: try ImmPort.rawLookups("3.15"), otherLookups: try ImmPort.rawLookups("3.18")
        ).sheet(dataRows: 4)
        let input = scratch.file("biosamples.txt")
        try sheet.writeText(to: input)
        let result = try TemplateUpgrader.upgrade(fileAt: input, from: from, to: to, writingTo: scratch.file("out.txt"))
        #expect(Set(result.columnsAdded) == ["Consent Code", "Note"])
        #expect(planted(result.findings) == Set((4...7).map { Planted(row: $0, column: "Consent Code", rule: "required") }))
        let rows = try readTSV(scratch.file("out.txt"))
        #expect(rows[2][3] == "Consent Code" && rows[2].last == "Note")
        #expect(rows.dropFirst(3).allSatisfy { $0[3].isEmpty && $0.last == "" })
    }

    @Test("Upgrade refuses to drop a column that holds values, naming it", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func refusesNonEmptyRemovedColumn() throws {
        let scratch = try Scratch()
        let raw = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "subjecthumans_immuneexposure" })
        var generator = FilledTemplateGenerator(template: raw, lookups: try ImmPort.rawLookups("3.15"))
        generator.leaveEmpty = ["Ancestry Population(s)"]
        var sheet = generator.sheet(dataRows: 5)
        let input = scratch.file("exposure.txt")
        let output = scratch.file("exposure-3.18.txt")
        let (from, to) = (try ImmPort.catalog("3.15"), try ImmPort.catalog("3.18"))
        // Empty in every row: dropped.
        try sheet.writeText(to: input)
        let result = try TemplateUpgrader.upgrade(fileAt: input, from: from, to: to, writingTo: output)
        #expect(result.columnsRemoved == ["Ancestry Population(s)"])
        // One value on row 6: refused, naming the column and the row.
        sheet[6, try #require(sheet.index(of: "Ancestry Population(s)", headerRow: 3))] = .text("Yoruba")
        try FileManager.default.removeItem(atPath: input)
        try sheet.writeText(to: input)
        let original = try bytes(input)
        let refusedOutput = scratch.file("refused.txt")
        let error = templateTrackError { _ = try TemplateUpgrader.upgrade(fileAt: input, from: from, to: to, writingTo: refusedOutput) }
        #expect(error?.places == [.file(input)])
        #expect(error?.message.contains("'Ancestry Population(s)' (row 6)") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: refusedOutput))
        #expect(try bytes(input) == original)
    }

    @Test("Upgrade refuses an existing output and leaves it as it was", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func refusesExistingOutput() throws {
        let scratch = try Scratch()
        let raw = try #require(try ImmPort.rawTemplates("3.15").first { $0.name == "biosamples" })
        let input = scratch.file("biosamples.txt")
        try FilledTemplateGenerator(template: raw, lookups: try ImmPort.rawLookups("3.15")).sheet().writeText(to: input)
        let output = scratch.file("taken.txt")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: output))
        let (from, to) = (try ImmPort.catalog("3.15"), try ImmPort.catalog("3.18"))
        let error = templateTrackError { _ = try TemplateUpgrader.upgrade(fileAt: input, from: from, to: to, writingTo: output) }
        #expect(error?.places == [.file(output)])
        #expect(error?.message.contains("overwrite") == true)
        #expect(try bytes(output) == Data("precious".utf8))
        // Nothing half-written is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["biosamples.txt", "taken.txt"])

        // Nor does upgrade read workbooks, or a file tagged with another version.
        let workbook = scratch.file("biosamples.xlsx")
        try FilledTemplateGenerator(template: raw, lookups: try ImmPort.rawLookups("3.15")).sheet().writeWorkbook(to: workbook)
        let notText = templateTrackError { _ = try TemplateUpgrader.upgrade(fileAt: workbook, from: from, to: to, writingTo: scratch.file("a.txt")) }
        #expect(notText?.places == [.file(workbook)])
        let newer = templateTrackError { _ = try TemplateUpgrader.upgrade(fileAt: input, from: to, to: to, writingTo: scratch.file("b.txt")) }
        #expect(newer?.message.contains("Schema Version 3.15, not 3.18") == true, "\(String(describing: newer))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["biosamples.txt", "biosamples.xlsx", "taken.txt"])
    }

    /// A compound template: key/value rows come out in the newer order with a new key added
    /// empty, and an empty column leaves a table block.
    @Test("Compound blocks: key/value rows reordered, a key added, an empty column dropped")
    func compoundUpgrade() throws {
        func design(_ version: String, study: [String], arms: [String]) -> TemplateCatalog {
            func columns(_ names: [String]) -> [TemplateColumn] {
                names.map { TemplateColumn(name: $0, attributes: ["required": .bool($0 == "User Defined ID")]) }
            }
            return TemplateCatalog(
                templates: [
                    Template(
                        name: "design", fileName: "design.txt", schemaVersion: version, templateType: "compound", properties: [:],
                        blocks: [
                            TemplateBlock(name: "study", columns: columns(study), attributes: ["templateRequired": .string("yes")]),
                            TemplateBlock(name: "arms", columns: columns(arms), attributes: ["templateRequired": .string("yes")]),
                        ], source: .definitions)
                ], lookups: [])
        }
        let from = design("1.0", study: ["User Defined ID", "Title", "Start"], arms: ["User Defined ID", "Name", "Old"])
        let to = design("2.0", study: ["User Defined ID", "Title", "Phase", "Start"], arms: ["User Defined ID", "Name"])
        let scratch = try Scratch()
        let input = scratch.file("design.txt")
        let output = scratch.file("design-2.0.txt")
        let lines = [
            "design\tSchema Version 1.0", "Please do not delete or edit this column", "", "study", "Title\tMy study",
            "User Defined ID\tS1", "", "Start\t05-Mar-2017", "", "arms", "Column Name\tUser Defined ID\tName\tOld",
            "\tA1\tArm one\t", "\tA2\tArm two",
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        #expect(try FilledTemplateChecker.check(fileAt: input, against: from).isEmpty)
        let result = try TemplateUpgrader.upgrade(fileAt: input, from: from, to: to, writingTo: output)
        let expected = [
            "design\tSchema Version 2.0", "Please do not delete or edit this column", "", "study", "User Defined ID\tS1",
            "Title\tMy study", "Phase\t", "Start\t05-Mar-2017", "", "", "arms", "Column Name\tUser Defined ID\tName",
            "\tA1\tArm one", "\tA2\tArm two",
        ]
        #expect(try String(contentsOfFile: output, encoding: .utf8) == expected.joined(separator: "\n") + "\n")
        #expect(result.columnsAdded == ["study: Phase"] && result.columnsRemoved == ["arms: Old"] && result.columnsReordered)
        #expect(result.rowsWritten == 5)
        #expect(result.findings.isEmpty, "\(result.findings.map(\.message))")
    }
}
