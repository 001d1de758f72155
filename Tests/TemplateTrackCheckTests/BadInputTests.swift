import Foundation
import TemplateTrackBase
import TemplateTrackCheck
import TemplateTrackExtractor
import TemplateTrackTemplates
import Testing

/// A tiny catalog of one template, so these tests run without ImmPort's files.
let tinyCatalog = TemplateCatalog(
    templates: [
        Template(
            name: "visits", fileName: "visits.txt", schemaVersion: "1.0", templateType: "single", properties: [:],
            blocks: [
                TemplateBlock(
                    name: nil,
                    columns: [
                        TemplateColumn(name: "User Defined ID", attributes: ["required": .bool(true), "columnType": .string("varchar(10)")]),
                        TemplateColumn(name: "Day", attributes: ["jsonDataType": .string("number")]),
                        TemplateColumn(name: "Date", attributes: ["jsonDataType": .string("date")]),
                    ])
            ], source: .definitions)
    ], lookups: [])

let tinySheet = Sheet(rows: [
    [.text("visits"), .text("Schema Version 1.0")], [.text("Please do not delete or edit this column")],
    [.text("Column Name"), .text("User Defined ID"), .text("Day"), .text("Date")],
    [.empty, .text("V1"), .number("1"), Cell.date(serial: 42_799, text: "2017-03-05", iso: "2017-03-05")],
])

@Suite("Bad input gives one clear error naming the file")
struct BadInputTests {
    func expectError(
        _ path: String, code: TemplateTrackError.Code? = nil, entry: String? = nil, saying words: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = templateTrackError({ _ = try FilledTemplateChecker.check(fileAt: path, against: tinyCatalog) }, sourceLocation: sourceLocation)
        guard let error else { return }
        #expect(error.places.first == .file(path), "\(error)", sourceLocation: sourceLocation)
        if let entry { #expect(error.places.contains(.entry(entry)), "\(error)", sourceLocation: sourceLocation) }
        if let code { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
        #expect(error.description.contains(words), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(path) && !error.description.contains("\n"), sourceLocation: sourceLocation)
    }

    @Test("Text that is not a template, an empty file, a missing file, a folder")
    func notTemplates() throws {
        let scratch = try Scratch()
        let prose = scratch.file("notes.txt")
        try Data("Dear submitter,\nplease find attached\n".utf8).write(to: URL(fileURLWithPath: prose))
        expectError(prose, code: .invalidFile, saying: "not a filled ImmPort template: row 1 should read")
        let empty = scratch.file("empty.txt")
        try Data().write(to: URL(fileURLWithPath: empty))
        expectError(empty, saying: "the file is empty")
        expectError(scratch.file("absent.txt"), code: .notFound, saying: "cannot open")
        expectError(scratch.path, code: .io, saying: "cannot read")
        let headless = scratch.file("headless.txt")
        try Data("visits\tSchema Version 1.0\nPlease do not delete or edit this column\n".utf8).write(to: URL(fileURLWithPath: headless))
        expectError(headless, saying: "no 'Column Name' header row")
    }

    @Test("A truncated workbook, a text file named .xlsx, broken sheet XML, a missing shared string")
    func brokenWorkbooks() throws {
        let scratch = try Scratch()
        let good = scratch.file("good.xlsx")
        try tinySheet.writeWorkbook(to: good)
        #expect(try FilledTemplateChecker.check(fileAt: good, against: tinyCatalog).isEmpty)

        let data = try bytes(good)
        let truncated = scratch.file("truncated.xlsx")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        expectError(truncated, code: .invalidArchive, saying: "not a readable zip")

        let renamed = scratch.file("renamed.xlsx")
        try tinySheet.writeText(to: renamed)
        expectError(renamed, code: .invalidArchive, saying: "not an .xlsx workbook")

        let broken = scratch.file("broken.xlsx")
        try Sheet.writeParts(
            to: broken, sheet: #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1""#,
            sharedStrings: nil)
        expectError(broken, code: .invalidArchive, entry: "xl/worksheets/sheet1.xml", saying: "malformed XML")

        let dangling = scratch.file("dangling.xlsx")
        try Sheet.writeParts(
            to: dangling,
            sheet: #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData></worksheet>"#,
            sharedStrings: #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>only one</t></si></sst>"#)
        expectError(dangling, code: .invalidArchive, entry: "xl/worksheets/sheet1.xml", saying: "shared string '7' does not exist")

        let bigReference = scratch.file("reference.xlsx")
        try Sheet.writeParts(
            to: bigReference,
            sheet: #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="ZZZZ1"><v>1</v></c></row></sheetData></worksheet>"#,
            sharedStrings: nil)
        expectError(bigReference, code: .invalidArchive, entry: "xl/worksheets/sheet1.xml", saying: "'ZZZZ1' is not valid")

        let noWorkbook = scratch.file("zip.xlsx")
        let zip = try ZipWriter(creating: noWorkbook)
        try zip.addFile("hello.txt", bytes: Array("hi".utf8), modified: Date(timeIntervalSince1970: 0))
        try zip.close()
        expectError(noWorkbook, code: .invalidArchive, saying: "it has no xl/workbook.xml")
    }

    /// An unknown template is a finding, not an error, for check; upgrade cannot proceed and says so.
    @Test("An unknown template: a finding for check, an error naming the file for upgrade")
    func unknownTemplate() throws {
        let scratch = try Scratch()
        var sheet = tinySheet
        sheet.rows[0][0] = .text("appointments")
        sheet.rows[2] = [.text("Column Name"), .text("When"), .text("Where")]
        let path = scratch.file("appointments.txt")
        try sheet.writeText(to: path)
        let findings = try FilledTemplateChecker.check(fileAt: path, against: tinyCatalog)
        #expect(findings.map { [$0.file, $0.rule.rawValue, $0.value] } == [[path, "unknown_template", "appointments"]])
        #expect(findings.first?.message == "Row 1: template 'appointments' is not in the catalog.")
        let error = templateTrackError {
            _ = try TemplateUpgrader.upgrade(fileAt: path, from: tinyCatalog, to: tinyCatalog, writingTo: scratch.file("out.txt"))
        }
        #expect(error?.places == [.file(path)])
        #expect(error?.message.contains("'appointments' is not in Schema Version 1.0") == true, "\(String(describing: error))")
    }
}

