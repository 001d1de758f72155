import Foundation
import Hummingbird
import TemplateTrack
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackHistory

/// Answers and headers shared by the routes.
enum Pages {
    /// Added to every answer that does not set its own.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(status: HTTPResponse.Status = .ok, _ data: Data) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8))))
    }

    /// The prefix from the request's path back to the root, for pages answered at any depth.
    static func root(_ request: Request) -> String {
        String(repeating: "../", count: max(0, request.uri.path.split(separator: "/", omittingEmptySubsequences: false).count - 2))
    }

    static func message(
        status: HTTPResponse.Status, _ heading: String, _ message: String, root: String, login: Bool = false, failed: Bool = false
    ) -> Response {
        let page = MessagePage(
            page: PageFrame(title: heading, root: root, footer: "TemplateTrack", served: !login), heading: heading, message: message,
            showLogin: login, loginFailed: failed)
        return html(Site.render(page, "message"), status: status)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

/// A query string read as a browser's form writes it: `+` is a space, then percent-decoding.
struct Query {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(parts[0])
            if values[key] == nil { values[key] = parts.count == 2 ? decode(parts[1]) : "" }
        }
    }

    subscript(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }

    func flag(_ key: String) -> Bool { ["1", "true", "yes", "on"].contains(values[key]?.lowercased() ?? "") }

    func integer(_ key: String) throws -> Int? {
        guard let text = self[key] else { return nil }
        guard let value = Int(text) else {
            throw TemplateTrackError(.invalidArgument, "\(key) '\(DisplayName.escaped(text))' is not a number")
        }
        return value
    }

    func required(_ key: String) throws -> String {
        guard let value = self[key] else { throw TemplateTrackError(.invalidArgument, "the query needs \(key)=…") }
        return value
    }

    /// `workspace` and `api` (default `upload`), or `series` (`5001`, `5001-batch-updater`).
    func series() throws -> Series {
        if let key = self["series"] {
            guard let series = SitePaths.parseSeries(key) else {
                throw TemplateTrackError(.invalidArgument, "series '\(DisplayName.escaped(key))' is not a workspace number")
            }
            return series
        }
        guard let workspace = try integer("workspace") else { throw TemplateTrackError(.invalidArgument, "the query needs workspace=…") }
        return Series(workspace: workspace, api: try api() ?? .upload)
    }

    func api() throws -> TemplateAPI? {
        guard let text = self["api"] else { return nil }
        guard let api = TemplateAPI(rawValue: text) else {
            throw TemplateTrackError(.invalidArgument, "api '\(DisplayName.escaped(text))' is not upload or batch-updater")
        }
        return api
    }

    func reference(_ key: String) throws -> SnapshotReference? {
        try self[key].map(SnapshotReference.init(parsing:))
    }

    func time(_ key: String) throws -> Date? {
        guard let text = self[key] else { return nil }
        guard let parsed = Timestamp.parse(text) else {
            throw TemplateTrackError(.invalidArgument, "\(key) '\(DisplayName.escaped(text))' is not a date (YYYY-MM-DD) or ISO 8601 time")
        }
        return parsed.start
    }
}

/// The routes of the web view.
struct Routes: Sendable {
    let site: Site
    let token: AccessToken?
    let cache = PageCache()
    var store: any HistoryWriter { site.store }

    /// The overview, change and template pages are rendered once per state of the history.
    private func cached(_ key: String, _ render: () throws -> String?) throws -> String? {
        try cache.page(key, store: store, render: render)
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in page(request) { try cached("index") { try site.overviewHTML(served: true) } } }
        router.get("/index.html") { request, _ in page(request) { try cached("index") { try site.overviewHTML(served: true) } } }
        router.get("/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Site.stylesheet)))
        }
        router.get("/changes/:name") { request, context in
            page(request) {
                guard let change = SitePaths.parseChange(context.parameters.get("name") ?? "") else { return nil }
                return try cached(SitePaths.change(change.series, from: change.from, to: change.to)) {
                    try site.changeHTML(series: change.series, from: change.from, to: change.to, served: true)
                }
            }
        }
        router.get("/templates/:series/:page") { request, context in
            page(request) {
                guard let series = SitePaths.parseSeries(context.parameters.get("series") ?? "") else { return nil }
                let file = context.parameters.get("page") ?? ""
                return try cached("templates/\(SitePaths.seriesKey(series))/\(file)") {
                    try site.templateHTML(series: series, pageFile: file, served: true)
                }
            }
        }
        router.get("/diff") { request, _ in answer(request) { try diffRedirect(Query(request.uri.query)) } }
        router.get("/search") { request, _ in page(request) { try search(Query(request.uri.query)) } }
        router.get("/snapshot") { request, _ in page(request) { try snapshotPage(Query(request.uri.query)) } }
        router.get("/show") { request, _ in answer(request) { try show(Query(request.uri.query)) } }
        router.get("/zip") { request, _ in
            do {
                return try await zip(Query(request.uri.query))
            } catch {
                return failure(error, request)
            }
        }
        router.get("/login") { request, _ in
            Pages.message(status: .ok, "Sign in", "Enter the access token this server was started with.", root: "", login: token != nil)
        }
        router.post("/login") { request, _ in try await login(request) }
        API(site: site).add(to: router)
    }

    // MARK: Pages

    /// A page, or 404 when `body` finds nothing; errors become pages naming what failed.
    private func page(_ request: Request, _ body: () throws -> String?) -> Response {
        answer(request) {
            guard let html = try body() else {
                return Pages.message(status: .notFound, "Not found", "There is no such page in this history.", root: Pages.root(request))
            }
            return Pages.html(html)
        }
    }

    private func answer(_ request: Request, _ body: () throws -> Response) -> Response {
        do {
            return try body()
        } catch {
            return failure(error, request)
        }
    }

    private func failure(_ error: any Error, _ request: Request) -> Response {
        let (status, text) = Self.status(of: error)
        return Pages.message(status: status, status == .notFound ? "Not found" : "Cannot answer", text, root: Pages.root(request))
    }

    static func status(of error: any Error) -> (HTTPResponse.Status, String) {
        guard let error = error as? TemplateTrackError else { return (.internalServerError, "the history could not be read") }
        switch error.code {
        case .invalidArgument: return (.badRequest, error.description)
        case .notFound: return (.notFound, error.description)
        default: return (.internalServerError, error.description)
        }
    }

    private func diffRedirect(_ query: Query) throws -> Response {
        let series = try query.series()
        let new = try store.resolve(try query.reference("to") ?? .latest(back: 0), in: series)
        let old: Snapshot
        if let from = try query.reference("from") {
            old = try store.resolve(from, in: series)
        } else {
            guard let previous = new.previous, let found = try store.snapshot(id: previous) else {
                throw TemplateTrackError(.notFound, "snapshot \(new.id) is the first: nothing before it to compare", at: [.workspace(series.workspace)])
            }
            old = found
        }
        return Pages.redirect(SitePaths.change(series, from: old.id, to: new.id))
    }

    private func search(_ query: Query) throws -> String {
        let text = query["q"] ?? ""
        let all = query.flag("all")
        var hits: [SearchHit] = []
        if !text.trimmingCharacters(in: .whitespaces).isEmpty {
            hits = try store.search(text, workspace: try query.integer("workspace"), allSnapshots: all)
        }
        let rows = hits.map { hit in
            let series = "workspace=\(hit.workspace)&api=\(hit.api.rawValue)&snapshot=\(hit.snapshot)"
            let parts = hit.snippet.components(separatedBy: "**").enumerated().map { SnippetPart(text: $0.element, marked: $0.offset % 2 == 1) }
            return SearchRow(
                workspace: hit.api == .upload ? "\(hit.workspace)" : "\(hit.workspace) (\(hit.api.rawValue))", snapshot: "\(hit.snapshot)",
                path: hit.path, link: "show?\(series)&path=\(SitePaths.query(hit.path))", snapshotLink: "snapshot?\(series)", parts: parts)
        }
        let page = SearchPage(
            page: PageFrame(title: text.isEmpty ? "Search" : "Search: \(text)", root: "", footer: try footer(), served: true),
            query: text, hasQuery: !text.isEmpty, allSnapshots: all, hits: rows, hasHits: !rows.isEmpty,
            count: hits.isEmpty ? "No file matches." : "\(hits.count) file\(hits.count == 1 ? "" : "s") match.")
        return Site.render(page, "search")
    }

    private func footer() throws -> String { try site.builder(served: true).footer() }

    private func snapshot(_ query: Query) throws -> Snapshot {
        let series = try query.series()
        return try store.resolve(try query.reference("snapshot") ?? .latest(back: 0), in: series)
    }

    private func snapshotPage(_ query: Query) throws -> String {
        let found = try snapshot(query)
        let entries = try store.treeEntries(found.tree)
        let base = "workspace=\(found.workspace)&api=\(found.api.rawValue)&snapshot=\(found.id)"
        let rows = entries.map { entry in
            SnapshotFileRow(
                path: entry.path, size: entry.isFolder ? "" : "\(entry.size)", sha256: entry.sha256 ?? "",
                link: "show?\(base)&path=\(SitePaths.query(entry.path))", isFolder: entry.isFolder)
        }
        let builder = site.builder(served: true)
        let page = SnapshotPage(
            page: PageFrame(title: "Snapshot \(found.id), workspace \(found.workspace)", root: "", footer: try footer(), served: true),
            heading: "\(builder.seriesTitle(found.series, found.workspaceName)): snapshot \(found.id)",
            overviewLink: "index.html#\(SitePaths.seriesAnchor(found.series))", fetched: Timestamp.display(found.fetchedAt),
            origin: found.origin, archive: "SHA-256 \(found.archiveSHA256), \(found.archiveSize) bytes", zipLink: "zip?\(base)",
            files: rows, count: "\(entries.filter { !$0.isFolder }.count) files")
        return Site.render(page, "snapshot")
    }

    /// The file's exact bytes. Stored text is sent as plain text, anything else as a download;
    /// either way sandboxed, so an HTML file in a zip never runs as a page of this site.
    private func show(_ query: Query) throws -> Response {
        let found = try snapshot(query)
        let path = try query.required("path")
        guard let entry = try store.treeEntries(found.tree).first(where: { $0.path == path }), let sha256 = entry.sha256 else {
            throw TemplateTrackError(
                .notFound, "snapshot \(found.id) has no file '\(DisplayName.escaped(path))'", at: [.workspace(found.workspace)])
        }
        var buffer = ByteBuffer()
        try store.loadBlob(sha256: sha256) { buffer.writeBytes($0) }
        let isText = try store.blobInfo(sha256: sha256)?.isText ?? false
        let name = (path as NSString).lastPathComponent.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        var response = Response(
            status: .ok,
            headers: [
                .contentType: isText ? "text/plain; charset=utf-8" : "application/octet-stream",
                .contentDisposition: "\(isText ? "inline" : "attachment"); filename=\"\(name.isEmpty ? "file" : name)\"",
            ],
            body: .init(byteBuffer: buffer))
        response.headers[.init("Content-Security-Policy")!] = "sandbox; default-src 'none'"
        return response
    }

    /// The snapshot's files as a zip, built from the database (as `extract` lays them out).
    private func zip(_ query: Query) async throws -> Response {
        let found = try snapshot(query)
        let store = self.store
        let data = try await runBlocking { () throws -> Data in
            let entries = try store.treeEntries(found.tree)
            let folder = FileManager.default.temporaryDirectory.appending(path: "templatetrack-zip-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appending(path: "snapshot.zip").path
            let writer = try ZipWriter(creating: path)
            for entry in entries {
                if let sha256 = entry.sha256 {
                    var bytes: [UInt8] = []
                    try store.loadBlob(sha256: sha256) { bytes.append(contentsOf: $0) }
                    try writer.addFile(entry.path, bytes: bytes, modified: found.fetchedAt)
                } else {
                    try writer.addDirectory(entry.path, modified: found.fetchedAt)
                }
            }
            try writer.close()
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let name = "templatetrack-\(found.workspace)\(found.api == .upload ? "" : "-" + found.api.rawValue)-snapshot-\(found.id).zip"
        return Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(name)\"", .contentLength: "\(data.count)"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The login form's answer: a cookie derived from the token (never the token itself).
    private func login(_ request: Request) async throws -> Response {
        guard let token else { return Pages.redirect("/") }
        let body = try await request.body.collect(upTo: 4096)
        let form = Query(String(buffer: body))
        guard let given = form["token"], token.matches(given) else {
            return Pages.message(
                status: .unauthorized, "Sign in", "Enter the access token this server was started with.", root: "", login: true,
                failed: true)
        }
        var response = Pages.redirect("/")
        response.headers[.setCookie] = "\(Guard.cookie)=\(token.session); Path=/; HttpOnly; SameSite=Strict"
        return response
    }
}
