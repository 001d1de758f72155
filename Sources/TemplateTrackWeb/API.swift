public import Foundation
import Hummingbird
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory

/// JSON as the command line prints it for scripts: pretty, keys sorted, times as ISO 8601 UTC.
public enum WebJSON {
    /// The bytes `templatetrack … --json` would print for `value` (without the final newline).
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.display(date))
        }
        return try encoder.encode(value)
    }
}

/// `/api/…`: the command line's answers in its JSON shapes; query names are its options' names.
///
/// | route | as |
/// | --- | --- |
/// | `/api/workspaces` | the history's workspaces (`WorkspaceRecord`) |
/// | `/api/log?workspace=&api=&since=&changed=1&limit=` | `log --json` |
/// | `/api/files?workspace=&api=&snapshot=` | `files --json` |
/// | `/api/diff?workspace=&api=&from=&to=` | `diff --json` |
/// | `/api/changed?since=&templates=1` | `changed --json`, `changed --templates --json` |
/// | `/api/templates?workspace=&api=&snapshot=` | `templates --json` |
/// | `/api/history?workspace=&api=&path=` | `history --json` |
/// | `/api/search?q=&workspace=&all_snapshots=1` | `search --json` |
struct API: Sendable {
    let site: Site
    var store: any HistoryWriter { site.store }

    func add(to router: Router<BasicRequestContext>) {
        route(router, "workspaces") { _ in try WebJSON.encode(try store.workspaces()) }
        route(router, "log") { query in
            let limit = try query.integer("limit")
            if let limit, limit < 1 { throw TemplateTrackError(.invalidArgument, "limit must be at least 1") }
            let request = SnapshotQuery(
                workspace: try query.integer("workspace"), api: try query.api(), since: try query.time("since"),
                changedOnly: query.flag("changed"), limit: limit)
            return try WebJSON.encode(try store.snapshots(request))
        }
        route(router, "files") { query in
            let found = try snapshot(query)
            let files = try store.treeEntries(found.tree).compactMap { entry in
                entry.sha256.map { FileRecord(path: entry.path, size: entry.size, sha256: $0) }
            }
            return try WebJSON.encode(files)
        }
        route(router, "diff") { query in
            let (diff, _, _) = try SnapshotDiff.compute(
                in: store, series: try query.series(), from: try query.reference("from"), to: try query.reference("to"))
            return try WebJSON.encode(diff)
        }
        route(router, "changed") { query in
            let since = try query.time("since")
            if query.flag("templates") { return try WebJSON.encode(try Queries.templateChanges(since: since, in: store)) }
            return try WebJSON.encode(try Queries.changed(since: since, in: store))
        }
        route(router, "templates") { query in
            try WebJSON.encode(try Queries.templates(of: try snapshot(query), in: store).templates)
        }
        route(router, "history") { query in
            try WebJSON.encode(try store.fileVersions(path: try query.required("path"), in: try query.series()))
        }
        route(router, "search") { query in
            try WebJSON.encode(
                try store.search(try query.required("q"), workspace: try query.integer("workspace"), allSnapshots: query.flag("all_snapshots")))
        }
    }

    private func snapshot(_ query: Query) throws -> Snapshot {
        try store.resolve(try query.reference("snapshot") ?? .latest(back: 0), in: try query.series())
    }

    private func route(_ router: Router<BasicRequestContext>, _ name: String, _ body: @escaping @Sendable (Query) throws -> Data) {
        router.get("/api/\(name)") { request, _ in
            do {
                return Pages.json(try body(Query(request.uri.query)))
            } catch {
                let (status, message) = Routes.status(of: error)
                return Pages.json(status: status, try WebJSON.encode(["error": message]))
            }
        }
    }
}
