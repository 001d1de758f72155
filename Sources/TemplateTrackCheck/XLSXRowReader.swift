import Foundation
import TemplateTrackBase
import TemplateTrackExtractor

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Streams the rows of the first sheet of an `.xlsx` workbook.
///
/// Parts are read with libzip through `ZipArchive` (CRC and size checked) into a private
/// temporary folder, then parsed with `XMLParser` from a stream, so a large sheet is never
/// held in memory; only the shared-string table is (the sheet refers to it by index).
/// Cell values: shared strings (rich-text runs joined, phonetic runs left out), inline
/// strings, numbers as written, booleans as `TRUE`/`FALSE`, formula results (`t="str"`),
/// and numbers whose style has a date format (built-in 14–22 or a custom format with `d`
/// or `y`) as ISO `yyyy-MM-dd`, honouring the 1904 date system.
struct XLSXRowReader {
    /// Largest uncompressed part read: a zip bomb must not fill the disk.
    static let maximumPartSize: Int64 = 2 << 30
    /// Excel's last column (XFD).
    static let maximumColumns = 16_384

    let path: String

    func forEachRow(_ body: (FilledRow) throws -> Void) throws {
        let archive = try ZipArchive(path: path)
        var entries: [String: ZipEntryInfo] = [:]
        for entry in try archive.entries() where entries[entry.name] == nil { entries[entry.name] = entry }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }

        func parse(_ name: String, with handler: some XMLPartHandler) throws {
            guard let entry = entries[name] else {
                throw TemplateTrackError(.invalidArchive, "not an .xlsx workbook: it has no \(name)", at: [.file(path)])
            }
            guard entry.size <= Self.maximumPartSize else {
                throw TemplateTrackError(
                    .invalidArchive, "part is larger than \(Self.maximumPartSize >> 30) GiB uncompressed",
                    at: [.file(path), .entry(name)])
            }
            let partPath = try scratch.extract(entry, from: archive)
            defer { try? FileManager.default.removeItem(atPath: partPath) }
            guard let stream = InputStream(fileAtPath: partPath) else {
                throw TemplateTrackError(.io, "cannot reopen the extracted part", at: [.file(path), .entry(name)])
            }
            let delegate = XMLPartDelegate(handler: handler)
            let parser = XMLParser(stream: stream)
            parser.shouldProcessNamespaces = false
            parser.shouldResolveExternalEntities = false
            parser.delegate = delegate
            let parsed = parser.parse()
            if let failure = delegate.failure { throw Self.placed(failure, file: path, entry: name) }
            guard parsed else {
                let reason = FindingWording.oneLine(parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error", limit: 200)
                throw TemplateTrackError(
                    .invalidArchive, "malformed XML near line \(parser.lineNumber): \(reason)", at: [.file(path), .entry(name)])
            }
            // Parsing from a stream never tells libxml2 the input ended, so a document cut
            // short parses "successfully": only a closed root element proves it is whole.
            guard delegate.rootClosed else {
                throw TemplateTrackError(
                    .invalidArchive, "malformed XML: the document ends before its root element closes",
                    at: [.file(path), .entry(name)])
            }
        }

        // The workbook part is the one `_rels/.rels` names (normally `xl/workbook.xml`).
        var workbookPath = "xl/workbook.xml"
        if entries["_rels/.rels"] != nil {
            let root = RelationshipsHandler()
            try parse("_rels/.rels", with: root)
            if let target = root.officeDocumentTarget { workbookPath = Self.resolve(target, relativeTo: "") }
        }
        let workbook = WorkbookHandler()
        try parse(workbookPath, with: workbook)
        guard let sheetRelation = workbook.firstSheetRelation else {
            throw TemplateTrackError(.invalidArchive, "the workbook lists no sheet", at: [.file(path), .entry(workbookPath)])
        }
        let relationsPath = Self.relationshipsPath(for: workbookPath)
        let relations = RelationshipsHandler()
        if entries[relationsPath] != nil { try parse(relationsPath, with: relations) }
        let folder = workbookPath.split(separator: "/").dropLast().joined(separator: "/")
        let sheetPath: String
        if let target = relations.targets[sheetRelation] {
            sheetPath = Self.resolve(target, relativeTo: folder)
        } else if entries[Self.resolve("worksheets/sheet1.xml", relativeTo: folder)] != nil {
            sheetPath = Self.resolve("worksheets/sheet1.xml", relativeTo: folder)
        } else {
            throw TemplateTrackError(
                .invalidArchive, "the first sheet's relationship \(sheetRelation) has no target",
                at: [.file(path), .entry(relationsPath)])
        }

        let sharedStrings = SharedStringsHandler()
        let sharedPath = relations.sharedStringsTarget.map { Self.resolve($0, relativeTo: folder) } ?? Self.resolve("sharedStrings.xml", relativeTo: folder)
        if entries[sharedPath] != nil { try parse(sharedPath, with: sharedStrings) }
        let styles = StylesHandler()
        let stylesPath = relations.stylesTarget.map { Self.resolve($0, relativeTo: folder) } ?? Self.resolve("styles.xml", relativeTo: folder)
        if entries[stylesPath] != nil { try parse(stylesPath, with: styles) }

        try withoutActuallyEscaping(body) { body in
            let sheet = SheetHandler(
                sharedStrings: sharedStrings.strings, dateStyles: styles.dateStyles, date1904: workbook.date1904,
                emit: body)
            try parse(sheetPath, with: sheet)
        }
    }

    static func relationshipsPath(for part: String) -> String {
        var components = part.split(separator: "/").map(String.init)
        let name = components.popLast() ?? part
        return (components + ["_rels", name + ".rels"]).joined(separator: "/")
    }

    /// A relationship target made a zip entry name: absolute (`/xl/...`) or relative to `folder`, with `..` resolved.
    static func resolve(_ target: String, relativeTo folder: String) -> String {
        var components: [Substring] = target.hasPrefix("/") ? [] : folder.split(separator: "/")
        for component in target.split(separator: "/") {
            if component == ".." { _ = components.popLast() } else if component != "." { components.append(component) }
        }
        return components.joined(separator: "/")
    }

    static func placed(_ error: any Error, file: String, entry: String) -> TemplateTrackError {
        if let error = error as? TemplateTrackError {
            return error.places.isEmpty ? error.at(.entry(entry)).at(.file(file)) : error
        }
        return TemplateTrackError(.invalidArchive, String(describing: error), at: [.file(file), .entry(entry)])
    }
}

/// A private folder for extracted parts, removed when done.
struct ScratchFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/templatetrack-xlsx-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TemplateTrackError(.io, "cannot create a temporary folder: \(ChunkedFile.reason(errno))")
        }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Streams `entry` to a file in this folder (CRC checked by reading to the end) and returns its path.
    func extract(_ entry: ZipEntryInfo, from archive: ZipArchive) throws -> String {
        let target = path + "/part-\(entry.index)"
        let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TemplateTrackError(.io, "cannot write a temporary file: \(ChunkedFile.reason(errno))", at: [.file(target)])
        }
        defer { close(descriptor) }
        try archive.read(entry, into: { chunk in
            guard let base = chunk.baseAddress else { return }
            var offset = 0
            while offset < chunk.count {
                let written = write(descriptor, base + offset, chunk.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw TemplateTrackError(.io, "cannot write a temporary file: \(ChunkedFile.reason(errno))", at: [.file(target)])
                }
                offset += written
            }
        })
        return target
    }
}

// MARK: - SAX handling

/// Receives the events of one XML part; element and attribute names arrive without namespace prefixes.
protocol XMLPartHandler: AnyObject {
    func start(_ element: String, attributes: [String: String]) throws
    func end(_ element: String) throws
    func text(_ text: String)
}

/// Adapts `XMLParserDelegate` to `XMLPartHandler`: strips prefixes and keeps the first error.
final class XMLPartDelegate: NSObject, XMLParserDelegate {
    let handler: any XMLPartHandler
    var failure: (any Error)?
    private var depth = 0
    private(set) var rootClosed = false

    init(handler: any XMLPartHandler) { self.handler = handler }

    static func local(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        depth += 1
        var local: [String: String] = [:]
        for (key, value) in attributes where !key.hasPrefix("xmlns") {
            // Keep `r:id` apart from a plain `id`: only the prefixed one names a relationship.
            local[key.contains(":") ? "prefixed:" + Self.local(key) : key] = value
        }
        do { try handler.start(Self.local(elementName), attributes: local) } catch { stop(parser, error) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        depth -= 1
        if depth == 0 { rootClosed = true }
        do { try handler.end(Self.local(elementName)) } catch { stop(parser, error) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil else { return }
        handler.text(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard failure == nil else { return }
        handler.text(String(decoding: CDATABlock, as: UTF8.self))
    }

    private func stop(_ parser: XMLParser, _ error: any Error) {
        failure = error
        parser.abortParsing()
    }
}

/// `xl/workbook.xml`: the first sheet's relationship id and the date system.
final class WorkbookHandler: XMLPartHandler {
    var firstSheetRelation: String?
    var date1904 = false

    func start(_ element: String, attributes: [String: String]) {
        switch element {
        case "sheet" where firstSheetRelation == nil: firstSheetRelation = attributes["prefixed:id"]
        case "workbookPr": date1904 = ["1", "true"].contains(attributes["date1904"]?.lowercased() ?? "")
        default: break
        }
    }
    func end(_ element: String) {}
    func text(_ text: String) {}
}

/// A `.rels` part: relationship ids to targets, and the targets of well-known types.
final class RelationshipsHandler: XMLPartHandler {
    var targets: [String: String] = [:]
    var officeDocumentTarget: String?
    var sharedStringsTarget: String?
    var stylesTarget: String?

    func start(_ element: String, attributes: [String: String]) {
        guard element == "Relationship", let target = attributes["Target"],
            attributes["TargetMode"]?.lowercased() != "external"
        else { return }
        if let id = attributes["Id"] { targets[id] = target }
        let type = attributes["Type"] ?? ""
        if type.hasSuffix("/officeDocument") { officeDocumentTarget = officeDocumentTarget ?? target }
        if type.hasSuffix("/sharedStrings") { sharedStringsTarget = target }
        if type.hasSuffix("/styles") { stylesTarget = target }
    }
    func end(_ element: String) {}
    func text(_ text: String) {}
}

/// `xl/sharedStrings.xml`: each `<si>`'s text, rich-text runs joined, phonetic guides (`<rPh>`) left out.
final class SharedStringsHandler: XMLPartHandler {
    var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var inText = false
    private var phoneticDepth = 0

    func start(_ element: String, attributes: [String: String]) {
        switch element {
        case "si": inItem = true; current = ""
        case "rPh": phoneticDepth += 1
        case "t": inText = inItem && phoneticDepth == 0
        default: break
        }
    }

    func end(_ element: String) {
        switch element {
        case "si": strings.append(current); inItem = false
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }

    func text(_ text: String) { if inText { current += text } }
}

/// `xl/styles.xml`: which cell styles (`cellXfs` indices) show numbers as dates.
final class StylesHandler: XMLPartHandler {
    private var customDateFormats: Set<Int> = []
    private var styleFormats: [Int] = []
    private var inCellXfs = false

    var dateStyles: Set<Int> {
        Set(styleFormats.indices.filter { index in
            let format = styleFormats[index]
            return (14...22).contains(format) || customDateFormats.contains(format)
        })
    }

    func start(_ element: String, attributes: [String: String]) {
        switch element {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap(Int.init), Self.isDateFormat(attributes["formatCode"] ?? "") {
                customDateFormats.insert(id)
            }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs: styleFormats.append(attributes["numFmtId"].flatMap(Int.init) ?? 0)
        default: break
        }
    }

    func end(_ element: String) { if element == "cellXfs" { inCellXfs = false } }
    func text(_ text: String) {}

    /// A format code showing a date: a `d` or `y` outside quoted text, escapes and `[...]` sections.
    static func isDateFormat(_ code: String) -> Bool {
        var inQuotes = false
        var inBrackets = false
        var escaped = false
        for character in code {
            if escaped { escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "\"": inQuotes.toggle()
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            case "d", "D", "y", "Y": if !inQuotes && !inBrackets { return true }
            default: break
            }
        }
        return false
    }
}

/// The sheet: rows and cells, emitted one row at a time.
final class SheetHandler: XMLPartHandler {
    private let sharedStrings: [String]
    private let dateStyles: Set<Int>
    private let date1904: Bool
    private let emit: (FilledRow) throws -> Void

    private var rowNumber = 0
    private var cells: [(Int, String)] = []
    private var column = -1
    private var cellType = "n"
    private var cellStyle = 0
    private var cellValue = ""
    private var inlineText = ""
    private var reading: Reading = .nothing
    private var phoneticDepth = 0
    private var inSheetData = false

    private enum Reading { case nothing, value, inlineText }

    init(sharedStrings: [String], dateStyles: Set<Int>, date1904: Bool, emit: @escaping (FilledRow) throws -> Void) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.emit = emit
    }

    func start(_ element: String, attributes: [String: String]) throws {
        switch element {
        case "sheetData": inSheetData = true
        case "row" where inSheetData:
            if let number = attributes["r"].flatMap(Int.init) {
                guard number > rowNumber, number <= 1_048_576 else {
                    throw TemplateTrackError(.invalidArchive, "row number \(number) is out of order or out of range")
                }
                rowNumber = number
            } else {
                rowNumber += 1
            }
            cells = []
            column = -1
        case "c" where inSheetData:
            if let reference = attributes["r"] {
                guard let parsed = Self.columnIndex(of: reference) else {
                    throw TemplateTrackError(.invalidArchive, "row \(rowNumber): cell reference '\(reference)' is not valid")
                }
                column = parsed
            } else {
                column += 1
            }
            guard column < XLSXRowReader.maximumColumns else {
                throw TemplateTrackError(.invalidArchive, "row \(rowNumber): more columns than a sheet can have")
            }
            cellType = attributes["t"] ?? "n"
            cellStyle = attributes["s"].flatMap(Int.init) ?? 0
            cellValue = ""
            inlineText = ""
        case "v": reading = .value
        case "rPh": phoneticDepth += 1
        case "t" where cellType == "inlineStr" && phoneticDepth == 0: reading = .inlineText
        default: break
        }
    }

    func end(_ element: String) throws {
        switch element {
        case "v", "t": reading = .nothing
        case "rPh": phoneticDepth -= 1
        case "c" where inSheetData:
            let value = try cellText()
            if !value.isEmpty { cells.append((column, value)) }
        case "row" where inSheetData:
            let width = (cells.map(\.0).max() ?? -1) + 1
            var row = [String](repeating: "", count: width)
            for (index, value) in cells { row[index] = value }
            try emit(FilledRow(number: rowNumber, cells: row))
            cells = []
        case "sheetData": inSheetData = false
        default: break
        }
    }

    func text(_ text: String) {
        switch reading {
        case .value: cellValue += text
        case .inlineText: inlineText += text
        case .nothing: break
        }
    }

    private func cellText() throws -> String {
        switch cellType {
        case "s":
            guard let index = Int(cellValue.trimmingCharacters(in: .whitespaces)), sharedStrings.indices.contains(index) else {
                throw TemplateTrackError(
                    .invalidArchive, "row \(rowNumber): shared string '\(cellValue)' does not exist")
            }
            return sharedStrings[index]
        case "inlineStr": return inlineText
        case "b": return cellValue.trimmingCharacters(in: .whitespaces) == "1" ? "TRUE" : "FALSE"
        case "d": return cellValue.count >= 10 && cellValue.dropFirst(4).first == "-" ? String(cellValue.prefix(10)) : cellValue
        case "n":
            if dateStyles.contains(cellStyle), let serial = Double(cellValue.trimmingCharacters(in: .whitespaces)),
                let date = ExcelDate.isoDate(serial: serial, date1904: date1904)
            {
                return date
            }
            return cellValue
        default: return cellValue  // "str" (formula result), "e" (error text)
        }
    }

    /// Zero-based column of a reference like `C7` or `AB12`; nil when it is not one.
    static func columnIndex(of reference: String) -> Int? {
        var index = 0
        var letters = 0
        var digits = 0
        for scalar in reference.unicodeScalars {
            switch scalar {
            case "A"..."Z", "a"..."z":
                guard digits == 0, letters < 3 else { return nil }
                letters += 1
                index = index * 26 + Int((scalar.value & ~0x20) - 64)
            case "0"..."9":
                digits += 1
            case "$":
                continue
            default:
                return nil
            }
        }
        guard letters > 0 else { return nil }
        return index - 1
    }
}

/// Excel's date serial numbers.
enum ExcelDate {
    /// `yyyy-MM-dd` for a serial number, or nil outside years 1900–9999.
    static func isoDate(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= (date1904 ? 0 : 1), serial < 2_958_466 else { return nil }
        let whole = Int(serial.rounded(.down))
        // The 1900 system counts a 29 February 1900 that never was (Lotus 1-2-3's bug).
        if !date1904 && whole == 60 { return "1900-02-29" }
        let daysSince1970: Int
        if date1904 {
            daysSince1970 = whole - 24_107
        } else {
            daysSince1970 = whole < 60 ? whole - 25_568 : whole - 25_569
        }
        let (year, month, day) = civil(fromDays: daysSince1970)
        func padded(_ number: Int, _ width: Int) -> String {
            let text = String(number)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    /// Howard Hinnant's civil_from_days: days since 1970-01-01 to a proleptic Gregorian date.
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
