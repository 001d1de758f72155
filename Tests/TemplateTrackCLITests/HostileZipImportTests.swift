import Foundation
import TemplateTrackBase
import TemplateTrackTesting
import Testing

/// One case of the hostile-zip corpus (see `Tests/HostileZips/generate.py` for the fields).
struct HostileImportCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Limits: Decodable, Sendable {
        var maxEntries: Int?
        var maxEntrySize: Int64?
        var maxTotalSize: Int64?
        var maxRatio: Double?
    }

    var name: String
    var file: String
    var expect: String
    var code: String?
    var entry: String?
    var message: String?
    var limits: Limits?

    var testDescription: String { name }

    /// The `--max-*` options that set the case's limits.
    var limitArguments: [String] {
        var arguments: [String] = []
        if let value = limits?.maxEntries { arguments += ["--max-entries", "\(value)"] }
        if let value = limits?.maxEntrySize { arguments += ["--max-entry-size", "\(value)"] }
        if let value = limits?.maxTotalSize { arguments += ["--max-total-size", "\(value)"] }
        if let value = limits?.maxRatio { arguments += ["--max-ratio", "\(value)"] }
        return arguments
    }
}

/// The corpus, generated once per test process; removed at exit.
enum HostileImportCorpus {
    static let folder = FileManager.default.temporaryDirectory.appending(path: "tt-hostile-cli-\(getpid())").path

    private static let generated: Result<[HostileImportCase], TemplateTrackError> = {
        let script = repositoryRoot.appending(path: "Tests/HostileZips/generate.py").path
        do {
            let result = try run(["python3", script, folder])
            atexit { try? FileManager.default.removeItem(atPath: HostileImportCorpus.folder) }
            guard result.status == 0 else { return .failure(TemplateTrackError(.io, "generate.py failed: \(result.stderr)")) }
            let manifest = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
            return .success(try JSONDecoder().decode([HostileImportCase].self, from: manifest))
        } catch {
            return .failure(TemplateTrackError(.io, "cannot generate the corpus: \(error)"))
        }
    }()

    static func cases() throws -> [HostileImportCase] { try generated.get() }
    static func refused() throws -> [HostileImportCase] { try cases().filter { $0.expect == "refused" } }
    static func accepted() throws -> [HostileImportCase] { try cases().filter { $0.expect == "accepted" } }
    static func path(_ hostile: HostileImportCase) -> String { folder + "/" + hostile.file }
}

@Suite("templatetrack import: hostile zips")
struct HostileZipImportTests {
    /// A history holding one snapshot of workspace 1.
    private func historyWithOneSnapshot(_ scratch: Scratch) throws -> String {
        let database = scratch.file("history.sqlite")
        try makeZip(
            at: scratch.file("good.zip"),
            [("subjectHumans.txt", "subjecthumans\tSchema Version 3.18\nColumn Name\tUser Defined ID\n"), ("docs/", "")])
        let first = try run([templatetrackBinary, "import", scratch.file("good.zip"), "--workspace", "1", "--db", database])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try rowCounts(database)["snapshot"] == 1)
        return database
    }

    /// Checks the one-line error of a refused import.
    private func expectOneLineError(_ result: ProcessResult, for hostile: HostileImportCase, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "not one line: \(result.stderr)", sourceLocation: sourceLocation)
        let line = String(lines[0])
        #expect(line.hasPrefix("templatetrack: error: "), "\(line)", sourceLocation: sourceLocation)
        #expect(line.contains(DisplayName.escaped(HostileImportCorpus.path(hostile))), "\(line)", sourceLocation: sourceLocation)
        if hostile.entry == "archive" {
            #expect(!line.contains("entry '"), "\(line)", sourceLocation: sourceLocation)
        } else if let entry = hostile.entry {
            #expect(line.contains("entry '\(DisplayName.escaped(entry))'"), "\(line)", sourceLocation: sourceLocation)
        }
        if let words = hostile.message { #expect(line.contains(words), "\(line)", sourceLocation: sourceLocation) }
        #expect(!line.unicodeScalars.contains(where: DisplayName.isUnsafe), "\(line)", sourceLocation: sourceLocation)
    }

    @Test("a hostile zip is refused with one line naming the entry, and the history is left exactly as it was",
          arguments: try HostileImportCorpus.refused())
    func refusedLeavesHistoryUntouched(_ hostile: HostileImportCase) throws {
        let scratch = try Scratch()
        let database = try historyWithOneSnapshot(scratch)
        let before = try databaseDump(database)
        #expect(before.contains("CREATE TABLE"))
        let result = try run(
            [templatetrackBinary, "import", HostileImportCorpus.path(hostile), "--workspace", "1", "--db", database]
                + hostile.limitArguments)
        expectOneLineError(result, for: hostile)
        #expect(try databaseDump(database) == before)
        // Nothing left in the scratch folder but what was there.
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { !$0.hasPrefix("history.sqlite") }
        #expect(left == ["good.zip"])
    }

    @Test("a hostile zip imported into a database that did not exist leaves no database behind",
          arguments: try HostileImportCorpus.refused())
    func refusedLeavesNoNewDatabase(_ hostile: HostileImportCase) throws {
        let scratch = try Scratch()
        let database = scratch.file("new/history.sqlite")
        let result = try run(
            [templatetrackBinary, "import", HostileImportCorpus.path(hostile), "--workspace", "1", "--db", database]
                + hostile.limitArguments)
        expectOneLineError(result, for: hostile)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
    }

    @Test("the zips TemplateTrack accepts (NFC and NFD names, names differing in case, ...) import",
          arguments: try HostileImportCorpus.accepted())
    func acceptedImports(_ hostile: HostileImportCase) throws {
        let scratch = try Scratch()
        let database = try historyWithOneSnapshot(scratch)
        let result = try run([templatetrackBinary, "import", HostileImportCorpus.path(hostile), "--workspace", "1", "--db", database])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("recorded snapshot 2"), "\(result.stdout)")
        #expect(try rowCounts(database)["snapshot"] == 2)
    }

    @Test("a file too large to keep in memory is spooled, stored, and extracted byte for byte")
    func spooledFileImports() throws {
        let scratch = try Scratch()
        // 9 MiB of varied text: over the 8 MiB kept in memory, so it goes through a spool file.
        var text = ""
        text.reserveCapacity(9 << 20)
        var row = 0
        while text.utf8.count < 9 << 20 {
            text += "\(row)\tsubject \(row * 7919 % 100_003)\tvalue \(row * 104_729 % 1_000_003)\n"
            row += 1
        }
        try scratch.write("src/large.txt", text)
        try scratch.write("src/small.txt", "small\n")
        try run(["zip", "-qr", "../t.zip", "."], in: scratch.file("src"))
        let database = scratch.file("history.sqlite")
        let imported = try run([templatetrackBinary, "import", scratch.file("t.zip"), "--workspace", "1", "--db", database])
        #expect(imported.status == 0, "\(imported.stderr)")
        let extracted = try run([templatetrackBinary, "extract", "--workspace", "1", "--db", database, "--to", scratch.file("out")])
        #expect(extracted.status == 0, "\(extracted.stderr)")
        for name in ["large.txt", "small.txt"] {
            #expect(try sha256sum(scratch.file("out/" + name)) == sha256sum(scratch.file("src/" + name)), "\(name)")
        }
    }
}
