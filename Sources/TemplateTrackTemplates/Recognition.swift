import Foundation

/// What a file turned out to be, read by its content whatever its name or folder.
public enum RecognizedDocument: Sendable, Hashable {
    /// A JSON array of template definitions, or one definition as a JSON object (`name`, `fileName`, `schemaVersion`, ordered `columns`
    /// or, for compound templates, ordered `templates` blocks).
    case definitions([Template])
    /// A tab-separated template whose first line is `<name><TAB>Schema Version <x.yy>`.
    case textTemplate(Template)
    /// A JSON array of lookup tables `{name, rows: [{name, description, link}]}`.
    case lookups([LookupTable])

    public var kind: String {
        switch self {
        case .definitions: "definitions"
        case .textTemplate: "text-template"
        case .lookups: "lookups"
        }
    }
}

/// Recognizes ImmPort's template files by their content.
public enum TemplateRecognizer {
    /// Whether a file starting with `prefix` can be a template document at all: a JSON array,
    /// or a first line with a Schema Version. Lets other files go unread.
    public static func mayRecognize(prefix: some Collection<UInt8>) -> Bool {
        let bytes = Array(prefix.prefix(4096))
        guard let first = bytes.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d || $0 == 0xef || $0 == 0xbb || $0 == 0xbf) })
        else { return false }
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") { return true }
        // A tab, then any spaces, then "Schema Version": what `recognize` accepts.
        let firstLine = Array(bytes.split(separator: 0x0a, maxSplits: 1, omittingEmptySubsequences: false).first ?? [])
        let needle = Array("Schema Version".utf8)
        for (index, byte) in firstLine.enumerated() where byte == 0x09 {
            var start = index + 1
            while start < firstLine.count, firstLine[start] == 0x20 { start += 1 }
            if start + needle.count <= firstLine.count, Array(firstLine[start..<start + needle.count]) == needle { return true }
        }
        return false
    }

    /// The document `bytes` hold, or nil for any other file.
    public static func recognize(_ bytes: [UInt8]) -> RecognizedDocument? {
        guard let first = bytes.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d || $0 == 0xef || $0 == 0xbb || $0 == 0xbf) })
        else { return nil }
        if first == UInt8(ascii: "{") {
            // One template's definition on its own (a per-template JSON file).
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), let object = value.object,
                isDefinition(object)
            else { return nil }
            return .definitions([definition(object)])
        }
        if first == UInt8(ascii: "[") {
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
                let array = value.array, !array.isEmpty
            else { return nil }
            let objects = array.compactMap(\.object)
            guard objects.count == array.count else { return nil }
            if objects.allSatisfy(isDefinition) { return .definitions(objects.map(definition)) }
            if objects.allSatisfy(isLookup) { return .lookups(objects.map(lookup)) }
            return nil
        }
        return textTemplate(bytes).map(RecognizedDocument.textTemplate)
    }

    static func isDefinition(_ object: [String: JSONValue]) -> Bool {
        object["name"]?.string != nil && (object["columns"]?.array != nil || object["templates"]?.array != nil)
            && (object["schemaVersion"] != nil || object["fileName"] != nil)
    }

    static func isLookup(_ object: [String: JSONValue]) -> Bool {
        object["name"]?.string != nil && object["rows"]?.array != nil
    }

    static let templateKeys: Set<String> = ["name", "fileName", "schemaVersion", "templateType", "columns", "templates"]

    static func definition(_ object: [String: JSONValue]) -> Template {
        func columns(_ list: JSONValue?) -> [TemplateColumn] {
            (list?.array ?? []).compactMap(\.object).map { column in
                let name = column["templateColumn"]?.text ?? column["jsonAttribute"]?.text ?? ""
                return TemplateColumn(name: name, attributes: column.filter { $0.key != "templateColumn" })
            }
        }
        let blocks: [TemplateBlock]
        if let list = object["templates"]?.array {
            blocks = list.compactMap(\.object).enumerated().map { index, block in
                TemplateBlock(
                    name: block["name"]?.text ?? "block \(index + 1)", columns: columns(block["columns"]),
                    attributes: block.filter { $0.key != "name" && $0.key != "columns" })
            }
        } else {
            blocks = [TemplateBlock(name: nil, columns: columns(object["columns"]))]
        }
        return Template(
            name: object["name"]!.string!, fileName: object["fileName"]?.text,
            schemaVersion: object["schemaVersion"]?.text, templateType: object["templateType"]?.text,
            properties: object.filter { !templateKeys.contains($0.key) }, blocks: blocks, source: .definitions)
    }

    static func lookup(_ object: [String: JSONValue]) -> LookupTable {
        LookupTable(
            name: object["name"]!.string!,
            values: (object["rows"]?.array ?? []).compactMap(\.object).map {
                LookupTable.Value(name: $0["name"]?.text ?? "", description: $0["description"]?.text, link: $0["link"]?.text)
            })
    }

    /// Reads a tab-separated `.txt` template: the `Schema Version` line, then its `Column Name`
    /// header, or for compound templates its blocks (a blank line, the block's name, then a
    /// header row or `key<TAB>value` rows whose keys are its columns).
    static func textTemplate(_ bytes: [UInt8]) -> Template? {
        // Split on the byte: as Characters, "\r\n" is one and would not split on "\n".
        func decode(_ line: ArraySlice<UInt8>) -> String {
            let trimmed = line.last == 0x0d ? line.dropLast() : line
            return String(validating: trimmed, as: UTF8.self) ?? String(trimmed.map { Character(Unicode.Scalar($0)) })
        }
        // The header line decides, before the rest of a possibly large file is split.
        let headerEnd = nextLineFeed(in: bytes, from: 0)
        var header = decode(bytes[0..<headerEnd])
        if header.hasPrefix("\u{FEFF}") { header.removeFirst() }
        let cells = header.split(separator: "\t", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard cells.count >= 2, !cells[0].isEmpty, cells[1].hasPrefix("Schema Version") else { return nil }
        let version = cells[1].dropFirst("Schema Version".count).trimmingCharacters(in: .whitespaces)

        func row(_ line: String) -> [String] {
            var cells = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            while cells.last?.isEmpty == true { cells.removeLast() }
            return cells
        }
        var single: [TemplateColumn]?
        var blocks: [TemplateBlock] = []
        var pendingBlock: String?
        var keyValueColumns: [TemplateColumn] = []
        var previousBlank = false
        func closeKeyValueBlock() {
            if let name = pendingBlock, !keyValueColumns.isEmpty { blocks.append(TemplateBlock(name: name, columns: keyValueColumns)) }
            keyValueColumns = []
        }
        /// An ASCII line's first cell and whether any other cell holds something, read from the
        /// bytes: a filled-in template can have many thousands of rows, and only the first cell
        /// of most of them matters. Other lines (and "Column Name" rows) are decoded whole.
        func shape(_ line: ArraySlice<UInt8>) -> (first: ArraySlice<UInt8>, more: Bool)? {
            let line = line.last == 0x0d ? line.dropLast() : line
            // One pass: every byte ASCII, where the first tab is, and whether anything but
            // spaces and tabs follows it.
            let scanned = line.withUnsafeBufferPointer { buffer -> (tab: Int, more: Bool)? in
                var tab = buffer.count
                var more = false
                for index in 0..<buffer.count {
                    let byte = buffer[index]
                    if byte >= 0x80 { return nil }
                    if tab == buffer.count {
                        if byte == 0x09 { tab = index }
                    } else if byte != 0x20 && byte != 0x09 {
                        more = true
                    }
                }
                return (tab, more)
            }
            guard let (tabOffset, more) = scanned else { return nil }
            let tab = line.startIndex + tabOffset
            var first = line[line.startIndex..<tab]
            while first.first == 0x20 { first = first.dropFirst() }
            while first.last == 0x20 { first = first.dropLast() }
            return (first, more)
        }
        let columnName = Array("Column Name".utf8)
        var lineStart = headerEnd
        while lineStart < bytes.count {
            lineStart += 1  // past the line feed that ended the previous line
            let lineEnd = nextLineFeed(in: bytes, from: lineStart)
            let lineBytes = bytes[lineStart..<lineEnd]
            lineStart = lineEnd
            let cells: [String]
            if let (first, more) = shape(lineBytes), !first.elementsEqual(columnName) {
                // Only the first cell is needed; the others stand in as one non-empty cell.
                let text = String(decoding: first, as: UTF8.self)
                cells = more ? [text, "…"] : (text.isEmpty ? [] : [text])
            } else {
                cells = row(decode(lineBytes))
            }
            if cells.isEmpty {
                closeKeyValueBlock()
                pendingBlock = nil
                previousBlank = true
                continue
            }
            defer { previousBlank = false }
            if cells[0] == "Column Name" {
                let columns = cells.dropFirst().map { TemplateColumn(name: $0, attributes: [:]) }
                if let name = pendingBlock {
                    blocks.append(TemplateBlock(name: name, columns: columns))
                    pendingBlock = nil
                } else if single == nil {
                    single = columns
                }
            } else if previousBlank && cells.count == 1 {
                pendingBlock = cells[0]
            } else if pendingBlock != nil, !cells[0].isEmpty {
                keyValueColumns.append(TemplateColumn(name: cells[0], attributes: [:]))
            }
        }
        closeKeyValueBlock()
        let parsedBlocks = blocks.isEmpty ? [TemplateBlock(name: nil, columns: single ?? [])] : blocks
        return Template(
            name: cells[0], fileName: nil, schemaVersion: version.isEmpty ? nil : version, templateType: nil,
            properties: [:], blocks: parsedBlocks, source: .text)
    }

    /// The index of the first line feed at or after `start`, or `bytes.count`: found with
    /// `memchr`, since whole files are scanned.
    static func nextLineFeed(in bytes: [UInt8], from start: Int) -> Int {
        guard start < bytes.count else { return bytes.count }
        return bytes.withUnsafeBufferPointer { buffer in
            guard let found = memchr(buffer.baseAddress! + start, 0x0a, buffer.count - start) else { return buffer.count }
            return buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }
}
