import Foundation
import Testing
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackTesting
import TemplateTrackWeb

/// A web view of a history on a free loopback port, in this process.
struct Served {
    let server: RunningWebServer
    var base: String { server.baseURL.absoluteString }

    static func start(_ database: String, token: String? = nil) async throws -> Served {
        let store = try SQLiteHistory(path: database, access: .read)
        let server = try await WebServer.start(
            store: store,
            configuration: .init(listen: ListenAddress(host: "127.0.0.1", port: 0), token: try token.map(AccessToken.init)))
        return Served(server: server)
    }
}

/// `curl`'s answer: status, headers and body.
struct Fetched {
    var status: Int
    var headers: String
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
}

func fetch(_ url: String, _ extra: [String] = [], scratch: Scratch) async throws -> Fetched {
    let body = scratch.file("body-\(UUID().uuidString)")
    let headers = scratch.file("headers-\(UUID().uuidString)")
    let result = try await runDetached(["curl", "-s", "-g", "-o", body, "-D", headers, "-w", "%{http_code}", "--max-time", "60"] + extra + [url])
    return Fetched(
        status: Int(result.stdout) ?? 0, headers: (try? String(contentsOfFile: headers, encoding: .utf8)) ?? "",
        body: (try? Data(contentsOf: URL(fileURLWithPath: body))) ?? Data())
}

@Suite("The web view, served and opened in headless Chromium", .serialized)
struct ServeTests {
    @Test("served pages: every workspace, a change page's breaking changes and column tables, no request beyond loopback")
    func servedPages() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let served = try await Served.start(demo.database)
        defer { Task { await served.server.stop() } }
        let browser = Browser(scratch: scratch)

        let log = scratch.file("netlog.json")
        let overview = try await browser.dom(served.base, netLog: log)
        #expect(overview.all("tr", having: "data-workspace").map { $0.element.attrs["data-workspace"]! } == ["5001", "5002", "5003"])
        #expect(!overview.all("form").isEmpty, "the web view offers search and the snapshot chooser")
        let requests = try Browser.pageRequests(netLog: log)
        #expect(requests.contains(served.base + "style.css"), "the net log records the page's own requests")
        let outside = requests.filter { !$0.hasPrefix(served.base) }
        #expect(outside.isEmpty, "requests beyond the served origin: \(outside)")

        // The same change page as the report, over HTTP; and the chooser's diff of any two snapshots.
        let diff = try JSONSerialization.jsonObject(with: Data(try await cli(["diff", "--json", "--workspace", "5002"], db: demo.database).stdout.utf8)) as! [String: Any]
        let page = "changes/5002-\(diff["from"]!)-\(diff["to"]!).html"
        let change = try await browser.dom(served.base + page)
        #expect(change.all("tr", having: "data-kind").map { change.inside($0.index, "td").last!.element.text }
            == (diff["breaking"] as! [[String: Any]]).map { $0["message"] as! String })
        #expect(change.all("table").contains { $0.element.attrs["class"] == "columns" && $0.element.attrs["data-template"] == "elisa_results" })
        let reportPage = try String(contentsOfFile: demo.report + "/" + page, encoding: .utf8)
        #expect(reportPage.contains("elisa_reagents") && reportPage.contains("elisa_results"))

        let chosen = try await fetch(served.base + "diff?series=5002&from=\(diff["from"]!)&to=latest", scratch: scratch)
        #expect(chosen.status == 303)
        #expect(chosen.headers.contains("location: \(page)") || chosen.headers.contains("Location: \(page)"), "\(chosen.headers)")

        try await browser.screenshot(served.base + page, to: scratch.file("served-change.png"))
        #expect(FileManager.default.fileExists(atPath: scratch.file("served-change.png")))
    }

    @Test("every link of the served site answers 200, and stays on the server")
    func crawl() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let served = try await Served.start(demo.database)
        defer { Task { await served.server.stop() } }
        var queue = [served.base]
        var seen: Set<String> = [served.base]
        var pages = 0
        while let url = queue.popLast() {
            let answer = try await fetch(url, scratch: scratch)
            #expect(answer.status == 200, "\(url) answered \(answer.status)")
            pages += 1
            guard answer.headers.lowercased().contains("content-type: text/html") else { continue }
            let dom = try DOM(html: answer.text, scratch: scratch)
            for link in dom.links {
                let resolved = URL(string: link, relativeTo: URL(string: url)!)!.absoluteURL
                let target = resolved.absoluteString.split(separator: "#").first.map(String.init) ?? ""
                #expect(target.hasPrefix(served.base), "\(url) links outside: \(link)")
                if target.hasPrefix(served.base), seen.insert(target).inserted { queue.append(target) }
            }
        }
        #expect(pages > 40)
    }

    @Test("the JSON API answers exactly what the command line's --json prints")
    func api() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let db = demo.database
        _ = try await cli(["search", "Value Reported"], db: db)  // indexes what sync stored, as serve does on start
        let served = try await Served.start(db)
        defer { Task { await served.server.stop() } }
        let pairs: [(String, [String])] = [
            ("api/log", ["log", "--json"]),
            ("api/log?workspace=5002&changed=1", ["log", "--json", "--workspace", "5002", "--changed"]),
            ("api/files?workspace=5001&snapshot=latest~1", ["files", "--json", "--workspace", "5001", "--snapshot", "latest~1"]),
            ("api/diff?workspace=5001", ["diff", "--json", "--workspace", "5001"]),
            ("api/diff?workspace=5002&from=2&to=latest", ["diff", "--json", "--workspace", "5002", "2", "latest"]),
            ("api/changed", ["changed", "--json"]),
            ("api/changed?templates=1&since=2000-01-01", ["changed", "--json", "--templates", "--since", "2000-01-01"]),
            ("api/templates?workspace=5003", ["templates", "--json", "--workspace", "5003"]),
            ("api/history?workspace=5002&path=json/templates.json", ["history", "--json", "--workspace", "5002", "json/templates.json"]),
            ("api/search?q=Value+Reported", ["search", "--json", "Value Reported"]),
        ]
        for (route, command) in pairs {
            let answer = try await fetch(served.base + route, scratch: scratch)
            let printed = try await cli(command, db: db)
            #expect(printed.status == 0, "\(command): \(printed.stderr)")
            #expect(answer.status == 200, "\(route): \(answer.text)")
            #expect(answer.text == printed.stdout, "\(route) differs from \(command.joined(separator: " "))")
        }
        // The search page shows the same hits, the matched words marked.
        let hits = try JSONSerialization.jsonObject(with: Data(try await cli(["search", "--json", "Value Reported"], db: db).stdout.utf8)) as! [[String: Any]]
        let page = try DOM(html: try await fetch(served.base + "search?q=Value+Reported", scratch: scratch).text, scratch: scratch)
        let table = try #require(page.all("table").first { $0.element.attrs["id"] == "search-hits" })
        #expect(page.inside(table.index, "tr").count == hits.count + 1)
        #expect(!page.all("mark").isEmpty && page.all("mark").allSatisfy { $0.element.text.lowercased() == "value reported" })

        let missing = try await fetch(served.base + "api/files?workspace=424242", scratch: scratch)
        #expect(missing.status == 404)
        #expect((try JSONSerialization.jsonObject(with: missing.body) as? [String: String])?["error"]?.contains("424242") == true)
        #expect(try await fetch(served.base + "api/diff?workspace=5001&from=nonsense", scratch: scratch).status == 400)
    }

    @Test("show, the snapshot page and the zip give the stored bytes")
    func filesAndZip() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let served = try await Served.start(demo.database)
        defer { Task { await served.server.stop() } }
        let files = try JSONSerialization.jsonObject(with: Data(try await cli(["files", "--json", "--workspace", "5002"], db: demo.database).stdout.utf8)) as! [[String: Any]]
        for file in files {
            let path = file["path"] as! String
            let shown = try await fetch(served.base + "show?workspace=5002&snapshot=latest&path=" + SitePaths.query(path), scratch: scratch)
            #expect(shown.status == 200)
            let cliShown = try await cli(["show", "--workspace", "5002", path], db: demo.database)
            #expect(shown.text == cliShown.stdout, "\(path)")
            #expect(shown.headers.lowercased().contains("content-security-policy: sandbox"))
        }
        let zip = try await fetch(served.base + "zip?workspace=5002", scratch: scratch)
        #expect(zip.status == 200)
        try zip.body.write(to: URL(fileURLWithPath: scratch.file("s.zip")))
        try run(["unzip", "-q", scratch.file("s.zip"), "-d", scratch.file("unzipped")])
        for file in files {
            #expect(try sha256sum(scratch.file("unzipped/" + (file["path"] as! String))) == file["sha256"] as! String)
        }
    }

    @Test("no path or query reads outside the database")
    func confinement() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let served = try await Served.start(demo.database)
        defer { Task { await served.server.stop() } }
        let attempts = [
            "../../../../etc/passwd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "changes/..%2f..%2f..%2fetc%2fpasswd",
            "templates/5001/..%2f..%2f..%2f..%2fetc%2fpasswd", "style.css/../../etc/passwd", "show?workspace=5001&path=../../../../etc/passwd",
            "show?workspace=5001&path=/etc/passwd", "show?workspace=5001&path=%2Fetc%2Fpasswd", "api/history?workspace=5001&path=/etc/passwd",
            "snapshot?workspace=5001&snapshot=../../etc/passwd", "templates/..%2F..%2Fetc/passwd", "api/search?q=root:x:0:0",
            "changes/5001-1-99999999.html", "zip?workspace=5001&snapshot=/etc/passwd",
        ]
        for attempt in attempts {
            let answer = try await fetch(served.base + attempt, ["--path-as-is"], scratch: scratch)
            #expect(!answer.text.contains("root:x:0:0"), "\(attempt) read /etc/passwd")
            #expect(answer.status != 200 || attempt.hasPrefix("api/search"), "\(attempt) answered \(answer.status)")
        }
    }

    @Test("beyond loopback only with a token: 401 without it, never from a URL, Bearer or the login form's cookie")
    func token() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let secret = "s3cret-token-\(UUID().uuidString)"

        // The command line refuses to listen beyond loopback without a token, and a token file others can read.
        let refused = try await cli(["serve", "--listen", "0.0.0.0:0"], db: demo.database)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--token"), "\(refused.stderr)")
        let loose = scratch.file("token")
        try Data((secret + "\n").utf8).write(to: URL(fileURLWithPath: loose))
        chmod(loose, 0o644)
        let looseRun = try await cli(["serve", "--listen", "0.0.0.0:0", "--token-file", loose], db: demo.database)
        #expect(looseRun.status == 64 && looseRun.stderr.contains("chmod 600"), "\(looseRun.stderr)")
        #expect(!looseRun.stderr.contains(secret))
        let short = try await cli(["serve", "--token", "short"], db: demo.database)
        #expect(short.status == 64)

        // With a token (read from a 0600 file), every request needs it.
        chmod(loose, 0o600)
        let process = try LineReader([templatetrackBinary, "serve", "--db", demo.database, "--listen", "127.0.0.1:0", "--token-file", loose])
        let base = try #require(try await process.firstLine())
        #expect(base.hasPrefix("http://127.0.0.1:"))
        let bare = try await fetch(base, scratch: scratch)
        #expect(bare.status == 401)
        #expect(bare.text.contains("<form") && !bare.text.contains(secret))
        #expect(try await fetch(base + "api/log", scratch: scratch).status == 401)
        #expect(try await fetch(base + "?token=\(secret)", scratch: scratch).status == 401, "a token in the URL is never accepted")
        #expect(try await fetch(base + "api/log?token=\(secret)", scratch: scratch).status == 401)
        #expect(try await fetch(base, ["-H", "Authorization: Bearer wrong-\(secret)"], scratch: scratch).status == 401)
        let bearer = try await fetch(base, ["-H", "Authorization: Bearer \(secret)"], scratch: scratch)
        #expect(bearer.status == 200 && !bearer.text.contains(secret))
        #expect(try await fetch(base + "api/log", ["-H", "Authorization: bearer \(secret)"], scratch: scratch).status == 200)

        // The login form: a wrong token is refused; the right one sets a cookie that is not the token.
        let wrong = try await fetch(base + "login", ["--data-urlencode", "token=nope-nope-nope-nope"], scratch: scratch)
        #expect(wrong.status == 401)
        let jar = scratch.file("cookies")
        let login = try await fetch(base + "login", ["-c", jar, "--data-urlencode", "token=\(secret)"], scratch: scratch)
        #expect(login.status == 303)
        #expect(login.headers.contains("HttpOnly") && !login.headers.contains(secret))
        let withCookie = try await fetch(base + "changes/nothing.html", ["-b", jar], scratch: scratch)
        #expect(withCookie.status == 404, "signed in: an unknown page is 404, not 401")
        #expect(try await fetch(base, ["-b", jar], scratch: scratch).status == 200)
        #expect(try await fetch(base, ["-b", "templatetrack_session=\(secret)"], scratch: scratch).status == 401)

        let ended = try await process.stop()
        #expect(!ended.stdout.contains(secret) && !ended.stderr.contains(secret), "the token never reaches the output")
    }

    @Test("served pages follow the history: a snapshot recorded while serving appears")
    func followsHistory() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let served = try await Served.start(demo.database)
        defer { Task { await served.server.stop() } }
        let before = try DOM(html: try await fetch(served.base, scratch: scratch).text, scratch: scratch)
        #expect(!before.text.contains("424242"))
        try makeZip(at: scratch.file("new.zip"), [("notes.txt", "new")])
        let imported = try await cli(["import", scratch.file("new.zip"), "--workspace", "424242"], db: demo.database)
        #expect(imported.status == 0, "\(imported.stderr)")
        let after = try DOM(html: try await fetch(served.base, scratch: scratch).text, scratch: scratch)
        #expect(after.all("tr", having: "data-workspace").map { $0.element.attrs["data-workspace"]! } == ["5001", "5002", "5003", "424242"])
    }

    @Test("on loopback without a token, only loopback Host names are answered (no DNS rebinding)")
    func hostCheck() async throws {
        let scratch = try Scratch()
        let demo = try await DemoHistory.make(scratch)
        let served = try await Served.start(demo.database)
        defer { Task { await served.server.stop() } }
        #expect(try await fetch(served.base, ["-H", "Host: attacker.example:8080"], scratch: scratch).status == 421)
        #expect(try await fetch(served.base, ["-H", "Host: localhost"], scratch: scratch).status == 200)
        #expect(try await fetch(served.base, scratch: scratch).status == 200)
    }

    @Test("listen addresses: loopback is told by address")
    func addresses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(try ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(try ListenAddress(parsing: ":9000").isLoopback)
        for loopback in ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]"] { #expect(ListenAddress.isLoopback(loopback), "\(loopback)") }
        for other in ["0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "example.com", "127.0.0.1.example.com", "128.0.0.1"] {
            #expect(!ListenAddress.isLoopback(other), "\(other)")
        }
        for bad in ["8080", "127.0.0.1", "127.0.0.1:99999", "a b:1", "[::1]8080"] {
            #expect(throws: TemplateTrackError.self) { try ListenAddress(parsing: bad) }
        }
    }
}
