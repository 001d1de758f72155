import Foundation
import Testing
import TemplateTrackBase
import TemplateTrackTemplates
import TemplateTrackTesting

/// `diff --json`'s items, read back.
private struct DiffJSON: Decodable {
    struct Breaking: Decodable { var kind: String; var message: String }
    struct Column: Decodable { var column: String; var changes: [String: ValueChange] }
    struct Template: Decodable {
        var name: String
        var status: String
        var fromName: String?
        var added: [String]
        var removed: [String]
        var moved: [String]
        var changed: [Column]
        enum CodingKeys: String, CodingKey {
            case name, status, fromName = "from_name", added = "columns_added", removed = "columns_removed"
            case moved = "columns_moved", changed = "columns_changed"
        }
    }
    struct Lookup: Decodable {
        var name: String
        var status: String
        var added: [String]
        var removed: [String]
        enum CodingKeys: String, CodingKey { case name, status, added = "values_added", removed = "values_removed" }
    }
    var from: Int
    var to: Int
    var breaking: [Breaking]
    var templates: [Template]
    var lookups: [Lookup]
}

/// One line of text as a browser shows it: line ends normalized.
private func shown(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
}

@Suite("ImmPort's real definitions in the report")
struct ImmPortReportTests {
    @Test(
        "3.15 → 3.18 → (edited): each change page's breaking changes, templates, column tables and lookups match diff --json item for item",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func matchesDiffJSON() async throws {
        let scratch = try Scratch()
        try ImmPortReference.writeTree(version: "3.15", into: scratch.url.appending(path: "v315"))
        try ImmPortReference.writeTree(version: "3.18", into: scratch.url.appending(path: "v318"))
        try ImmPortReference.writeTree(version: "3.18", into: scratch.url.appending(path: "edited"))
        try edit(scratch.url.appending(path: "edited"))
        let db = scratch.file("history.sqlite")
        for (index, name) in ["v315", "v318", "edited"].enumerated() {
            try run(["zip", "-qrX", "../\(name).zip", "."], in: scratch.file(name))
            let imported = try await cli(
                ["import", scratch.file("\(name).zip"), "--workspace", "1", "--fetched-at", "2018-0\(index + 1)-01T00:00:00Z"], db: db)
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let report = scratch.file("out")
        let written = try await cli(["report", "--html", report], db: db)
        #expect(written.status == 0, "\(written.stderr)")

        let browser = Browser(scratch: scratch)
        var kinds: Set<String> = []
        for (from, to) in [(1, 2), (2, 3)] {
            let printed = try await cli(["diff", "--json", "--workspace", "1", "\(from)", "\(to)"], db: db)
            let diff = try JSONDecoder().decode(DiffJSON.self, from: Data(printed.stdout.utf8))
            let dom = try await browser.dom("file://\(report)/changes/1-\(from)-\(to).html")

            // Breaking changes, in order.
            let breaking = dom.all("tr", having: "data-kind").map { row in
                [row.element.attrs["data-kind"]!, shown(dom.inside(row.index, "td").last!.element.text)]
            }
            #expect(breaking == diff.breaking.map { [$0.kind, shown($0.message)] }, "snapshot \(from) → \(to): breaking changes")
            kinds.formUnion(diff.breaking.map(\.kind))

            // Every template that differs, with its status and former name.
            let templates = dom.all("tr", having: "data-template").map { row in
                [row.element.attrs["data-template"]!, row.element.attrs["data-status"]!,
                 dom.inside(row.index, "td").first { $0.element.attrs["class"] == "from-name" }!.element.text]
            }
            #expect(templates == diff.templates.map { [$0.name, $0.status, $0.fromName ?? ""] }, "snapshot \(from) → \(to): templates")

            // The column tables: every added, removed, moved and changed column, the values side by side.
            var expectedColumns: [[String]] = []
            for template in diff.templates where ["modified", "renamed"].contains(template.status) {
                expectedColumns += template.removed.map { [template.name, $0, "removed", "", "", ""] }
                expectedColumns += template.added.map { [template.name, $0, "added", "", "", ""] }
                expectedColumns += template.moved.map { [template.name, $0, "moved", "position", "", ""] }
                for column in template.changed {
                    for key in column.changes.keys.sorted() {
                        expectedColumns.append([template.name, column.column, "changed", key, column.changes[key]!.from.plain, column.changes[key]!.to.plain])
                    }
                }
            }
            var columns: [[String]] = []
            for table in dom.all("table", having: "data-template") where table.element.attrs["class"] == "columns" {
                for row in dom.inside(table.index, "tr") where row.element.attrs["data-column"] != nil {
                    let change = row.element.attrs["data-change"]!
                    let cells = dom.inside(row.index, "td")
                    let values = change == "changed" ? cells.suffix(2).map { $0.element.text } : ["", ""]
                    columns.append([table.element.attrs["data-template"]!, row.element.attrs["data-column"]!, change, row.element.attrs["data-attribute"]!] + values)
                }
            }
            #expect(columns == expectedColumns, "snapshot \(from) → \(to): column tables")

            // Lookup values gained and lost.
            let lookups = dom.all("section", having: "data-lookup").map { section -> [String] in
                let gained = dom.inside(section.index, "ul").first { $0.element.attrs["class"] == "gained" }
                let lost = dom.inside(section.index, "ul").first { $0.element.attrs["class"] == "lost" }
                let values = { (list: (index: Int, element: DOM.Element)?) in list.map { dom.inside($0.index, "li").map { shown($0.element.text) } } ?? [] }
                return [section.element.attrs["data-lookup"]!, section.element.attrs["data-status"]!] + ["+"] + values(gained) + ["-"] + values(lost)
            }
            #expect(lookups == diff.lookups.map { [$0.name, $0.status, "+"] + $0.added.map(shown) + ["-"] + $0.removed.map(shown) }, "snapshot \(from) → \(to): lookups")
        }
        // The edits exercise every kind of breaking change.
        #expect(kinds == Set(BreakingChange.Kind.allCases.map(\.rawValue)), "\(kinds)")

        // Each template of the latest snapshot has its page, with its columns at the latest snapshot.
        let latest = try JSONSerialization.jsonObject(with: Data(try await cli(["templates", "--json", "--workspace", "1"], db: db).stdout.utf8)) as! [[String: Any]]
        let pages = try htmlFiles(in: report).filter { $0.hasPrefix("templates/") }
        #expect(pages.count == latest.filter { $0["source"] as? String == "definitions" }.count)
        let assessments = try #require(pages.first { $0.hasPrefix("templates/1/assessments-") })
        let page = try await browser.dom("file://\(report)/\(assessments)")
        let columns = page.all("tr", having: "data-column").map { $0.element.attrs["data-column"]! }
        let listed = latest.first { $0["name"] as? String == "assessments" }!["columns"] as! [[String: Any]]
        #expect(columns == listed.map { $0["templateColumn"] as! String })
        #expect(page.text.contains("Assessment Note"))
        #expect(page.all("svg").count == 1, "the columns-per-version chart")
    }

    /// Known edits to ImmPort's 3.18 definitions, one of each kind of change.
    private func edit(_ folder: URL) throws {
        let definitionsURL = folder.appending(path: "templates.json")
        var templates = try JSONSerialization.jsonObject(with: Data(contentsOf: definitionsURL)) as! [[String: Any]]
        func update(_ name: String, _ body: (inout [String: Any]) -> Void) {
            let index = templates.firstIndex { $0["name"] as? String == name }!
            body(&templates[index])
        }
        func columns(_ template: inout [String: Any], _ body: (inout [[String: Any]]) -> Void) {
            var list = template["columns"] as! [[String: Any]]
            body(&list)
            template["columns"] = list
        }
        // Renamed, and a column removed.
        update("adverseevents") { template in
            template["name"] = "adverse_events"
            columns(&template) { $0.removeAll { $0["templateColumn"] as? String == "Name Preferred" } }
        }
        // A column now required, a data type changed, a new required column.
        update("assessments") { template in
            columns(&template) { list in
                for index in list.indices {
                    if list[index]["templateColumn"] as? String == "Study ID" { list[index]["required"] = true }
                    if list[index]["templateColumn"] as? String == "Status" { list[index]["jsonDataType"] = "enum" }
                }
                list.append(["templateColumn": "Assessment Note", "jsonAttribute": "assessmentNote", "required": true, "jsonDataType": "string"])
            }
        }
        // A vocabulary changed: the first column that names one.
        if let index = templates.firstIndex(where: { ($0["columns"] as? [[String: Any]])?.contains { $0["cvTableName"] is String } == true }) {
            columns(&templates[index]) { list in
                let column = list.firstIndex { $0["cvTableName"] is String }!
                list[column]["cvTableName"] = "lk_changed_vocabulary"
            }
        }
        // A template added, one removed.
        var extra = templates.first { $0["name"] as? String == "assessments" }!
        extra["name"] = "assessments_extra"
        extra["fileName"] = "assessments_extra.txt"
        let removed = templates.removeLast()
        templates.append(extra)
        try JSONSerialization.data(withJSONObject: templates, options: [.sortedKeys]).write(to: definitionsURL)
        if let file = removed["fileName"] as? String { try FileManager.default.removeItem(at: folder.appending(path: "txt/" + file)) }
        for template in templates {
            guard let file = template["fileName"] as? String else { continue }
            try Data(ImmPortReference.textTemplate(template).utf8).write(to: folder.appending(path: "txt/" + file))
        }
        // A vocabulary narrowed, and a lookup table removed.
        let lookupsURL = folder.appending(path: "lookups.json")
        var lookups = try JSONSerialization.jsonObject(with: Data(contentsOf: lookupsURL)) as! [[String: Any]]
        var rows = lookups[0]["rows"] as! [[String: Any]]
        rows.removeLast(2)
        lookups[0]["rows"] = rows
        lookups.removeLast()
        try JSONSerialization.data(withJSONObject: lookups, options: [.sortedKeys]).write(to: lookupsURL)
    }
}
