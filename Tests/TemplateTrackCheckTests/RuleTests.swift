import Foundation
import TemplateTrackCheck
import TemplateTrackTemplates
import Testing

@testable import TemplateTrackCheck

@Suite("What each data type accepts, and how cells are read")
struct RuleTests {
    @Test(
        "number accepts decimal numbers only",
        arguments: [
            ("12", true), ("-0.5", true), ("+3", true), (".5", true), ("3.", true), ("1e-3", true), ("2.5E+10", true),
            ("", false), ("abc", false), ("1,000", false), ("NaN", false), ("Infinity", false), ("0x10", false),
            ("1e", false), ("--1", false), (".", false), ("1 2", false), ("٣", false),
        ])
    func numbers(value: String, accepted: Bool) {
        #expect(ValueRules.accepts(value, type: "number") == accepted)
    }

    @Test(
        "positive accepts whole numbers above zero",
        arguments: [("1", true), ("+12", true), ("007", true), ("0", false), ("00", false), ("-1", false), ("1.5", false), ("5.0", false), ("", false)])
    func positives(value: String, accepted: Bool) {
        #expect(ValueRules.accepts(value, type: "positive") == accepted)
    }

    @Test(
        "date accepts dd-MMM-yy, dd-MMM-yyyy and yyyy-MM-dd with real days",
        arguments: [
            ("05-Mar-2017", true), ("5-mar-17", true), ("29-FEB-2016", true), ("2017-03-05", true), ("29-Feb-00", true),
            ("31-Feb-2017", false), ("29-Feb-2017", false), ("29-Feb-1900", false), ("2017-02-30", false), ("05/03/2017", false),
            ("05-March-2017", false), ("5-Mar-017", false), ("2017-3-5", false), ("", false), ("123-Mar-2017", false),
        ])
    func dates(value: String, accepted: Bool) {
        #expect(ValueRules.accepts(value, type: "date") == accepted)
    }

    @Test("Strings and enums have no type check; varchar limits count code points")
    func otherTypes() {
        #expect(ValueRules.accepts("anything at all", type: "string"))
        #expect(ValueRules.accepts("anything at all", type: "enum"))
        #expect(ValueRules.maximumLength(columnType: "varchar(100)") == 100)
        #expect(ValueRules.maximumLength(columnType: "VARCHAR( 15 )") == 15)
        #expect(ValueRules.maximumLength(columnType: "float") == nil)
        #expect(ValueRules.maximumLength(columnType: nil) == nil)
        #expect(ValueRules.length("ééé") == 3)
    }

    @Test(
        "Excel serial numbers become ISO dates in both date systems",
        arguments: [
            (1.0, false, "1900-01-01"), (59.0, false, "1900-02-28"), (60.0, false, "1900-02-29"), (61.0, false, "1900-03-01"),
            (42_799.0, false, "2017-03-05"), (42_799.75, false, "2017-03-05"), (0.0, true, "1904-01-01"), (41_337.0, true, "2017-03-05"),
        ])
    func excelDates(serial: Double, date1904: Bool, iso: String) {
        #expect(ExcelDate.isoDate(serial: serial, date1904: date1904) == iso)
    }

    @Test("Cell references and date format codes")
    func references() {
        #expect(SheetHandler.columnIndex(of: "A1") == 0)
        #expect(SheetHandler.columnIndex(of: "Z9") == 25)
        #expect(SheetHandler.columnIndex(of: "AA10") == 26)
        #expect(SheetHandler.columnIndex(of: "$XFD$1048576") == 16_383)
        #expect(SheetHandler.columnIndex(of: "1A") == nil)
        #expect(SheetHandler.columnIndex(of: "A1B") == nil)
        #expect(StylesHandler.isDateFormat("dd\\-mmm\\-yyyy"))
        #expect(StylesHandler.isDateFormat("[$-409]d-mmm-yy;@"))
        #expect(!StylesHandler.isDateFormat("0.00"))
        #expect(!StylesHandler.isDateFormat("\"days\" 0"))
        #expect(!StylesHandler.isDateFormat("General"))
    }

    /// Some tables start with a row naming their columns: not a value. Where it names several
    /// parts, each part of a value is accepted on its own.
    @Test("Lookup marker rows are not values; composite values accept their parts", .enabled(if: ImmPort.isAvailable, ImmPort.skipNote))
    func lookupMarkers() throws {
        let catalog = try ImmPort.catalog("3.15")
        #expect(catalog.lookup("lk_adverse_event_severity", accepts: "severity_preferred") == false)
        #expect(catalog.lookup("lk_cell_population", accepts: "population_name_preferred ;\npopulation_defnition_preferred") == false)
        #expect(catalog.lookup("lk_cell_population", accepts: "B cell ; CD3-, CD19+ , CD20+") == true)
        #expect(catalog.lookup("lk_cell_population", accepts: "B cell") == true)
        #expect(catalog.lookup("lk_analyte", accepts: "Ccl11") == true)
        #expect(catalog.lookup("lk_gender", accepts: "Female") == true)
        #expect(catalog.lookup("lk_gender", accepts: "female") == false)
        #expect(catalog.lookup("lk_no_such_table", accepts: "x") == nil)
        // Tables without a marker keep their first row as a value.
        let first = try #require(catalog.lookup(named: "lk_public_repository")?.values.first?.name)
        #expect(catalog.lookup("lk_public_repository", accepts: first) == true)
        // The tests' own marker rule and the library's agree on every real table.
        for table in catalog.lookups {
            guard let first = table.values.first else { continue }
            #expect(TemplateCatalog.isMarkerRow(first.name) == ImmPort.isMarker(first.name), "\(table.name)")
        }
        #expect(catalog.schemaVersion == "3.15")
        #expect(TemplateCatalog.schemaVersion(inTag: " Schema Version 3.18 ") == "3.18")
        #expect(TemplateCatalog.schemaVersion(inTag: "Version 3.18") == nil)
    }

    @Test("Text files: UTF-16 with a BOM, Latin-1, CRLF, blank lines and trailing tabs")
    func textEncodings() throws {
        let scratch = try Scratch()
        let text = "visits\tSchema Version 1.0\r\nPlease do not delete or edit this column\r\nColumn Name\tUser Defined ID\tDay\tDate\r\n\r\n\tVé1\tx\t\t\t\r\n"
        for (name, data) in [
            ("le.txt", Data([0xff, 0xfe]) + text.data(using: .utf16LittleEndian)!),
            ("be.txt", Data([0xfe, 0xff]) + text.data(using: .utf16BigEndian)!),
            ("latin1.txt", text.data(using: .isoLatin1)!),
            ("utf8.txt", Data("\u{FEFF}".utf8) + Data(text.utf8)),
        ] {
            let path = scratch.file(name)
            try data.write(to: URL(fileURLWithPath: path))
            let findings = try FilledTemplateChecker.check(fileAt: path, against: tinyCatalog)
            #expect(findings.map { [$0.row.map(String.init), $0.column, $0.value, $0.rule.rawValue] } == [["5", "Day", "x", "type"]], "\(name)")
        }
    }

    @Test("Workbooks: the 1904 date system, a custom date format, booleans, formula strings, no shared strings")
    func workbookCells() throws {
        let scratch = try Scratch()
        let sheet = #"""
            <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
            <x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>visits</x:t></x:is></x:c><x:c r="B1" t="str"><x:f>"Schema Version "&amp;"1.0"</x:f><x:v>Schema Version 1.0</x:v></x:c></x:row>
            <x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>Column Name</x:t></x:is></x:c><x:c r="B3" t="inlineStr"><x:is><x:t>User Defined ID</x:t></x:is></x:c><x:c r="C3" t="inlineStr"><x:is><x:t>Day</x:t></x:is></x:c><x:c r="D3" t="inlineStr"><x:is><x:t>Date</x:t></x:is></x:c></x:row>
            <x:row r="4"><x:c r="B4" t="b"><x:v>1</x:v></x:c><x:c r="C4" t="e"><x:v>#N/A</x:v></x:c><x:c r="D4" s="2"><x:v>41337</x:v></x:c></x:row>
            <x:row r="6"><x:c r="B6" t="inlineStr"><x:is><x:r><x:t>V</x:t></x:r><x:r><x:t xml:space="preserve">2 </x:t></x:r></x:is></x:c><x:c r="D6" s="1"><x:v>41337.5</x:v></x:c></x:row>
            </x:sheetData></x:worksheet>
            """#
        let path = scratch.file("1904.xlsx")
        let workbookParts = Sheet.styles
        try Sheet.writeParts(to: path, sheet: sheet, sharedStrings: nil, styles: workbookParts, date1904: true)
        let findings = try FilledTemplateChecker.check(fileAt: path, against: tinyCatalog)
        #expect(findings.map { [$0.row.map(String.init), $0.column, $0.value, $0.rule.rawValue] } == [["4", "Day", "#N/A", "type"]])
        // The boolean reads TRUE, and both dates read as 2017-03-05 in the 1904 system.
        var rows: [[String]] = []
        try XLSXRowReader(path: path).forEachRow { rows.append($0.cells) }
        #expect(rows == [
            ["visits", "Schema Version 1.0"], ["Column Name", "User Defined ID", "Day", "Date"],
            ["", "TRUE", "#N/A", "2017-03-05"], ["", "V2 ", "", "2017-03-05"],
        ])
    }

    /// Values are compared trimmed of surrounding spaces, tabs and no-break spaces; inner spaces count.
    @Test("Cells are trimmed of surrounding spaces before checking")
    func trimming() throws {
        let scratch = try Scratch()
        let path = scratch.file("spaces.txt")
        let text = "visits\tSchema Version 1.0 \nPlease do not delete or edit this column\n Column Name \t User Defined ID\tDay \tDate\n"
            + "\t V1\u{00A0}\t 3 \t 2017-03-05\n\t\u{3000}\t1 2\t\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let findings = try FilledTemplateChecker.check(fileAt: path, against: tinyCatalog)
        #expect(findings.map { [$0.row.map(String.init), $0.column, $0.value, $0.rule.rawValue] } == [
            ["5", "User Defined ID", nil, "required"], ["5", "Day", "1 2", "type"],
        ])
        #expect(TemplateLayout.trimmed(" \u{00A0}a b\t") == "a b")
        #expect(TemplateLayout.trimmed("   ") == "")
        #expect(TemplateLayout.trimmed("é") == "é")
    }
}
