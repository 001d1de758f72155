import Foundation
import Testing
import TemplateTrack
import TemplateTrackBase
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackTesting

@Suite("extract: creates its own folders, never touches what it does not own")
struct ExtractionTests {
    /// Two snapshots of workspace 1 and a history holding them.
    func twoSnapshots(_ scratch: Scratch) throws -> (SQLiteHistory, Snapshot, Snapshot) {
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("1.zip"), [("a.txt", "a1"), ("gone.txt", "bye"), ("docs/", ""), ("docs/d.txt", "d")])
        try makeZip(at: scratch.file("2.zip"), [("a.txt", "a2"), ("docs/d.txt", "d"), ("new/n.txt", "n"), ("empty/", "")])
        let first = try importZip(scratch.file("1.zip"), workspace: 1, into: history)
        let second = try importZip(scratch.file("2.zip"), workspace: 1, into: history)
        return (history, first, second)
    }

    @Test("a new folder appears complete, equal to unzip -d, and later updates happen in place")
    func createsThenUpdates() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        let created = try Extraction.extract(first, from: history, to: folder)
        #expect(created.created && created.written == 3)
        try run(["unzip", "-q", scratch.file("1.zip"), "-d", scratch.file("u1")])
        #expect(try run(["diff", "-r", scratch.file("u1"), folder]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }.isEmpty)
        let folderInode = inode(folder)
        let docsInode = inode(folder + "/docs/d.txt")

        let updated = try Extraction.extract(second, from: history, to: folder)
        #expect(!updated.created)
        #expect((updated.written, updated.unchanged, updated.removed, updated.kept) == (2, 1, 1, []))
        try run(["unzip", "-q", scratch.file("2.zip"), "-d", scratch.file("u2")])
        let same = try run(["diff", "-r", scratch.file("u2"), folder])
        #expect(same.status == 0, "\(same.stdout)")
        #expect(inode(folder) == folderInode)  // updated in place, never swapped
        #expect(inode(folder + "/docs/d.txt") == docsInode)  // unchanged files are not rewritten

        // Back again: the tool's own folders that emptied go, as does the empty one it made.
        let back = try Extraction.extract(first, from: history, to: folder)
        #expect(back.removed == 1)
        #expect(!FileManager.default.fileExists(atPath: folder + "/new"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/empty"))
        #expect(try run(["diff", "-r", scratch.file("u1"), folder]).status == 0)
    }

    @Test("a folder it did not create is refused, unchanged; --into-existing writes only its own files beside")
    func foreignFolder() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("shared")
        try scratch.write("shared/mine.txt", "a note of my own")
        try scratch.write("shared/docs/notes.txt", "more of mine")
        try FileManager.default.createDirectory(atPath: folder + "/my-empty", withIntermediateDirectories: false)
        chmod(folder, 0o750)
        let before = try treeListing(folder)
        let folderInode = inode(folder)

        let error = try #require(throws: TemplateTrackError.self) { try Extraction.extract(first, from: history, to: folder) }
        #expect(error.code == .conflict)
        #expect(error.message.contains("not created by TemplateTrack"))
        #expect(try treeListing(folder) == before)

        let report = try Extraction.extract(first, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        #expect(report.written == 3 && !report.created)
        #expect(report.kept == ["docs/notes.txt", "mine.txt"])
        #expect(inode(folder) == folderInode)
        var info = stat()
        stat(folder, &info)
        #expect(info.st_mode & 0o777 == 0o750)
        #expect(try String(contentsOfFile: folder + "/mine.txt", encoding: .utf8) == "a note of my own")

        let again = try Extraction.extract(second, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        #expect(again.removed == 1)
        #expect(FileManager.default.fileExists(atPath: folder + "/my-empty"))  // someone else's folder stays
        #expect(FileManager.default.fileExists(atPath: folder + "/docs/notes.txt"))
        #expect(inode(folder) == folderInode)
    }

    @Test("files another process creates in the folder during extractions all survive")
    func concurrentWriterInside() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("busy")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/bash")
        writer.arguments = ["-c", "cd \"$1\" && for i in $(seq 1 400); do echo $i > other-$i.txt; done", "_", folder]
        try writer.run()
        let folderInode = inode(folder)
        for round in 0..<10 {
            try Extraction.extract(round % 2 == 0 ? first : second, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        }
        writer.waitUntilExit()
        let others = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("other-") }
        #expect(others.count == 400)
        #expect(inode(folder) == folderInode)
    }

    @Test("an edited file stops the extraction and changes nothing; --force replaces it")
    func editedFile() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        try Extraction.extract(first, from: history, to: folder)
        try scratch.write("out/a.txt", "edited by hand")
        let before = try treeListing(folder)
        let error = try #require(throws: TemplateTrackError.self) { try Extraction.extract(second, from: history, to: folder) }
        #expect(error.places.contains(.file(folder + "/a.txt")))
        #expect(error.message.contains("edited since"))
        #expect(try treeListing(folder) == before)
        let forced = try Extraction.extract(second, from: history, to: folder, options: ExtractionOptions(force: true))
        #expect(forced.written == 2)
        #expect(try String(contentsOfFile: folder + "/a.txt", encoding: .utf8) == "a2")
    }

    @Test("the root, the home folder, the current folder and an empty path are refused")
    func refusedTargets() throws {
        let scratch = try Scratch()
        let (history, first, _) = try twoSnapshots(scratch)
        for target in ["", "/", NSHomeDirectory(), FileManager.default.currentDirectoryPath, "."] {
            let error = try #require(throws: TemplateTrackError.self, "\(target)") {
                try Extraction.extract(first, from: history, to: target, options: ExtractionOptions(intoExisting: true, lockTimeout: 1))
            }
            #expect(error.code == .invalidArgument, "\(target)")
        }
    }

    @Test("links are never followed: a link where the snapshot has a folder is a conflict")
    func linksNotFollowed() throws {
        let scratch = try Scratch()
        let (history, _, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        try FileManager.default.createDirectory(atPath: scratch.file("elsewhere"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder + "/new", withDestinationPath: scratch.file("elsewhere"))
        let error = try #require(throws: TemplateTrackError.self) {
            try Extraction.extract(second, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        }
        #expect(error.code == .conflict)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("elsewhere")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder + "/a.txt"))
    }

    @Test("extractions beside each other take turns, and all succeed")
    func concurrentExtractions() async throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        try await withThrowingTaskGroup(of: ExtractionReport.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await runBlocking {
                        try Extraction.extract(index % 2 == 0 ? first : second, from: history, to: scratch.file("sibling-\(index)"))
                    }
                }
            }
            var reports: [ExtractionReport] = []
            for try await report in group { reports.append(report) }
            #expect(reports.count == 6 && reports.allSatisfy(\.created))
        }
    }

    @Test("what a crash leaves (a staging folder, temporary files) is removed only when it is the tool's own")
    func crashLeftovers() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        try Extraction.extract(first, from: history, to: folder)
        // A staging folder with the tool's marker (a crashed creation), and a look-alike without it.
        try scratch.write(".tt-staging-1234/.templatetrack-staging", "")
        try scratch.write(".tt-staging-1234/a.txt", "half")
        try scratch.write(".tt-staging-5678/someone-elses.txt", "keep")
        // A temporary file recorded before a crash, and one not recorded.
        let key = URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path + "/out"
        try history.recordPendingExtraction(directory: key, files: [ExtractedFile(path: ".tt-crashed1", sha256: "tmp")])
        try scratch.write("out/.tt-crashed1", "partial")
        try scratch.write("out/.tt-unknown22", "not ours")
        try Extraction.extract(second, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        #expect(!FileManager.default.fileExists(atPath: scratch.file(".tt-staging-1234")))
        #expect(FileManager.default.fileExists(atPath: scratch.file(".tt-staging-5678/someone-elses.txt")))
        #expect(!FileManager.default.fileExists(atPath: folder + "/.tt-crashed1"))
        #expect(FileManager.default.fileExists(atPath: folder + "/.tt-unknown22"))
    }

    /// Triggers that refuse one write of the ledger: each kind of statement, and each row
    /// inserted into `extracted_file` in turn (SQLite fires the newer trigger first, so the
    /// count it sees is of the rows before; the first snapshot's extraction inserts 16).
    static let failingLedgerWrites: [String] =
        ["BEFORE INSERT ON extraction_folder", "BEFORE DELETE ON extracted_file", "BEFORE INSERT ON extraction"]
        + (0...16).map { "BEFORE INSERT ON extracted_file WHEN (SELECT n FROM crash_count) = \($0)" }

    @Test(
        "a failure at any write of the ledger, before or after the rename, leaves a folder the next run knows as its own",
        arguments: failingLedgerWrites)
    func ledgerFailure(_ when: String) throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        let db = scratch.file("history.sqlite")
        // A trigger of the real database refuses that one write, as a kill just before it would.
        try run([
            "sqlite3", db,
            """
            CREATE TABLE crash_count (n INTEGER); INSERT INTO crash_count VALUES (0);
            CREATE TRIGGER crash_counter BEFORE INSERT ON extracted_file BEGIN UPDATE crash_count SET n = n + 1; END;
            CREATE TRIGGER crash \(when) BEGIN SELECT RAISE(ABORT, 'crash here'); END;
            """,
        ])
        var failed = false
        do { try Extraction.extract(first, from: history, to: folder) } catch {
            failed = true
            #expect("\(error)".contains("crash here"), "\(error)")
        }
        try run(["sqlite3", db, "DROP TRIGGER crash; DROP TRIGGER crash_counter; DROP TABLE crash_count"])
        // Past the last row the extraction writes, nothing fails: that case must say so.
        if !failed { #expect(when.contains("crash_count"), "nothing failed at \(when)") }

        let again = try Extraction.extract(first, from: history, to: folder)
        try run(["unzip", "-q", scratch.file("1.zip"), "-d", scratch.file("u1")])
        #expect(try run(["diff", "-r", scratch.file("u1"), folder]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".tt-") }.isEmpty)
        // Known as its own: the next snapshot updates it in place, with nothing refused.
        let updated = try Extraction.extract(second, from: history, to: folder)
        #expect(!updated.created && updated.removed == 1 && updated.kept.isEmpty, "first extraction after the failure: \(again)")
    }

    @Test("a failed extraction that cannot forget what it recorded keeps its staging folder; the next run forgets it and finishes")
    func forgetFails() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        let db = scratch.file("history.sqlite")
        // The write of the first file's records fails, and so does every forgetting.
        try run([
            "sqlite3", db,
            """
            CREATE TRIGGER crash BEFORE INSERT ON extracted_file BEGIN SELECT RAISE(ABORT, 'crash here'); END;
            CREATE TRIGGER stuck BEFORE DELETE ON extraction_folder BEGIN SELECT RAISE(ABORT, 'cannot forget'); END;
            """,
        ])
        #expect(throws: (any Error).self) { try Extraction.extract(first, from: history, to: folder) }
        let kept = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".tt-staging-") }
        #expect(kept.count == 1)
        #expect(FileManager.default.fileExists(atPath: scratch.file((kept.first ?? "") + "/.templatetrack-staging")))
        #expect(try history.extractionFolder(directory: URL(fileURLWithPath: folder).resolvingSymlinksInPath().path) != nil)
        try run(["sqlite3", db, "DROP TRIGGER crash; DROP TRIGGER stuck"])

        let created = try Extraction.extract(first, from: history, to: folder)
        #expect(created.created)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".tt-") }.isEmpty)
        try run(["unzip", "-q", scratch.file("1.zip"), "-d", scratch.file("u1")])
        #expect(try run(["diff", "-r", scratch.file("u1"), folder]).status == 0)
        let updated = try Extraction.extract(second, from: history, to: folder)
        #expect(!updated.created && updated.kept.isEmpty)
    }

    @Test("a crashed staging folder's recorded identity is forgotten with the folder: its inode may come back as the user's")
    func stagingIdentityForgotten() throws {
        let scratch = try Scratch()
        let (history, first, _) = try twoSnapshots(scratch)
        // A crash after the ledger learned the staging folder's identity, before its rename.
        try scratch.write(".tt-staging-1234/.templatetrack-staging", "")
        // A snapshot may hold a folder of the marker's name; only the top one is the marker.
        try scratch.write(".tt-staging-1234/docs/.templatetrack-staging/a.txt", "half")
        let identity = try #require(Extraction.identity(AT_FDCWD, scratch.file(".tt-staging-1234")))
        let key = URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path + "/out"
        try history.recordCreatedFolder(directory: key, identity: identity)
        try history.recordPendingExtraction(directory: key, files: [ExtractedFile(path: "a.txt", sha256: "1234")])
        try history.recordCreatedFolder(directory: key + "-other", identity: "0:1")
        // Another extraction beside it removes the leftover, and with it what the ledger knew.
        _ = try Extraction.extract(first, from: history, to: scratch.file("elsewhere"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file(".tt-staging-1234")))
        #expect(try history.extractionFolder(directory: key) == nil)
        #expect(try history.extractedFiles(directory: key).isEmpty)  // what it had begun to write is not the tool's either
        #expect(try history.extractionFolder(directory: key + "-other") == .some("0:1"))
    }

    @Test("NFC and NFD spellings are two files: a user's NFD file beside the tool's NFC one is never touched")
    func normalizationForms() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        let nfc = "caf\u{E9}.txt", nfd = "cafe\u{301}.txt"
        try makeZip(at: scratch.file("1.zip"), [(nfc, "tool's"), ("a.txt", "a")])
        try makeZip(at: scratch.file("2.zip"), [("a.txt", "a2")])
        let first = try importZip(scratch.file("1.zip"), workspace: 1, into: history)
        let second = try importZip(scratch.file("2.zip"), workspace: 1, into: history)
        let folder = scratch.file("out")
        try Extraction.extract(first, from: history, to: folder)
        try Data("the user's".utf8).write(to: URL(fileURLWithPath: folder + "/" + nfd))
        let refused = try #require(throws: TemplateTrackError.self) { try Extraction.extract(second, from: history, to: folder) }
        #expect(refused.code == .conflict)  // a file the tool did not write is there
        let report = try Extraction.extract(second, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        #expect(report.removed == 1 && report.kept.count == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).map { Array($0.utf8) }
        #expect(names.contains(Array(nfd.utf8)) && !names.contains(Array(nfc.utf8)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + nfd)) == Data("the user's".utf8))
    }

    @Test("a folder of the same name that the user made after removing the tool's is not the tool's")
    func replacedFolder() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        try Extraction.extract(first, from: history, to: folder)
        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/keep", withIntermediateDirectories: true)
        let error = try #require(throws: TemplateTrackError.self) { try Extraction.extract(second, from: history, to: folder) }
        // Refused either way: another folder's identity, or (when the file system reuses the
        // inode number) a folder holding what the tool did not write.
        #expect(error.code == .conflict)
        #expect(FileManager.default.fileExists(atPath: folder + "/keep"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keep"])
    }

    /// Whether the scratch folder's file system records birth times (ext4, XFS and btrfs do).
    static let birthTimes: Bool = {
        guard let scratch = try? Scratch() else { return false }
        return Extraction.identity(AT_FDCWD, scratch.path)?.split(separator: ":").count == 3
    }()

    @Test(
        "a folder is the tool's only when device, inode and birth time match the record; an older record matches on device and inode",
        .enabled(if: birthTimes, "the temporary folder's file system records no birth times"))
    func birthTimeIdentity() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("out")
        try Extraction.extract(first, from: history, to: folder)
        let key = URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path + "/out"
        let recorded = try #require(try history.extractionFolder(directory: key) ?? nil)
        let parts = recorded.split(separator: ":")
        #expect(parts.count == 3)
        // Recorded by a version before birth times: still the tool's.
        try history.recordCreatedFolder(directory: key, identity: parts.prefix(2).joined(separator: ":"))
        #expect(try !Extraction.extract(second, from: history, to: folder).created)
        // Device and inode equal, born at another time: a new folder given the freed inode number.
        try history.recordCreatedFolder(directory: key, identity: parts.prefix(2).joined(separator: ":") + ":1.000000000")
        let before = try treeListing(folder)
        let error = try #require(throws: TemplateTrackError.self) { try Extraction.extract(first, from: history, to: folder) }
        #expect(error.message.contains("not created by TemplateTrack"))
        #expect(try treeListing(folder) == before)
    }

    @Test("with --into-existing, files already holding the right bytes stay the user's: a later extraction leaves them")
    func identicalFilesStayTheirs() throws {
        let scratch = try Scratch()
        let (history, first, second) = try twoSnapshots(scratch)
        let folder = scratch.file("theirs")
        try run(["unzip", "-q", scratch.file("1.zip"), "-d", folder])
        let report = try Extraction.extract(first, from: history, to: folder, options: ExtractionOptions(intoExisting: true))
        #expect(report.unchanged == 3 && report.written == 0)
        let next = try Extraction.extract(second, from: history, to: folder, options: ExtractionOptions(force: true, intoExisting: true))
        #expect(next.removed == 0)
        #expect(FileManager.default.fileExists(atPath: folder + "/gone.txt"))  // theirs, not the tool's
    }
}
