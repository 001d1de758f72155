import Foundation
import GRDB
import Testing
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
@testable import TemplateTrackSQLite
import TemplateTrackTesting

@Suite("The SQLite history: recording, migrations, safety")
struct StoreTests {
    let sampleFiles = [
        ("templates.json", #"[{"name":"subjecthumans","schemaVersion":"3.15","columns":[]}]"#),
        ("subjectHumans.txt", "subjecthumans\tSchema Version 3.15\n"),
        ("docs/guide.txt", "How to submit.\n"),
    ]

    @Test("importing the same contents again adds a snapshot but no file rows; the same zip is not even inflated")
    func unchangedAddsNoFileRows() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        let first = try importZip(scratch.file("a.zip"), workspace: 7, into: history)
        let before = try rowCounts(scratch.file("history.sqlite"))

        // Rebuilt: other timestamps, other entry order, same contents.
        try makeZip(at: scratch.file("b.zip"), sampleFiles.reversed(), modified: Date())
        #expect(try sha256sum(scratch.file("a.zip")) != sha256sum(scratch.file("b.zip")))
        let second = try importZip(scratch.file("b.zip"), workspace: 7, into: history)
        // The very same bytes again: recognized from the zip's SHA-256.
        #expect(try history.knowsArchive(sha256: sha256sum(scratch.file("a.zip"))))
        let third = try importZip(scratch.file("a.zip"), workspace: 7, into: history)
        let after = try rowCounts(scratch.file("history.sqlite"))

        #expect(first.changed && first.previous == nil)
        #expect(!second.changed && second.previous == first.id && second.contentSHA256 == first.contentSHA256)
        #expect(!third.changed && third.previous == second.id && third.archiveSHA256 == first.archiveSHA256)
        #expect(after["snapshot"] == 3)
        #expect(after["tree_entry"] == before["tree_entry"])
        #expect(after["blob"] == before["blob"])
        #expect(after["tree"] == before["tree"])
        #expect(after["template"] == before["template"])
    }

    @Test("a zip of a size never recorded is hashed while it inflates; one of a recorded size but other bytes is still new")
    func sizeDecidesWhenToHash() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        // The same length, one letter apart: the same size, other bytes.
        try makeZip(at: scratch.file("c.zip"), sampleFiles.map { ($0.0, $0.1.replacingOccurrences(of: "submit", with: "submiT")) })
        let size = try #require(FileManager.default.attributesOfItem(atPath: scratch.file("a.zip"))[.size] as? Int)
        #expect(try FileManager.default.attributesOfItem(atPath: scratch.file("c.zip"))[.size] as? Int == size)
        #expect(try sha256sum(scratch.file("a.zip")) != sha256sum(scratch.file("c.zip")))
        #expect(try !history.mayKnowArchive(size: Int64(size)))

        let first = try importZip(scratch.file("a.zip"), workspace: 7, into: history)
        #expect(first.archiveSHA256 == (try sha256sum(scratch.file("a.zip"))))
        #expect(try history.mayKnowArchive(size: Int64(size)))
        #expect(try !history.mayKnowArchive(size: Int64(size + 1)))
        let second = try importZip(scratch.file("c.zip"), workspace: 7, into: history)
        #expect(second.changed && second.previous == first.id)
        #expect(second.archiveSHA256 == (try sha256sum(scratch.file("c.zip"))))
        #expect(second.contentSHA256 != first.contentSHA256)
    }

    @Test("collecting garbage right after an import, with the import's background checkpoints still running, never answers busy")
    func collectAfterImport() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        let bulk = (0..<2_000).map { "line \($0) of a file large enough to be checkpointed\n" }.joined()
        for round in 0..<40 {
            try makeZip(at: scratch.file("\(round).zip"), [("a.txt", "round \(round)"), ("bulk.txt", bulk + "\(round)")])
            let snapshot = try importZip(scratch.file("\(round).zip"), workspace: 1, into: history)
            try history.forget([snapshot.id])
            _ = try history.collectGarbage()
        }
        #expect(try history.snapshots(SnapshotQuery()).isEmpty)
    }

    @Test("bytes are stored once per SHA-256 across workspaces and paths")
    func contentAddressed() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), [("x.txt", "same"), ("y.txt", "same"), ("z.txt", "other")])
        try makeZip(at: scratch.file("b.zip"), [("moved/x.txt", "same"), ("z.txt", "other")])
        try importZip(scratch.file("a.zip"), workspace: 1, into: history)
        try importZip(scratch.file("b.zip"), workspace: 2, into: history)
        let counts = try rowCounts(scratch.file("history.sqlite"))
        #expect(counts["blob"] == 2)
        #expect(counts["tree"] == 2)
        #expect(counts["tree_entry"] == 5)
    }

    @Test("stored bytes read back equal the zip's, for entries kept in memory and for spooled ones")
    func contentRoundTrips() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        let big = (0..<300_000).map { "row \($0)\t\($0 * 7)\n" }.joined()  // about 4 MB
        try makeZip(at: scratch.file("a.zip"), [("big.txt", big), ("small.txt", "small")])
        // A tiny in-memory limit forces big.txt through a spool file.
        let spooled = try importZip(
            scratch.file("a.zip"), workspace: 1, into: history, options: IngestOptions(workers: 2, memoryLimit: 1024))
        #expect(try content(of: "big.txt", in: spooled, history: history) == Array(big.utf8))
        #expect(try content(of: "small.txt", in: spooled, history: history) == Array("small".utf8))
        let run = try self.run(["unzip", "-p", scratch.file("a.zip"), "big.txt"])
        #expect(sha256Hex(Array(run.stdout.utf8)) == sha256Hex(Array(big.utf8)))
    }

    private func run(_ arguments: [String]) throws -> ProcessResult { try TemplateTrackTesting.run(arguments) }

    @Test("a rejected archive leaves the database exactly as it was")
    func rejectedArchiveRecordsNothing() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("ok.zip"), sampleFiles)
        try importZip(scratch.file("ok.zip"), workspace: 7, into: history)
        let before = try databaseDump(scratch.file("history.sqlite"))
        try makeZip(at: scratch.file("evil.zip"), [("fresh.txt", "new bytes"), ("../escape.txt", "x")])
        let error = try #require(throws: TemplateTrackError.self) {
            try importZip(scratch.file("evil.zip"), workspace: 7, into: history)
        }
        #expect(error.places.contains(.entry("../escape.txt")))
        #expect(error.places.contains(.workspace(7)))
        #expect(try databaseDump(scratch.file("history.sqlite")) == before)
    }

    @Test("a corrupt entry found while inflating removes every blob the import had stored")
    func corruptEntryRollsBack() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("ok.zip"), sampleFiles)
        try importZip(scratch.file("ok.zip"), workspace: 7, into: history)
        let before = try databaseDump(scratch.file("history.sqlite"))
        // Many good entries, then one whose stored bytes are damaged (stored, not deflated, so
        // the damage is a CRC mismatch that only reading to the end reveals).
        var files = (0..<200).map { ("f\($0).txt", String(repeating: "entry \($0) ", count: 50)) }
        files.append(("zzz-damaged.txt", "DAMAGE-ME-PLEASE"))
        try makeZip(at: scratch.file("bad.zip"), files)
        let python = """
            import sys, zipfile
            src = zipfile.ZipFile(sys.argv[1])
            with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED) as out:
                for info in src.infolist():
                    out.writestr(info.filename, src.read(info))
            data = bytearray(open(sys.argv[2], 'rb').read())
            i = data.find(b'DAMAGE-ME-PLEASE')
            data[i] ^= 0x20
            open(sys.argv[2], 'wb').write(data)
            """
        try TemplateTrackTesting.run(["python3", "-c", python, scratch.file("bad.zip"), scratch.file("damaged.zip")])
        let error = try #require(throws: TemplateTrackError.self) {
            try importZip(scratch.file("damaged.zip"), workspace: 7, into: history)
        }
        #expect(error.code == .invalidArchive)
        #expect(error.places.contains(.entry("zzz-damaged.txt")))
        #expect(try databaseDump(scratch.file("history.sqlite")) == before)
    }

    @Test("migrations apply once each, in order, from the embedded migrations/ folder; the file is stamped")
    func migrationsApplyOnce() throws {
        let scratch = try Scratch()
        _ = try makeHistory(scratch)
        _ = try SQLiteHistory(path: scratch.file("history.sqlite"), access: .write)
        let queue = try DatabaseQueue(path: scratch.file("history.sqlite"))
        let applied = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appending(path: "migrations").path)
            .filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
        #expect(applied == onDisk)
        #expect(Migrations.all.map(\.id) == onDisk)
        #expect(try queue.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") } == SQLiteHistory.applicationID)
    }

    @Test("a database from a newer TemplateTrack is refused, not altered")
    func newerDatabaseRefused() throws {
        let scratch = try Scratch()
        _ = try makeHistory(scratch)
        try DatabaseQueue(path: scratch.file("history.sqlite")).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_future')")
        }
        let before = try databaseDump(scratch.file("history.sqlite"))
        let error = try #require(throws: TemplateTrackError.self) {
            try SQLiteHistory(path: scratch.file("history.sqlite"), access: .write)
        }
        #expect(error.code == .database)
        #expect(error.description.contains("9999_future"))
        #expect(try databaseDump(scratch.file("history.sqlite")) == before)
    }

    @Test("another application's SQLite file, an empty file and a text file are refused by name and left untouched")
    func foreignFilesRefused() throws {
        let scratch = try Scratch()
        let other = scratch.file("other.sqlite")
        try TemplateTrackTesting.run(["sqlite3", other, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');"])
        try scratch.write("empty.sqlite", "")
        try scratch.write("text.sqlite", "just some text that is long enough to look like a header........................................................\n")
        try TemplateTrackTesting.run(["sqlite3", scratch.file("stamped.sqlite"), "PRAGMA application_id = 42; CREATE TABLE t (x);"])
        for name in ["other.sqlite", "empty.sqlite", "text.sqlite", "stamped.sqlite"] {
            let path = scratch.file(name)
            let before = try sha256sum(path)
            for access in [SQLiteHistory.Access.read, .write, .create] {
                let error = try #require(throws: TemplateTrackError.self) { try SQLiteHistory(path: path, access: access) }
                #expect(error.code == .database, "\(name)")
                #expect(error.places.contains(.file(path)), "\(name)")
                #expect(error.message.contains("left as it is"), "\(name): \(error.message)")
            }
            #expect(try sha256sum(path) == before, "\(name) changed")
            #expect(!FileManager.default.fileExists(atPath: path + "-wal") && !FileManager.default.fileExists(atPath: path + "-shm"))
        }
    }

    @Test("a new history is mode 0600 in new folders of mode 0700; a failed first import leaves nothing")
    func modesAndNoLitter() throws {
        let scratch = try Scratch()
        let path = scratch.file("deep/er/history.sqlite")
        let history = try SQLiteHistory(path: path, access: .create)
        #expect(history.createdFile)
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        stat(scratch.file("deep"), &info)
        #expect(info.st_mode & 0o777 == 0o700)
        stat(scratch.file("deep/er"), &info)
        #expect(info.st_mode & 0o777 == 0o700)
        history.discardIfUnused()
        #expect(!FileManager.default.fileExists(atPath: scratch.file("deep")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test("a read-only history, file or folder, answers queries")
    func readOnlyHistory() throws {
        let scratch = try Scratch()
        let folder = scratch.file("ro")
        let history = try SQLiteHistory(path: folder + "/history.sqlite", access: .create)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        let snapshot = try importZip(scratch.file("a.zip"), workspace: 3, into: history)
        try makeZip(at: scratch.file("b.zip"), [("other.txt", "x")])
        try importZip(scratch.file("b.zip"), workspace: 3, into: history)
        history.close()
        try TemplateTrackTesting.run(["sqlite3", folder + "/history.sqlite", "PRAGMA wal_checkpoint(TRUNCATE);"])
        chmod(folder + "/history.sqlite", 0o444)
        // (`writable: false`: the tests may run as root, who can write whatever the modes say.)
        let fileOnly = try SQLiteHistory(path: folder + "/history.sqlite", access: .read, writable: false)
        #expect(fileOnly.isReadOnly)
        #expect(try fileOnly.snapshots(SnapshotQuery(workspace: 3)).count == 2)
        // The folder too: no -shm can be created there.
        for extra in ["-wal", "-shm"] { unlink(folder + "/history.sqlite" + extra) }
        chmod(folder, 0o555)
        defer { chmod(folder, 0o755) }
        let locked = try SQLiteHistory(path: folder + "/history.sqlite", access: .read, writable: false)
        #expect(try locked.resolve(.id(snapshot.id), in: Series(workspace: 3)).fileCount == 3)
        #expect(try Queries.changed(since: nil, in: locked).count == 1)
        if getuid() != 0 {  // root may write anything, whatever the modes say
            #expect(throws: TemplateTrackError.self) { try SQLiteHistory(path: folder + "/history.sqlite", access: .write) }
        }
        // Read without locks, as a read-only folder forces, whoever runs the test.
        let immutable = try SQLiteHistory(path: folder + "/history.sqlite", access: .read, writable: false)
        #expect(immutable.isReadOnly)
        #expect(try immutable.snapshots(SnapshotQuery()).count == 2)
        #expect(!FileManager.default.fileExists(atPath: folder + "/history.sqlite-shm"))
    }

    @Test("a read-only history that lacks only a migration of derived data is read; a writable one is brought up to date")
    func readOnlyWithoutDerivedMigration() throws {
        let scratch = try Scratch()
        let path = scratch.file("history.sqlite")
        let history = try SQLiteHistory(path: path, access: .create)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        try importZip(scratch.file("a.zip"), workspace: 3, into: history)
        history.close()
        // As the previous release left it: every migration but 0006.
        try TemplateTrackTesting.run(["sqlite3", path, "DELETE FROM grdb_migrations WHERE identifier = '0006_recompare'; PRAGMA wal_checkpoint(TRUNCATE);"])
        let readOnly = try SQLiteHistory(path: path, access: .read, writable: false)
        #expect(try readOnly.snapshots(SnapshotQuery(workspace: 3)).count == 1)
        readOnly.close()
        // A migration of the schema itself missing is still refused to a read-only reader.
        try TemplateTrackTesting.run(["sqlite3", path, "DELETE FROM grdb_migrations WHERE identifier = '0005_series'; PRAGMA wal_checkpoint(TRUNCATE);"])
        #expect(throws: TemplateTrackError.self) { try SQLiteHistory(path: path, access: .read, writable: false) }
        try TemplateTrackTesting.run(["sqlite3", path, "INSERT INTO grdb_migrations VALUES ('0005_series'); PRAGMA wal_checkpoint(TRUNCATE);"])
        // Writable, the missing one is applied.
        let writable = try SQLiteHistory(path: path, access: .write)
        writable.close()
        let applied = try TemplateTrackTesting.run(["sqlite3", path, "SELECT count(*) FROM grdb_migrations WHERE identifier = '0006_recompare'"])
        #expect(applied.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test("an older zip imported later keeps every changed flag right")
    func outOfOrderImports() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("v1.zip"), [("t.txt", "v1")])
        try makeZip(at: scratch.file("v2.zip"), [("t.txt", "v2")])
        try importZip(scratch.file("v2.zip"), workspace: 1, at: "2018-03-01T00:00:00Z", into: history)
        try importZip(scratch.file("v1.zip"), workspace: 1, at: "2018-01-01T00:00:00Z", into: history)
        try importZip(scratch.file("v2.zip"), workspace: 1, at: "2018-03-01T00:01:00Z", into: history)
        let log = try history.snapshots(SnapshotQuery(workspace: 1))
        #expect(log.map { Timestamp.display($0.fetchedAt) } == ["2018-01-01T00:00:00Z", "2018-03-01T00:00:00Z", "2018-03-01T00:01:00Z"])
        #expect(log.map(\.changed) == [true, true, false])
        #expect(log.map(\.previous) == [nil, log[0].id, log[1].id])
        // Forgetting the middle one: the last now follows the first, and is a change.
        try history.forget([log[1].id])
        let after = try history.snapshots(SnapshotQuery(workspace: 1))
        #expect(after.map(\.id) == [log[0].id, log[2].id])
        #expect(after.map(\.changed) == [true, true])
        #expect(after[1].previous == log[0].id)
    }

    @Test("the two documentation series of a workspace are kept apart")
    func seriesApart() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("u.zip"), [("t.txt", "upload")])
        try makeZip(at: scratch.file("b.zip"), [("t.txt", "batch")])
        for day in 1...3 {
            try importZip(scratch.file("u.zip"), workspace: 1, at: "2018-01-0\(day)T00:00:00Z", api: .upload, into: history)
            try importZip(scratch.file("b.zip"), workspace: 1, at: "2018-01-0\(day)T00:00:01Z", api: .batchUpdater, into: history)
        }
        #expect(try history.snapshots(SnapshotQuery(workspace: 1)).filter(\.changed).count == 2)
        #expect(try Queries.changed(since: nil, in: history).isEmpty)
        let latest = try history.resolve(.latest(back: 0), in: Series(workspace: 1, api: .batchUpdater))
        #expect(try content(of: "t.txt", in: latest, history: history) == Array("batch".utf8))
    }

    @Test("snapshot references resolve by number, latest~N and time; impossible dates are refused")
    func references() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        var ids: [Int] = []
        for (index, day) in ["2018-01-01", "2018-02-01", "2018-03-01"].enumerated() {
            try makeZip(at: scratch.file("\(index).zip"), [("t.txt", "v\(index)")])
            ids.append(try importZip(scratch.file("\(index).zip"), workspace: 9, at: day + "T12:00:00.250Z", into: history).id)
        }
        func resolve(_ text: String) throws -> Int { try history.resolve(SnapshotReference(parsing: text), in: Series(workspace: 9)).id }
        #expect(try resolve("latest") == ids[2])
        #expect(try resolve("latest~2") == ids[0])
        #expect(try resolve("\(ids[1])") == ids[1])
        #expect(try resolve("2018-02-15") == ids[1])
        #expect(try resolve("2018-03-01") == ids[2])  // a bare date means the end of that day
        #expect(try resolve("2018-03-01T12:00:00Z") == ids[2])  // as log shows it: the whole second
        #expect(try resolve("2018-03-01T12:00:00.100Z") == ids[1])
        #expect(try resolve("2018-03-01T11:00:00Z") == ids[1])
        #expect(throws: TemplateTrackError.self) { try resolve("latest~3") }
        #expect(throws: TemplateTrackError.self) { try resolve("2017-12-31") }
        for bad in ["yesterday-ish", "2018-02-30", "2018-13-01", "2018-01-01T25:00:00Z", "2018-02-29"] {
            #expect(throws: TemplateTrackError.self, "\(bad)") { try SnapshotReference(parsing: bad) }
        }
        #expect(Timestamp.parse("2016-02-29") != nil)
        #expect(Timestamp.parse("2018-01-01T10:00:00+02:00")?.start == Timestamp.parse("2018-01-01T08:00:00Z")?.start)
    }

    @Test("renames are files whose bytes reappear under a new path; NFC and NFD spellings are two files")
    func treeDiff() {
        func entries(_ list: [(String, String)]) -> [TreeEntry] { list.map { TreeEntry(path: $0.0, size: 1, sha256: $0.1) } }
        let changes = TreeDiff.changes(
            from: entries([("a.txt", "A"), ("b.txt", "B"), ("c.txt", "C"), ("d.txt", "D")]),
            to: entries([("a.txt", "A2"), ("moved/b.txt", "B"), ("c.txt", "C"), ("e.txt", "E")]))
        #expect(changes.map(\.path) == ["a.txt", "d.txt", "e.txt", "moved/b.txt"])
        #expect(changes.map(\.status) == [.modified, .removed, .added, .renamed])
        #expect(changes.last?.fromPath == "b.txt")
        let nfc = "caf\u{E9}.txt", nfd = "cafe\u{301}.txt"
        #expect(TreeDiff.changes(from: entries([(nfc, "A")]), to: entries([(nfd, "A")])).map(\.status) == [.renamed])
    }

    @Test("a history written before series and stored comparisons is upgraded in place, answers unchanged")
    func upgradesOlderHistory() throws {
        let scratch = try Scratch()
        let path = scratch.file("old.sqlite")
        // Build a history the way the previous release did: its four migrations, then its rows.
        let migrations = repositoryRoot.appending(path: "migrations")
        var script = "PRAGMA journal_mode=WAL; CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);\n"
        for id in ["0001_history", "0002_text_search", "0003_extractions", "0004_templates"] {
            script += try String(contentsOf: migrations.appending(path: id + ".sql"), encoding: .utf8)
            script += "\nINSERT INTO grdb_migrations VALUES ('\(id)');\n"
        }
        let blobs = [("aa", "v1"), ("bb", "v2")].map { "INSERT INTO blob (sha256, size, content, is_text) VALUES ('\(String(repeating: $0.0, count: 32))', 2, CAST('\($0.1)' AS BLOB), 1);" }
        script += blobs.joined(separator: "\n")
        script += """

            INSERT INTO workspace (id, name) VALUES (5, 'Old workspace');
            INSERT INTO tree (id, sha256, file_count, total_size) VALUES (1, 'tree1', 1, 2), (2, 'tree2', 1, 2);
            INSERT INTO tree_entry VALUES (1, 't.txt', '\(String(repeating: "aa", count: 32))', 2), (2, 't.txt', '\(String(repeating: "bb", count: 32))', 2);
            INSERT INTO snapshot (workspace_id, fetched_at, origin, archive_sha256, archive_size, tree_id) VALUES
              (5, '2018-01-01T00:00:00.000Z', 'import a.zip', 'zip1', 100, 1),
              (5, '2018-02-01T00:00:00.500Z', 'import a.zip', 'zip1', 100, 1),
              (5, '2018-03-01T00:00:00.000Z', 'sync http://x/5', 'zip2', 120, 2);
            """
        try TemplateTrackTesting.run(["sqlite3", path, script])
        let history = try SQLiteHistory(path: path, access: .read)  // an upgrade writes, so it opened writable
        #expect(!history.isReadOnly)
        try Maintenance.catchUp(history)
        let log = try history.snapshots(SnapshotQuery())
        #expect(log.map(\.changed) == [true, false, true])
        #expect(log.map(\.previous) == [nil, 1, 2])
        #expect(Timestamp.precise(log[1].fetchedAt) == "2018-02-01T00:00:00.500Z")
        #expect(log[2].origin == "sync http://x/5")
        #expect(log[0].workspaceName == "Old workspace")
        #expect(try history.pairsMissingComparison().isEmpty)
        #expect(try history.comparison(TreePair(from: TreeID(1), to: TreeID(2)))?.files.modified == 1)
        // Numbers keep counting from where the old history left off.
        try makeZip(at: scratch.file("n.zip"), [("t.txt", "v3")])
        #expect(try importZip(scratch.file("n.zip"), workspace: 5, into: history).id == 4)
    }

    @Test("a failed first import removes the history it created only when no other process has it open")
    func discardOnlyWhenAlone() throws {
        let scratch = try Scratch()
        let path = scratch.file("h.sqlite")
        let creator = try SQLiteHistory(path: path, access: .create)
        let other = try SQLiteHistory(path: path, access: .write)
        creator.discardIfUnused()
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try other.snapshots(SnapshotQuery()).isEmpty)
        other.close()
        let again = try SQLiteHistory(path: path, access: .create)
        #expect(!again.createdFile)
        again.close()
        let fresh = try SQLiteHistory(path: scratch.file("new.sqlite"), access: .create)
        fresh.discardIfUnused()
        #expect(!FileManager.default.fileExists(atPath: scratch.file("new.sqlite")))
    }

    @Test("a new history vacuums incrementally; closing it leaves no -wal or -shm")
    func newHistoryShape() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        try importZip(scratch.file("a.zip"), workspace: 1, into: history)
        history.close()
        #expect(try run(["sqlite3", scratch.file("history.sqlite"), "PRAGMA auto_vacuum"]).stdout.hasPrefix("2"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("history.sqlite-wal")))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("history.sqlite-shm")))
    }

    @Test("a read-only opening reads through a write-ahead log that holds commits")
    func readOnlyThroughLog() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        try importZip(scratch.file("a.zip"), workspace: 1, into: history)
        try makeZip(at: scratch.file("b.zip"), [("other.txt", "x")])
        try importZip(scratch.file("b.zip"), workspace: 1, into: history)
        // Still open: the second commit may sit in the log only.
        let reader = try SQLiteHistory(path: scratch.file("history.sqlite"), access: .read, writable: false)
        #expect(try reader.snapshots(SnapshotQuery()).count == 2)
        reader.close()
    }

    @Test("a command's read opening is one connection that only reads; closing it leaves no -wal or -shm, and the file as it was")
    func readOpeningLeavesNothing() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        try importZip(scratch.file("a.zip"), workspace: 1, into: history)
        history.close()
        let before = try databaseDump(scratch.file("history.sqlite"))

        let reader = try SQLiteHistory(path: scratch.file("history.sqlite"), access: .read)
        #expect(reader.isReadOnly)
        #expect(try reader.snapshots(SnapshotQuery()).count == 1)
        // A writer meanwhile: the reader sees its commit, and still cannot write itself.
        let writer = try SQLiteHistory(path: scratch.file("history.sqlite"), access: .write)
        try makeZip(at: scratch.file("b.zip"), [("other.txt", "x")])
        try importZip(scratch.file("b.zip"), workspace: 1, into: writer)
        #expect(try reader.snapshots(SnapshotQuery()).count == 2)
        #expect(throws: (any Error).self) { try reader.reader.read { db in try db.execute(sql: "DELETE FROM snapshot") } }
        writer.close()
        reader.close()
        #expect(!FileManager.default.fileExists(atPath: scratch.file("history.sqlite-wal")))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("history.sqlite-shm")))

        let recorded = try databaseDump(scratch.file("history.sqlite"))
        #expect(recorded.contains("other.txt") && recorded != before)
        for suffix in ["-wal", "-shm"] { unlink(scratch.file("history.sqlite" + suffix)) }

        let again = try SQLiteHistory(path: scratch.file("history.sqlite"), access: .read)
        #expect(try again.snapshots(SnapshotQuery()).count == 2)
        again.close()
        #expect(!FileManager.default.fileExists(atPath: scratch.file("history.sqlite-wal")))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("history.sqlite-shm")))
        // (sqlite3 -readonly itself leaves an -shm and -wal behind: checked last.)
        #expect(try databaseDump(scratch.file("history.sqlite")) == recorded)
    }

    @Test("opening a history again in the same process keeps the first opening's locks: another process closing does not remove the log under it")
    func secondOpeningKeepsLocks() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("a.zip"), sampleFiles)
        try importZip(scratch.file("a.zip"), workspace: 1, into: history)
        history.close()
        let path = scratch.file("history.sqlite")
        let first = try SQLiteHistory(path: path, access: .read)
        #expect(try first.snapshots(SnapshotQuery()).count == 1)
        #expect(FileManager.default.fileExists(atPath: path + "-shm"))
        // A second opening (as serve's indexer makes every 15 s) and its close.
        let second = try SQLiteHistory(path: path, access: .read)
        #expect(try second.snapshots(SnapshotQuery()).count == 1)
        second.close()
        // Another process opens and closes a connection that may write: it must see that it is
        // not the last, and leave the log and its index to the one still open here.
        try run(["sqlite3", path, "SELECT count(*) FROM snapshot"])
        #expect(FileManager.default.fileExists(atPath: path + "-shm"))
        #expect(try first.snapshots(SnapshotQuery()).count == 1)
        first.close()
    }

    @Test("the changes between two trees, merged from SQLite's rows in path order, equal TreeDiff over the whole trees")
    func differingEntriesMatchWholeTrees() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        // Names whose orders differ between bytes, Unicode and case-blind comparison; the
        // same text as NFC and as NFD; prefixes; folders.
        let names = [
            "a.txt", "a-b.txt", "A.txt", "a/b.txt", "a/c.txt", "a b.txt", "\u{e9}.txt", "e\u{301}.txt", "file1",
            "file10", "file2", "\u{65e5}\u{672c}.txt", "Z.txt", "z/x.txt", "empty/", "other/", "~.txt", "_.txt",
        ]
        let contents = ["one\n", "two\n", "three\n", "four\n"]
        var random = SplitMix64(seed: 20_261_129)
        func randomTree() -> [(String, String)] {
            names.filter { _ in random.next() % 3 != 0 }.map { name in
                (name, name.hasSuffix("/") ? "" : contents[Int(random.next() % UInt64(contents.count))])
            }
        }
        var seen: Set<ChangeStatus> = []
        for round in 0..<40 {
            try makeZip(at: scratch.file("old\(round).zip"), randomTree())
            try makeZip(at: scratch.file("new\(round).zip"), randomTree())
            let old = try importZip(scratch.file("old\(round).zip"), workspace: round + 1, into: history)
            let new = try importZip(scratch.file("new\(round).zip"), workspace: round + 1, into: history)
            for pair in [TreePair(from: old.tree, to: new.tree), TreePair(from: new.tree, to: old.tree), TreePair(from: old.tree, to: old.tree)] {
                let whole = TreeDiff.changes(from: try history.treeEntries(pair.from), to: try history.treeEntries(pair.to))
                #expect(try history.fileChanges(pair) == whole, "round \(round)")
                seen.formUnion(whole.map(\.status))
            }
        }
        #expect(seen == [.added, .removed, .modified, .renamed])
    }
}

/// A seeded generator: the same trees on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
