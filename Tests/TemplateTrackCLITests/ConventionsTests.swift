import Foundation
import Testing
import TemplateTrackTesting

/// Runs the binary with `arguments` on history `db`.
func templatetrack(_ arguments: [String], db: String? = nil, environment: [String: String] = [:], input: String? = nil) throws -> ProcessResult {
    try run([templatetrackBinary] + arguments + (db.map { ["--db", $0] } ?? []), environment: environment, input: input)
}

@Suite("Usage errors, exit codes and output conventions")
struct ConventionsTests {
    @Test("impossible and future dates, and out-of-range ports, are usage errors (64) that name the value")
    func usageErrors() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("a.zip"), [("a.txt", "a")])
        let db = scratch.file("h.sqlite")
        let impossible = try templatetrack(["import", scratch.file("a.zip"), "-w", "1", "--fetched-at", "2026-02-30"], db: db)
        #expect(impossible.status == 64)
        #expect(impossible.stderr.contains("2026-02-30"))
        let future = try templatetrack(["import", scratch.file("a.zip"), "-w", "1", "--fetched-at", "2999-01-01T00:00:00Z"], db: db)
        #expect(future.status == 64)
        #expect(future.stderr.contains("future"))
        #expect(!FileManager.default.fileExists(atPath: db))  // nothing created by a failed command
        let port = try templatetrack(["simulator", "--port", "70000", "--user", "a:b"])
        #expect(port.status == 64)
        #expect(port.stderr.contains("--port"))
        #expect(try templatetrack(["import", scratch.file("a.zip"), "-w", "1"], db: db).status == 0)
        let since = try templatetrack(["changed", "--since", "2018-13-01"], db: db)
        #expect(since.status == 64)
        let reference = try templatetrack(["files", "-w", "1", "-s", "2018-02-30"], db: db)
        #expect(reference.status == 64)
    }

    @Test("a failed first import leaves no database; the file made is 0600 and its new folders 0700")
    func noLitterAndModes() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("evil.zip"), [("ok.txt", "x"), ("/etc/passwd", "x")])
        let db = scratch.file("new/deep/h.sqlite")
        let failed = try templatetrack(["import", scratch.file("evil.zip"), "-w", "1"], db: db)
        #expect(failed.status == 2)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("new")))
        try makeZip(at: scratch.file("ok.zip"), [("ok.txt", "x")])
        #expect(try templatetrack(["import", scratch.file("ok.zip"), "-w", "1"], db: db).status == 0)
        let modes = try run(["stat", "-c", "%a", db, scratch.file("new"), scratch.file("new/deep")]).stdout
        #expect(modes.split(separator: "\n") == ["600", "700", "700"])
    }

    @Test("log --db on another application's database fails by name and adds nothing to it")
    func foreignDatabase() throws {
        let scratch = try Scratch()
        let other = scratch.file("app.sqlite")
        try run(["sqlite3", other, "CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('Ada');"])
        let before = try sha256sum(other)
        for command in [["log"], ["sync", "--server", "http://127.0.0.1:9"], ["search", "Ada"]] {
            let result = try templatetrack(command, db: other, environment: ["IMMPORT_API_KEY": "k"])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains(other), "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try sha256sum(other) == before)
        #expect(try run(["sqlite3", other, ".tables"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "customers")
    }

    @Test("short flags: -w, -s, -j")
    func shortFlags() throws {
        let scratch = try Scratch()
        try makeZip(at: scratch.file("a.zip"), [("a.txt", "a")])
        let db = scratch.file("h.sqlite")
        #expect(try templatetrack(["import", scratch.file("a.zip"), "-w", "7"], db: db).status == 0)
        let files = try templatetrack(["files", "-w", "7", "-s", "latest", "-j"], db: db)
        #expect(files.status == 0)
        #expect(files.stdout.contains("\"path\" : \"a.txt\""))
    }

    @Test("no library target checks for a terminal, writes ANSI escapes or names a command-line flag")
    func presentationStaysInTheCommandLine() throws {
        let sources = repositoryRoot.appending(path: "Sources")
        let libraries = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasPrefix("TemplateTrack") && $0 != "TemplateTrackBenchmark" && $0 != "TemplateTrackTesting" }
            // The command line itself, where presentation belongs.
            .filter { $0 != "TemplateTrackCommandLine" && $0 != "TemplateTrackNetworkCommands" }
        #expect(libraries.count >= 8)
        let flags = ["--db", "--force", "--password-stdin", "--into-existing", "--json", "--workspace", "--max-"]
        for library in libraries {
            let folder = sources.appending(path: library)
            guard let files = FileManager.default.enumerator(atPath: folder.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appending(path: file), encoding: .utf8)
                #expect(!text.contains("isatty"), "\(library)/\(file) calls isatty")
                #expect(!text.contains("\\u{1B}["), "\(library)/\(file) writes ANSI escapes")
                for flag in flags {
                    #expect(!text.contains("\"\(flag)") && !text.contains(" \(flag) ") && !text.contains("`\(flag)"), "\(library)/\(file) names \(flag)")
                }
            }
        }
    }

    @Test("templatetrack links no SwiftNIO, AsyncHTTPClient or Hummingbird; its network commands run in templatetrack-network")
    func queriesBinaryIsLean() throws {
        let folder = URL(fileURLWithPath: templatetrackBinary).deletingLastPathComponent()
        let count = "nm \"$1\" | grep -c -E 'NIOCore|NIOPosix|Hummingbird|AsyncHTTPClient' || true"
        #expect(try run(["bash", "-c", count, "_", templatetrackBinary]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let helper = folder.appending(path: "templatetrack-network").path
        #expect(Int(try run(["bash", "-c", count, "_", helper]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)

        // A network command is handed over with its arguments, and its exit status comes back.
        let scratch = try Scratch()
        try makeZip(at: scratch.file("a.zip"), [("t.txt", "a")])
        #expect(try templatetrack(["import", scratch.file("a.zip"), "-w", "3"], db: scratch.file("h.sqlite")).status == 0)
        let report = try run([templatetrackBinary, "report", "--db", scratch.file("h.sqlite"), "--html", scratch.file("site"), "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("site/index.html")))
        let usage = try run([templatetrackBinary, "simulator", "--port", "0", "--user", "a:b", "--fault", "nonsense"])
        #expect(usage.status == 64 && usage.stderr.contains("--fault"), "\(usage.stderr)")

        // Without the helper, the queries still work and a network command says what is missing.
        try FileManager.default.copyItem(atPath: templatetrackBinary, toPath: scratch.file("alone"))
        #expect(try run([scratch.file("alone"), "log", "--db", scratch.file("h.sqlite")]).status == 0)
        #expect(try run([scratch.file("alone"), "workspaces", "--local", "--db", scratch.file("h.sqlite")]).stdout.contains("3"))
        // Network commands' arguments are still checked here, as usage errors.
        let fault = try run([scratch.file("alone"), "simulator", "--port", "0", "--user", "a:b", "--fault", "nonsense"])
        #expect(fault.status == 64 && fault.stderr.contains("--fault"), "\(fault.stderr)")
        let missing = try run([scratch.file("alone"), "report", "--db", scratch.file("h.sqlite"), "--html", scratch.file("site2")])
        #expect(missing.status == 2 && missing.stderr.contains("templatetrack-network"), "\(missing.stderr)")
    }

    @Test("a client of the extractor alone builds without GRDB, Hummingbird or AsyncHTTPClient")
    func extractorAlone() throws {
        let binary = URL(fileURLWithPath: templatetrackBinary).deletingLastPathComponent().appending(path: "extractor-example").path
        #expect(FileManager.default.isExecutableFile(atPath: binary))
        let symbols = try run(["bash", "-c", "nm -C \"$1\" | grep -c -E 'GRDB|Hummingbird|AsyncHTTPClient' || true", "_", binary]).stdout
        #expect(symbols.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let scratch = try Scratch()
        try makeZip(at: scratch.file("a.zip"), [("x/y.txt", "hello")])
        let listed = try run([binary, scratch.file("a.zip")])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("x/y.txt"))
        #expect(listed.stdout.hasPrefix(String(try run(["bash", "-c", "printf hello | sha256sum"]).stdout.prefix(64))))
    }
}

@Suite("diff --json's breaking changes are the text output's, item for item")
struct BreakingChangesTests {
    @Test(
        "on ImmPort's real 3.15 → 3.18 definitions",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func realDefinitions() throws {
        let scratch = try Scratch()
        for version in ["3.15", "3.18"] {
            try ImmPortReference.writeTree(version: version, into: scratch.url.appending(path: version))
            try run(["zip", "-qr", "../\(version).zip", "."], in: scratch.file(version))
        }
        let db = scratch.file("h.sqlite")
        for (version, day) in [("3.15", "2017-06-01"), ("3.18", "2018-06-01")] {
            #expect(try templatetrack(["import", scratch.file("\(version).zip"), "-w", "1", "--fetched-at", day], db: db).status == 0)
        }
        let json = try templatetrack(["diff", "-w", "1", "--json"], db: db)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let breaking = try #require(object["breaking"] as? [[String: Any]])
        #expect(breaking.count == 17)
        #expect(breaking.allSatisfy { Set($0.keys) == ["kind", "template", "column", "lookup", "values", "from", "to", "message"] })
        let kinds = Set(breaking.compactMap { $0["kind"] as? String })
        #expect(kinds.isSubset(of: [
            "template_removed", "required_column_added", "column_now_required", "column_removed", "data_type_changed",
            "vocabulary_changed", "vocabulary_narrowed", "lookup_table_removed",
        ]))
        #expect(breaking.contains { $0["kind"] as? String == "column_removed" && $0["template"] as? String == "rna_seq_results" && $0["column"] as? String == "Value" })
        #expect(breaking.contains {
            $0["kind"] as? String == "vocabulary_narrowed" && $0["lookup"] as? String == "lk_sample_type"
                && Set($0["values"] as? [String] ?? []) == ["Cell", "Organ", "RNA", "Tissue"]
        })
        let text = try templatetrack(["diff", "-w", "1"], db: db).stdout
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("  ! ") }.map { String($0.dropFirst(4)) }
        #expect(lines == breaking.compactMap { $0["message"] as? String })
        // Keys are words, never phrases or arrows.
        let changed = try templatetrack(["changed", "--templates", "--json"], db: db).stdout
        #expect(!changed.contains("→\" :") && changed.contains("\"schema_versions\""))
    }
}
