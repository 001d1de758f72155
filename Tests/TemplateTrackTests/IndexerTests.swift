import Crypto
import Foundation
import GRDB
import Testing

@testable import TemplateTrack
@testable import TemplateTrackIndexer

@Suite("Indexer: recording snapshots in SQLite")
struct IndexerTests {
    let sampleFiles = [
        ("templates.json", #"[{"name":"subjecthumans"}]"#),
        ("subjectHumans.txt", "subjecthumans\tSchema Version 3.15\n"),
        ("docs/guide.txt", "How to submit.\n"),
    ]

    @Test("importing the same contents again adds a snapshot but no file rows")
    func unchangedAddsNoFileRows() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        let first = try Pipeline.importZip(at: scratch.file("a.zip"), workspace: 7, into: history)
        let before = try rowCounts(scratch.file("h.sqlite"))

        // Rebuilt: other timestamps, other entry order, same contents.
        try makeZip(at: scratch.file("b.zip"), sampleFiles.reversed(), modified: Date())
        #expect(try sha256sum(scratch.file("a.zip")) != sha256sum(scratch.file("b.zip")))
        let second = try Pipeline.importZip(at: scratch.file("b.zip"), workspace: 7, into: history)
        let after = try rowCounts(scratch.file("h.sqlite"))

        #expect(first.changed && first.previous == nil)
        #expect(!second.changed && second.previous == first.id)
        #expect(after["snapshot"] == 2)
        #expect(after["tree_entry"] == before["tree_entry"])
        #expect(after["blob"] == before["blob"])
        #expect(after["tree"] == before["tree"])
    }

    @Test("bytes are stored once per SHA-256 across workspaces and paths")
    func contentAddressed() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("a.zip"), [("x.txt", "same"), ("y.txt", "same"), ("z.txt", "other")])
        try makeZip(at: scratch.file("b.zip"), [("moved/x.txt", "same"), ("z.txt", "other")])
        try Pipeline.importZip(at: scratch.file("a.zip"), workspace: 1, into: history)
        try Pipeline.importZip(at: scratch.file("b.zip"), workspace: 2, into: history)
        let counts = try rowCounts(scratch.file("h.sqlite"))
        #expect(counts["blob"] == 2)
        #expect(counts["tree"] == 2)
        #expect(counts["tree_entry"] == 5)
    }

    @Test("stored bytes read back equal the zip's, for a multi-chunk entry")
    func contentRoundTrips() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let big = (0..<300_000).map { "row \($0)\t\($0 * 7)\n" }.joined()
        try makeZip(at: scratch.file("a.zip"), [("big.txt", big)])
        let snapshot = try Pipeline.importZip(at: scratch.file("a.zip"), workspace: 1, into: history)
        let file = try #require(try history.files(of: snapshot).first)
        var read = Data()
        try history.readContent(sha256: file.sha256) { read.append(contentsOf: $0) }
        #expect(read == Data(big.utf8))
        #expect(SHA256.hash(data: read).hex == file.sha256)
    }

    @Test("a rejected archive records nothing")
    func rejectedArchiveRecordsNothing() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("ok.zip"), sampleFiles)
        try Pipeline.importZip(at: scratch.file("ok.zip"), workspace: 7, into: history)
        let before = try rowCounts(scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("evil.zip"), [("fresh.txt", "new bytes"), ("../escape.txt", "x")])
        let error = try #require(throws: TemplateTrackError.self) {
            try Pipeline.importZip(at: scratch.file("evil.zip"), workspace: 7, into: history)
        }
        #expect(error.places.contains(.entry("../escape.txt")))
        #expect(error.places.contains(.workspace(7)))
        #expect(try rowCounts(scratch.file("h.sqlite")) == before)
    }

    @Test("a failure mid-transaction rolls the whole import back")
    func failureRollsBack() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("a.zip"), [("a.txt", "one"), ("b.txt", "two")])
        let archive = try ArchiveScanner.scan(path: scratch.file("a.zip"))
        // The zip changes on disk between the check and the recording: b.txt's bytes differ.
        try makeZip(at: scratch.file("a.zip"), [("a.txt", "one"), ("b.txt", "TWO")])
        let error = try #require(throws: TemplateTrackError.self) {
            try history.record(archive, workspace: Workspace(workspaceId: 3), fetchedAt: Date(), origin: .import(file: "a.zip"))
        }
        #expect(error.places.contains(.entry("b.txt")))
        #expect(try rowCounts(scratch.file("h.sqlite")).values.allSatisfy { $0 == 0 })
    }

    @Test("migrations apply once each, in order, from the embedded migrations/ folder")
    func migrationsApplyOnce() throws {
        let scratch = try Scratch()
        _ = try HistoryDatabase(path: scratch.file("h.sqlite"))
        _ = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let applied = try DatabaseQueue(path: scratch.file("h.sqlite")).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appending(path: "migrations").path)
            .filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
        #expect(applied == onDisk)
        #expect(Migrations.all.map(\.id) == onDisk)
    }

    @Test("a database from a newer TemplateTrack is refused, not altered")
    func newerDatabaseRefused() throws {
        let scratch = try Scratch()
        _ = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try DatabaseQueue(path: scratch.file("h.sqlite")).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_future')")
        }
        let error = try #require(throws: TemplateTrackError.self) { try HistoryDatabase(path: scratch.file("h.sqlite")) }
        #expect(error.code == .database)
        #expect(error.description.contains("9999_future"))
    }

    @Test("an older zip imported later keeps every changed flag right")
    func backfillKeepsOrder() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("v1.zip"), [("t.txt", "v1")])
        try makeZip(at: scratch.file("v2.zip"), [("t.txt", "v2")])
        let march = try #require(Timestamp.parse("2018-03-01T00:00:00Z"))
        let january = try #require(Timestamp.parse("2018-01-01T00:00:00Z"))
        try Pipeline.importZip(at: scratch.file("v2.zip"), workspace: 1, fetchedAt: march, into: history)
        try Pipeline.importZip(at: scratch.file("v1.zip"), workspace: 1, fetchedAt: january, into: history)
        try Pipeline.importZip(at: scratch.file("v2.zip"), workspace: 1, fetchedAt: march.addingTimeInterval(60), into: history)
        let log = try history.snapshots(workspace: 1)
        #expect(log.map(\.fetchedAt) == ["2018-01-01T00:00:00Z", "2018-03-01T00:00:00Z", "2018-03-01T00:01:00Z"])
        #expect(log.map(\.changed) == [true, true, false])
    }

    @Test("snapshot references resolve by number, latest~N and time")
    func references() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        var ids: [Int] = []
        for (index, day) in ["2018-01-01", "2018-02-01", "2018-03-01"].enumerated() {
            try makeZip(at: scratch.file("\(index).zip"), [("t.txt", "v\(index)")])
            ids.append(try Pipeline.importZip(
                at: scratch.file("\(index).zip"), workspace: 9, fetchedAt: Timestamp.parse(day + "T12:00:00Z")!,
                into: history).id)
        }
        func resolve(_ text: String) throws -> Int { try history.resolve(SnapshotReference(parsing: text), workspace: 9).id }
        #expect(try resolve("latest") == ids[2])
        #expect(try resolve("latest~2") == ids[0])
        #expect(try resolve("\(ids[1])") == ids[1])
        #expect(try resolve("2018-02-15") == ids[1])
        #expect(try resolve("2018-03-01") == ids[2])  // a bare date means the end of that day
        #expect(try resolve("2018-03-01T11:00:00Z") == ids[1])
        #expect(throws: TemplateTrackError.self) { try resolve("latest~3") }
        #expect(throws: TemplateTrackError.self) { try resolve("2017-12-31") }
        #expect(throws: TemplateTrackError.self) { try SnapshotReference(parsing: "yesterday-ish") }
    }

    @Test("renames are files whose bytes reappear under a new path")
    func treeDiff() {
        let old: [TreeDiff.Entry] = [("a.txt", 1, "A"), ("b.txt", 1, "B"), ("c.txt", 1, "C"), ("d.txt", 1, "D")]
        let new: [TreeDiff.Entry] = [("a.txt", 1, "A2"), ("moved/b.txt", 1, "B"), ("c.txt", 1, "C"), ("e.txt", 1, "E")]
        let changes = TreeDiff.changes(from: old, to: new)
        #expect(changes.map(\.path) == ["a.txt", "d.txt", "e.txt", "moved/b.txt"])
        #expect(changes.map(\.status) == [.modified, .removed, .added, .renamed])
        #expect(changes.last?.fromPath == "b.txt")

        // NFC and NFD spellings are different bytes, so different files, though Swift's
        // String calls them equal.
        let nfc = "caf\u{E9}.txt", nfd = "cafe\u{301}.txt"
        let respelled = TreeDiff.changes(from: [(nfc, 1, "A")], to: [(nfd, 1, "A")])
        #expect(respelled.map(\.status) == [.renamed])
    }
}

/// The package's top folder, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
