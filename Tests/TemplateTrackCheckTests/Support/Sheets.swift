import Foundation
import TemplateTrackExtractor

/// A cell of a test spreadsheet, and how the `.xlsx` writer stores it.
enum Cell: Hashable {
    /// A shared string.
    case text(String)
    /// An inline string (`t="inlineStr"`).
    case inline(String)
    /// A shared string in rich-text runs, with a phonetic guide that must not be read.
    case rich([String])
    /// A number cell.
    case number(String)
    /// A number cell with a date style; `.txt` writes `text`.
    case date(serial: Int, text: String, iso: String)

    static let empty = Cell.text("")

    /// What a `.txt` holds for the cell.
    var txt: String {
        switch self {
        case .text(let text), .inline(let text), .number(let text): text
        case .rich(let runs): runs.joined()
        case .date(_, let text, _): text
        }
    }

    /// What the checker reads back from the `.xlsx`.
    var xlsx: String {
        if case .date(_, _, let iso) = self { return iso }
        return txt
    }
}

/// Rows of cells; row `i` of the array is line (or spreadsheet row) `i + 1`. An empty row is a blank line.
struct Sheet {
    var rows: [[Cell]]

    /// The row number (1-based) of the header `Column Name` row after `from` (1-based).
    func headerRow(after from: Int = 1) -> Int? {
        rows.indices.first { $0 + 1 > from && rows[$0].first?.txt == "Column Name" }.map { $0 + 1 }
    }

    /// Cell index of `column` in the header row `headerRow` (1-based).
    func index(of column: String, headerRow: Int) -> Int? {
        rows[headerRow - 1].firstIndex { $0.txt == column }
    }

    subscript(row: Int, column: Int) -> Cell {
        get { column < rows[row - 1].count ? rows[row - 1][column] : .empty }
        set {
            while rows[row - 1].count <= column { rows[row - 1].append(.empty) }
            rows[row - 1][column] = newValue
        }
    }

    /// Removes cell `column` from the header row and every row after it up to `through` (1-based).
    mutating func removeColumn(_ column: Int, from headerRow: Int, through last: Int) {
        for row in headerRow...last where column < rows[row - 1].count { rows[row - 1].remove(at: column) }
    }

    // MARK: Writers

    /// Tab-separated text, optionally with CRLF, a BOM and trailing empty cells on data rows.
    func writeText(to path: String, crlf: Bool = false, bom: Bool = false, trailingTabs: Bool = false) throws {
        var text = bom ? "\u{FEFF}" : ""
        for (index, row) in rows.enumerated() {
            var line = row.map(\.txt).joined(separator: "\t")
            if trailingTabs, index > 2, !row.isEmpty { line += "\t\t" }
            text += line + (crlf ? "\r\n" : "\n")
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A minimal `.xlsx` written by hand with the project's `ZipWriter`.
    func writeWorkbook(to path: String) throws {
        var shared: [String] = []
        var sharedIndex: [String: Int] = [:]
        func share(_ xml: String) -> Int {
            if let index = sharedIndex[xml] { return index }
            shared.append(xml)
            sharedIndex[xml] = shared.count - 1
            return shared.count - 1
        }
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
        sheet += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (rowIndex, row) in rows.enumerated() where !row.isEmpty {
            let number = rowIndex + 1
            var cells = ""
            for (columnIndex, cell) in row.enumerated() where !cell.txt.isEmpty {
                let reference = Self.columnName(columnIndex) + "\(number)"
                switch cell {
                case .text(let text):
                    cells += #"<c r="\#(reference)" t="s"><v>\#(share("<t xml:space=\"preserve\">\(Self.escape(text))</t>"))</v></c>"#
                case .rich(let runs):
                    let xml = runs.map { #"<r><rPr><b/></rPr><t xml:space="preserve">\#(Self.escape($0))</t></r>"# }.joined()
                        + #"<rPh sb="0" eb="1"><t>PHONETIC</t></rPh>"#
                    cells += #"<c r="\#(reference)" t="s"><v>\#(share(xml))</v></c>"#
                case .inline(let text):
                    cells += #"<c r="\#(reference)" t="inlineStr"><is><t xml:space="preserve">\#(Self.escape(text))</t></is></c>"#
                case .number(let text):
                    cells += #"<c r="\#(reference)"><v>\#(text)</v></c>"#
                case .date(let serial, _, _):
                    cells += #"<c r="\#(reference)" s="1"><v>\#(serial)</v></c>"#
                }
            }
            sheet += #"<row r="\#(number)">\#(cells)</row>"#
        }
        sheet += "</sheetData></worksheet>"
        var strings = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
        strings += #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(shared.count)" uniqueCount="\#(shared.count)">"#
        strings += shared.map { "<si>\($0)</si>" }.joined() + "</sst>"
        try Self.writeParts(to: path, sheet: sheet, sharedStrings: strings)
    }

    static func writeParts(
        to path: String, sheet: String, sharedStrings: String?, styles: String = styles, date1904: Bool = false
    ) throws {
        let contentTypes = #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
            """#
        let rootRelationships = #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """#
        let workbook = #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="\#(date1904 ? 1 : 0)"/><sheets><sheet name="Template" sheetId="1" r:id="rId1"/></sheets></workbook>
            """#
        let workbookRelationships = #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """#
        let time = Date(timeIntervalSince1970: 1_500_000_000)
        let zip = try ZipWriter(creating: path)
        try zip.addFile("[Content_Types].xml", bytes: Array(contentTypes.utf8), modified: time)
        try zip.addFile("_rels/.rels", bytes: Array(rootRelationships.utf8), modified: time)
        try zip.addFile("xl/workbook.xml", bytes: Array(workbook.utf8), modified: time)
        try zip.addFile("xl/_rels/workbook.xml.rels", bytes: Array(workbookRelationships.utf8), modified: time)
        try zip.addFile("xl/worksheets/sheet1.xml", bytes: Array(sheet.utf8), modified: time)
        if let sharedStrings { try zip.addFile("xl/sharedStrings.xml", bytes: Array(sharedStrings.utf8), modified: time) }
        try zip.addFile("xl/styles.xml", bytes: Array(styles.utf8), modified: time)
        try zip.close()
    }

    /// Style 0 general, style 1 a built-in date format (numFmtId 14), style 2 a custom date format.
    static let styles = #"""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd\-mmm\-yyyy"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>
        """#

    static func columnName(_ index: Int) -> String {
        var name = ""
        var rest = index + 1
        while rest > 0 {
            let remainder = (rest - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            rest = (rest - 1) / 26
        }
        return name
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
