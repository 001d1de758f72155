import Foundation
import Testing
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackTesting
@testable import TemplateTrackWeb

@Suite("The static report, opened in headless Chromium", .serialized)
struct ReportTests {
    @Test("the demo's report: the overview lists every workspace; a change page shows its breaking changes and column tables")
    func demoReport() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        #expect(demo.output.contains("history-report/index.html"), "the demo says where the report is")
        let browser = Browser(scratch: scratch)

        let overview = try await browser.dom("file://\(demo.report)/index.html")
        let rows = overview.all("tr", having: "data-workspace").map { $0.element.attrs["data-workspace"]! }
        let log = try await cli(["log", "--json"], db: demo.database)
        let logged = try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as! [[String: Any]]
        #expect(rows == Set(logged.map { "\($0["workspace"]!)" }).sorted())
        #expect(rows == ["5001", "5002", "5003"])
        for name in ["Influenza Vaccine Cohort", "Study Design Pilot"] { #expect(overview.text.contains(name)) }
        #expect(overview.text.contains("lk_time_unit: narrowed vocabulary, 1 value gone (Weeks)"), "latest breaking changes")
        #expect(overview.all("svg").count == 3, "one timeline per series")

        // The change of workspace 5001: its breaking changes and a column table, as diff --json has them.
        let diff = try await cli(["diff", "--json", "--workspace", "5001"], db: demo.database)
        let json = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as! [String: Any]
        let page = "\(demo.report)/changes/5001-\(json["from"]!)-\(json["to"]!).html"
        let change = try await browser.dom("file://\(page)")
        let breaking = change.all("tr", having: "data-kind")
        let expected = (json["breaking"] as! [[String: Any]]).map { $0["message"] as! String }
        #expect(!expected.isEmpty)
        #expect(breaking.map { change.inside($0.index, "td").last!.element.text } == expected)
        let tables = change.all("table", having: "data-template").filter { $0.element.attrs["class"] == "columns" }
        #expect(!tables.isEmpty, "a column table per changed template")
        for table in tables {
            #expect(!change.inside(table.index, "th").filter { $0.element.attrs["scope"] == "col" }.isEmpty, "real tables with headers")
        }

        // Screenshots, as a person sees the pages.
        let shots = [("overview.png", "file://\(demo.report)/index.html"), ("change.png", "file://\(page)")]
        for (name, url) in shots {
            let file = scratch.file(name)
            try await browser.screenshot(url, to: file, height: name == "overview.png" ? 1500 : 1700)
            let png = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]) && png.count > 20_000, "\(name) is a real picture")
            // `TEMPLATETRACK_SCREENSHOTS=/path/to/docs swift test` keeps them (README's pictures).
            if let docs = ProcessInfo.processInfo.environment["TEMPLATETRACK_SCREENSHOTS"] {
                try? FileManager.default.removeItem(atPath: docs + "/report-" + name)
                try FileManager.default.copyItem(atPath: file, toPath: docs + "/report-" + name)
            }
        }
    }

    @Test("every link of the report resolves from file://, and nothing refers outside the folder")
    func linksResolve() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let pages = try htmlFiles(in: demo.report)
        #expect(pages.count > 10)
        var checked = 0
        for page in pages {
            let dom = try DOM.file(demo.report + "/" + page, scratch: scratch)
            let here = URL(fileURLWithPath: demo.report + "/" + page)
            for link in dom.links {
                #expect(!link.contains(":") && !link.hasPrefix("//"), "\(page) links outside the report: \(link)")
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                #expect(!parts[0].contains("?"), "\(page): \(link) needs a server")
                let target = parts[0].isEmpty ? here : URL(fileURLWithPath: parts[0], relativeTo: here.deletingLastPathComponent()).standardizedFileURL
                #expect(target.path.hasPrefix(demo.report + "/"), "\(page): \(link) leaves the folder")
                #expect(FileManager.default.fileExists(atPath: target.path), "\(page): \(link) does not resolve")
                if parts.count == 2, target.pathExtension == "html", FileManager.default.fileExists(atPath: target.path) {
                    let ids = target == here ? dom.ids : try DOM.file(target.path, scratch: scratch).ids
                    #expect(ids.contains(parts[1]), "\(page): \(link) has no #\(parts[1]) there")
                }
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test("the report asks nothing of the network: no http(s) reference, and Chromium's net log shows no request")
    func offline() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        for page in try htmlFiles(in: demo.report) + ["style.css"] {
            let text = try String(contentsOfFile: demo.report + "/" + page, encoding: .utf8)
            #expect(!text.contains("http://") && !text.contains("https://"), "\(page) refers to the network")
            #expect(!text.contains("@import") && !text.contains("url("), "\(page) loads something")
            #expect(!text.contains("<script"), "\(page) has a script")
        }
        let browser = Browser(scratch: scratch)
        // The net log sees what a file:// page asks of the network: a control page that does ask.
        try scratch.write("control.html", #"<!DOCTYPE html><title>c</title><img src="http://control.invalid/x.png" alt="">"#)
        let controlLog = scratch.file("netlog-control.json")
        _ = try await browser.dom("file://\(scratch.file("control.html"))", netLog: controlLog)
        #expect(try Browser.pageRequests(netLog: controlLog).contains("http://control.invalid/x.png"))

        let change = try htmlFiles(in: demo.report).first { $0.hasPrefix("changes/") }!
        for page in ["index.html", change, try htmlFiles(in: demo.report).first { $0.hasPrefix("templates/") }!] {
            let log = scratch.file("netlog-\(UUID().uuidString).json")
            _ = try await browser.dom("file://\(demo.report)/\(page)", netLog: log)
            let requests = try Browser.pageRequests(netLog: log)
            #expect(requests.isEmpty, "\(page) made requests: \(requests)")
        }
    }

    @Test("names, descriptions and lookup values are shown as text: no injected element reaches the DOM")
    func injection() async throws {
        let scratch = try Scratch()
        let evilName = "<script>alert(1)</script>evil"
        let evilDescription = "<img src=x onerror=alert(2)>described"
        let evilColumn = "\"><svg onload=alert(3)>col"
        let evilValue = "<script>alert(4)</script>value"
        let evilLookup = "lk_<i>evil</i>"
        func zip(_ index: Int, columns: [[String: Any]], values: [String]) throws -> String {
            let templates = [definition(evilName, file: "evil\"<b>.txt", description: evilDescription, columns: columns)]
            let lookups = [["name": evilLookup, "rows": values.map { ["name": $0, "description": "<b>bold</b>", "link": "javascript:alert(5)"] }]]
            return try makeZip(
                at: scratch.file("\(index).zip"),
                [("templates.json", try jsonText(templates)), ("lookups.json", try jsonText(lookups)),
                 ("notes/<i>n</i>.txt", "see <script>alert(7)</script>notes \(index)\n")])
        }
        let first = try zip(1, columns: [column("User Defined ID", required: true), column(evilColumn)], values: [evilValue, "Days"])
        let second = try zip(2, columns: [column("User Defined ID", required: true), column("<b>new</b>", required: true)], values: ["Days"])
        let db = scratch.file("history.sqlite")
        for (index, zip) in [first, second].enumerated() {
            let result = try await cli(["import", zip, "--workspace", "66", "--fetched-at", "2026-0\(index + 1)-01T00:00:00Z"], db: db)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let report = scratch.file("report")
        let written = try await cli(["report", "--html", report], db: db)
        #expect(written.status == 0, "\(written.stderr)")

        let browser = Browser(scratch: scratch)
        var shown = ""
        for page in try htmlFiles(in: report) {
            let dom = try await browser.dom("file://\(report)/\(page)")
            for tag in ["script", "img", "i", "b", "iframe", "object", "embed"] {
                #expect(dom.all(tag).isEmpty, "\(page) has an injected <\(tag)>")
            }
            #expect(dom.all("svg").allSatisfy { !$0.element.attrs.keys.contains("onload") })
            let handlers = dom.elements.flatMap { $0.attrs.keys.filter { $0.hasPrefix("on") } }
            #expect(handlers.isEmpty, "\(page) has event handlers: \(handlers)")
            #expect(!dom.links.contains { $0.lowercased().hasPrefix("javascript:") })
            shown += dom.text
        }
        for text in [evilName, evilDescription, evilColumn, evilValue, evilLookup, "<b>new</b>"] {
            #expect(shown.contains(text), "\(text) is shown as text")
        }

        // The pages only the web view has: search (the query itself and the hits' snippets) and
        // a snapshot's files, whose paths come from the zip.
        #expect(try await cli(["search", "notes"], db: db).status == 0)  // indexes, as serve does
        let served = try await Served.start(db)
        defer { Task { await served.server.stop() } }
        var servedText = ""
        for page in ["search?q=%3Cscript%3Ealert(6)%3C%2Fscript%3Equery", "search?q=alert", "snapshot?workspace=66&snapshot=latest"] {
            let dom = try await browser.dom(served.base + page)
            for tag in ["script", "img", "i", "b", "iframe", "object", "embed"] {
                #expect(dom.all(tag).isEmpty, "\(page) has an injected <\(tag)>")
            }
            let handlers = dom.elements.flatMap { $0.attrs.keys.filter { $0.hasPrefix("on") } }
            #expect(handlers.isEmpty, "\(page) has event handlers: \(handlers)")
            servedText += dom.text
        }
        for text in ["<script>alert(6)</script>query", "notes/<i>n</i>.txt", "<script>alert(7)</script>"] {
            #expect(servedText.contains(text), "\(text) is shown as text")
        }
    }

    @Test("page names made from template names stay inside their folder, one per name and file")
    func pageNames() {
        for name in ["../../etc/passwd", "a/b", "", "..", "名前", "<x>", "CON", String(repeating: "x", count: 500)] {
            let file = SitePaths.templateFile(name: name, file: nil)
            #expect(file.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }, "\(file)")
            #expect(!file.hasPrefix(".") && file.hasSuffix(".html") && file.count < 90)
        }
        #expect(SitePaths.templateFile(name: "x", file: "a.txt") != SitePaths.templateFile(name: "x", file: "b.txt"))
        #expect(SitePaths.templateFile(name: "Elisa", file: nil) != SitePaths.templateFile(name: "elisa", file: nil))
        #expect(SitePaths.parseChange("5001-3-8.html")?.to == 8)
        #expect(SitePaths.parseChange("../5001-3-8.html") == nil)
    }

    @Test("text colours contrast with their backgrounds at least 4.5:1 (WCAG AA)")
    func contrast() throws {
        var colours: [String: String] = [:]
        for match in Site.stylesheet.matches(of: /--([a-z-]+): (#[0-9a-f]{6})/) { colours[String(match.1)] = String(match.2) }
        func luminance(_ hex: String) -> Double {
            let value = Int(hex.dropFirst(), radix: 16)!
            func linear(_ shift: Int) -> Double {
                let channel = Double((value >> shift) & 255) / 255
                return channel <= 0.03928 ? channel / 12.92 : pow((channel + 0.055) / 1.055, 2.4)
            }
            let (red, green, blue): (Double, Double, Double) = (linear(16), linear(8), linear(0))
            return 0.2126 * red + 0.7152 * green + 0.0722 * blue
        }
        func ratio(_ a: String, _ b: String) -> Double {
            let (x, y) = (luminance(colours[a] ?? a), luminance(colours[b] ?? b))
            return (max(x, y) + 0.05) / (min(x, y) + 0.05)
        }
        let pairs = [
            ("text", "page"), ("subtle", "page"), ("link", "page"), ("visited", "page"), ("text", "head"), ("subtle", "head"),
            ("added", "added-bg"), ("removed", "removed-bg"), ("changed", "changed-bg"), ("#ffffff", "bad"), ("#ffffff", "#202124"),
            ("text", "#fde293"), ("link", "added-bg"), ("link", "changed-bg"),
        ]
        #expect(colours.count >= 13)
        for (foreground, background) in pairs {
            #expect(ratio(foreground, background) >= 4.5, "\(foreground) on \(background): \(ratio(foreground, background))")
        }
    }

    @Test("no page template writes a value unescaped")
    func templatesEscapeEverything() {
        for (name, text) in PageTemplates.all {
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name) has an unescaped value")
        }
        // Mustache's escaping covers what attributes need too.
        let hostile = "\"'<>&"
        let chart: [String: Any] = [
            "hasBars": true, "id": "c", "width": "100", "height": "50", "title": hostile, "summary": hostile, "baseline": "40",
            "bars": [["x": "0", "y": "0", "width": "5", "height": "5", "labelX": "1", "labelY": "2", "valueY": "3", "label": hostile,
                      "value": "1", "tip": hostile]],
        ]
        let rendered = Site.render(chart, "bars")
        #expect(rendered.contains("<svg class=\"bars\""), "the chart rendered")
        #expect(!rendered.contains(hostile) && rendered.contains("&quot;&#39;&lt;&gt;&amp;"), "\(rendered)")
        let page = MessagePage(
            page: PageFrame(title: "a\"b", root: "", footer: "<f>", served: false), heading: "<h>", message: "'m'&", showLogin: false,
            loginFailed: false)
        let html = Site.render(page, "message")
        #expect(html.contains("<title>a&quot;b · TemplateTrack</title>"))
        #expect(html.contains("&lt;h&gt;") && html.contains("&#39;m&#39;&amp;") && html.contains("&lt;f&gt;"))
    }

    @Test("the report creates its folder or updates its own, and never touches files it did not write")
    func ownership() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let db = demo.database

        // A folder the report did not make is refused, and left as it was.
        let foreign = scratch.file("mine")
        try scratch.write("mine/notes.txt", "my notes")
        let refused = try await cli(["report", "--html", foreign], db: db)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(foreign) && refused.stderr.contains(Report.manifestName), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign) == ["notes.txt"])

        // A new folder is created; a second run updates it and changes nothing.
        let out = scratch.file("out/report")
        let first = try await cli(["report", "--html", out, "--json"], db: db)
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as! [String: Any]
        #expect(summary["created"] as? Bool == true)
        let pages = try htmlFiles(in: out)
        let again = try JSONSerialization.jsonObject(with: Data(try await cli(["report", "--html", out, "--json"], db: db).stdout.utf8)) as! [String: Any]
        #expect(again["written"] as? Int == 0 && again["unchanged"] as? Int == pages.count + 1 && again["created"] as? Bool == false)

        // A file of the user's beside the pages stays; a narrower report removes pages it no longer has.
        try scratch.write("out/report/my-notes.txt", "kept")
        let narrow = try await cli(["report", "--html", out, "--workspace", "5003", "--json"], db: db)
        #expect(narrow.status == 0, "\(narrow.stderr)")
        #expect(try String(contentsOfFile: out + "/my-notes.txt", encoding: .utf8) == "kept")
        #expect(!FileManager.default.fileExists(atPath: out + "/changes"), "the folder it made and emptied is gone")
        #expect(try htmlFiles(in: out).allSatisfy { $0 == "index.html" || $0.hasPrefix("templates/5003/") })

        // An edited manifest cannot point the report outside its folder: refused, nothing removed.
        let manifestURL = URL(fileURLWithPath: out + "/" + Report.manifestName)
        let saved = try Data(contentsOf: manifestURL)
        var manifest = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        var listed = try #require(manifest["files"] as? [String: [String]])
        listed["../../mine/notes.txt"] = [Report.sha256(Data("my notes".utf8))]
        manifest["files"] = listed
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let escaping = try await cli(["report", "--html", out, "--workspace", "5001"], db: db)
        #expect(escaping.status == 2)
        #expect(escaping.stderr.contains("outside the report folder") && escaping.stderr.contains(Report.manifestName), "\(escaping.stderr)")
        #expect(try String(contentsOfFile: foreign + "/notes.txt", encoding: .utf8) == "my notes")
        try saved.write(to: manifestURL)

        // A page edited since it was written stops the update, which then changes nothing.
        let index = out + "/index.html"
        try Data("edited by hand".utf8).write(to: URL(fileURLWithPath: index))
        let before = try htmlFiles(in: out)
        let blocked = try await cli(["report", "--html", out], db: db)
        #expect(blocked.status == 2)
        #expect(blocked.stderr.contains("index.html") && blocked.stderr.contains("edited since"), "\(blocked.stderr)")
        #expect(try String(contentsOfFile: index, encoding: .utf8) == "edited by hand")
        #expect(try htmlFiles(in: out) == before)

        // A symbolic link in place of the folder is not followed.
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link"), withDestinationPath: foreign)
        let linked = try await cli(["report", "--html", scratch.file("link")], db: db)
        #expect(linked.status == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign) == ["notes.txt"])
    }

    @Test("the throwaway demo writes ./templatetrack-demo-report/, never into a folder of that name it did not make")
    func demoFolder() async throws {
        let scratch = try Scratch()
        try scratch.write("templatetrack-demo-report/mine.txt", "mine")
        for _ in 0..<2 {
            let result = try await runDetached([templatetrackBinary, "demo"], in: scratch.path, environment: ["NO_COLOR": "1"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasSuffix("templatetrack-demo-report-2/index.html\nOpen it in a browser: it works offline, from the files alone.\n"), "\(result.stdout.suffix(300))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("templatetrack-demo-report")) == ["mine.txt"])
        #expect(Report.isReportFolder(scratch.file("templatetrack-demo-report-2")))
        #expect(FileManager.default.fileExists(atPath: scratch.file("templatetrack-demo-report-2/index.html")))
    }

    @Test("--since and --workspace narrow the report")
    func narrowing() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let out = scratch.file("narrow")
        let result = try await cli(["report", "--html", out, "--workspace", "5002", "--since", "2999-01-01"], db: demo.database)
        #expect(result.status == 0, "\(result.stderr)")
        let overview = try DOM.file(out + "/index.html", scratch: scratch)
        #expect(overview.all("tr", having: "data-workspace").map { $0.element.attrs["data-workspace"]! } == ["5002"])
        #expect(overview.text.contains("changes since 2999-01-01T00:00:00Z"))
        #expect(try htmlFiles(in: out).allSatisfy { !$0.hasPrefix("changes/") })
        let bad = try await cli(["report", "--html", scratch.file("x"), "--since", "yesterday"], db: demo.database)
        #expect(bad.status == 64)
    }
}
