import Crypto
import Foundation
import Testing

@testable import TemplateTrack
@testable import TemplateTrackIndexer

@Suite("Answering what changed: diff, changed, history, show, extract, search")
struct HistoryQueryTests {
    @Test(
        "ImmPort 3.15 → 3.18, a rebuilt zip and an edited one: diff agrees with unzip + sha256sum",
        .enabled(if: ImmPortReference.isAvailable, Comment(rawValue: ImmPortReference.skipNote)))
    func immportHistory() throws {
        let scratch = try Scratch()
        try ImmPortReference.writeTree(version: "3.15", into: scratch.url.appending(path: "v315"))
        try ImmPortReference.writeTree(version: "3.18", into: scratch.url.appending(path: "v318"))
        try run(["zip", "-qrX", "../a.zip", "."], in: scratch.file("v315"))
        try run(["zip", "-qrX", "../b.zip", "."], in: scratch.file("v318"))
        // c: the same files, newer timestamps, reverse order, written by libzip.
        let files = try run(["bash", "-c", "cd \"$1\" && find . -type f | sed 's|^\\./||' | sort -r", "_", scratch.file("v318")])
            .stdout.split(separator: "\n").map(String.init)
        let writer = try ZipWriter(creating: scratch.file("c.zip"))
        for path in files {
            try writer.addFile(path, contentsOf: scratch.file("v318/" + path), modified: Date())
        }
        try writer.close()
        // d: one file removed, one renamed (moved), one added.
        try run(["cp", "-r", scratch.file("v318"), scratch.file("v318d")])
        try FileManager.default.removeItem(atPath: scratch.file("v318d/txt/protocols.txt"))
        try FileManager.default.createDirectory(atPath: scratch.file("v318d/json"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: scratch.file("v318d/lookups.json"), toPath: scratch.file("v318d/json/lookups.json"))
        try scratch.write("v318d/README.txt", "Templates for workspace 1\n")
        try run(["zip", "-qr", "../d.zip", "."], in: scratch.file("v318d"))

        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        var snapshots: [Snapshot] = []
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            snapshots.append(try Pipeline.importZip(
                at: scratch.file("\(name).zip"), workspace: 1,
                fetchedAt: Timestamp.parse("2018-0\(index + 1)-01T00:00:00Z")!, into: history))
        }
        func diff(_ from: Snapshot, _ to: Snapshot) throws -> SnapshotDiff {
            try SnapshotDiff.compute(in: history, workspace: 1, from: .id(from.id), to: .id(to.id)).diff
        }

        let upgrade = try diff(snapshots[0], snapshots[1])
        #expect(summarize(upgrade) == (try independentChanges(old: scratch.file("a.zip"), new: scratch.file("b.zip"), scratch: scratch)))
        #expect(upgrade.files.count == 65)  // 63 templates, the definitions and the lookups
        #expect(upgrade.files.allSatisfy { $0.status == .modified })

        #expect(try diff(snapshots[1], snapshots[2]).files.isEmpty)
        #expect(!snapshots[2].changed)

        let edited = try diff(snapshots[2], snapshots[3])
        let expected = try independentChanges(old: scratch.file("c.zip"), new: scratch.file("d.zip"), scratch: scratch)
        #expect(summarize(edited) == expected)
        #expect(expected == [
            "txt/protocols.txt": "removed", "json/lookups.json": "renamed from lookups.json", "README.txt": "added",
        ])

        // extract equals unzip's tree, byte for byte.
        try Extraction.extract(snapshots[3], from: history, to: scratch.file("extracted"))
        try run(["unzip", "-q", scratch.file("d.zip"), "-d", scratch.file("unzipped")])
        let compare = try run(["diff", "-r", scratch.file("unzipped"), scratch.file("extracted")])
        #expect(compare.status == 0, "\(compare.stdout)")

        // show equals unzip -p.
        for path in ["templates.json", "txt/RNA_SEQ_Results.txt", "json/lookups.json"] {
            let file = try #require(try history.files(of: snapshots[3]).first(where: { $0.path == path }))
            let shown = try history.content(sha256: file.sha256)
            let unzipped = try run(["bash", "-c", "unzip -p \"$1\" \"$2\" | sha256sum", "_", scratch.file("d.zip"), path])
            #expect(SHA256Hex.of(shown) == String(unzipped.stdout.prefix(64)), "\(path)")
        }
    }

    @Test("changed --since names exactly the workspaces whose contents changed at or after the time")
    func changedSince() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("v1.zip"), [("t.txt", "v1"), ("u.txt", "u")])
        try makeZip(at: scratch.file("v2.zip"), [("t.txt", "v2"), ("u2.txt", "u")])
        func record(_ zip: String, _ workspace: Int, _ time: String) throws {
            try Pipeline.importZip(
                at: scratch.file(zip), workspace: workspace, fetchedAt: Timestamp.parse(time)!, into: history)
        }
        try record("v1.zip", 1, "2018-01-01T00:00:00Z")
        try record("v2.zip", 1, "2018-04-01T00:00:00Z")  // changes after March
        try record("v1.zip", 2, "2018-01-01T00:00:00Z")
        try record("v1.zip", 2, "2018-04-01T00:00:00Z")  // fetched after March, unchanged
        try record("v1.zip", 3, "2018-01-01T00:00:00Z")
        try record("v2.zip", 3, "2018-02-01T00:00:00Z")  // changed, but before March
        try record("v2.zip", 4, "2018-05-01T00:00:00Z")  // first snapshot only: not a change

        let sinceMarch = try history.changedWorkspaces(since: Timestamp.parse("2018-03-01"))
        #expect(sinceMarch.map(\.workspace) == [1])
        #expect(sinceMarch[0].counts == .init(TreeDiff.changes(
            from: [("t.txt", 2, "a"), ("u.txt", 1, "u")], to: [("t.txt", 2, "b"), ("u2.txt", 1, "u")])))
        #expect(sinceMarch[0].counts.modified == 1 && sinceMarch[0].counts.renamed == 1)
        #expect(try history.changedWorkspaces(since: nil).map(\.workspace) == [1, 3])
        #expect(try history.changedWorkspaces(since: Timestamp.parse("2018-06-01")).isEmpty)
    }

    @Test("history folds identical versions and shows gaps")
    func fileHistory() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        let versions = [["f.txt": "1"], ["f.txt": "1"], ["g.txt": "x"], ["f.txt": "2"], ["f.txt": "2"]]
        for (index, files) in versions.enumerated() {
            try makeZip(at: scratch.file("\(index).zip"), files.map { ($0.key, $0.value) })
            try Pipeline.importZip(
                at: scratch.file("\(index).zip"), workspace: 5,
                fetchedAt: Timestamp.parse("2018-01-0\(index + 1)T00:00:00Z")!, into: history)
        }
        let runs = try history.history(of: "f.txt", workspace: 5)
        #expect(runs.map(\.present) == [true, false, true])
        #expect(runs.map(\.snapshots) == [2, 1, 2])
        #expect(runs.map(\.fetchedAt) == ["2018-01-01T00:00:00Z", "2018-01-03T00:00:00Z", "2018-01-04T00:00:00Z"])
        #expect(runs[0].sha256 == SHA256Hex.of(Array("1".utf8)))
        #expect(throws: TemplateTrackError.self) { try history.history(of: "never.txt", workspace: 5) }
    }

    @Test("--patch hunks match GNU diff -u; CRLF and a missing final newline are kept")
    func patchMatchesDiffU() throws {
        let scratch = try Scratch()
        let old = (1...40).map { "line \($0)\r\n" }.joined() + "tail"
        var newLines = (1...40).map { "line \($0)\r\n" }
        newLines[4] = "line five, edited\r\n"
        newLines.insert("inserted\r\n", at: 20)
        newLines.remove(at: 35)
        let new = newLines.joined() + "tail, edited"
        let a = try scratch.write("a.txt", old)
        let b = try scratch.write("b.txt", new)
        // Split on the byte: as Characters, "\r\n" is one and would not split.
        let expected = Array(try run(["diff", "-u", a, b]).stdout.utf8)
            .split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }.dropFirst(2)
        let renderer = DiffRenderer(history: try HistoryDatabase(path: scratch.file("h.sqlite")), style: Style(colour: false))
        let ours = renderer.hunks(old: Array(old.utf8), new: Array(new.utf8))
        #expect(ours == Array(expected.dropLast()))
        #expect(ours.contains("-line 5\r"))
        // Only the final newline differs: still a change, shown as GNU diff shows it.
        let newlineOnly = renderer.hunks(old: Array("a\nb\n".utf8), new: Array("a\nb".utf8))
        #expect(newlineOnly == ["@@ -1,2 +1,2 @@", " a", "-b", "+b", "\\ No newline at end of file"])
        let fromNoNewline = renderer.hunks(old: Array("a\nb".utf8), new: Array("a\nb\nc\n".utf8))
        #expect(fromNoNewline == ["@@ -1,2 +1,3 @@", " a", "-b", "\\ No newline at end of file", "+b", "+c"])
    }

    @Test("extract updates in place, keeps files it did not write, and refuses to clobber without --force")
    func extractInPlace() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("1.zip"), [("a.txt", "a1"), ("gone.txt", "bye"), ("docs/", ""), ("docs/d.txt", "d")])
        try makeZip(at: scratch.file("2.zip"), [("a.txt", "a2"), ("docs/d.txt", "d"), ("new/n.txt", "n"), ("empty/", "")])
        let first = try Pipeline.importZip(at: scratch.file("1.zip"), workspace: 1, into: history)
        let second = try Pipeline.importZip(at: scratch.file("2.zip"), workspace: 1, into: history)
        let folder = scratch.file("out")

        let report1 = try Extraction.extract(first, from: history, to: folder)
        #expect(report1.written == 3)
        try scratch.write("out/mine.txt", "a note of my own")
        try FileManager.default.createDirectory(atPath: folder + "/my-empty", withIntermediateDirectories: false)
        chmod(folder, 0o700)

        let report2 = try Extraction.extract(second, from: history, to: folder)
        #expect((report2.written, report2.unchanged, report2.removed, report2.kept) == (2, 1, 1, ["mine.txt"]))
        try run(["unzip", "-q", scratch.file("2.zip"), "-d", scratch.file("unzipped")])
        try scratch.write("unzipped/mine.txt", "a note of my own")
        try FileManager.default.createDirectory(atPath: scratch.file("unzipped/my-empty"), withIntermediateDirectories: false)
        let same = try run(["diff", "-r", scratch.file("unzipped"), folder])
        #expect(same.status == 0, "\(same.stdout)")
        var info = stat()
        stat(folder, &info)
        #expect(info.st_mode & 0o777 == 0o700)

        // Someone edits a file the tool wrote: going back refuses, and changes nothing.
        try scratch.write("out/a.txt", "edited by hand")
        let before = try run(["bash", "-c", "cd \"$1\" && find . -type f | sort | xargs sha256sum", "_", folder]).stdout
        let error = try #require(throws: TemplateTrackError.self) { try Extraction.extract(first, from: history, to: folder) }
        #expect(error.places.contains(.file(folder + "/a.txt")))
        #expect(try run(["bash", "-c", "cd \"$1\" && find . -type f | sort | xargs sha256sum", "_", folder]).stdout == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains("templatetrack-") }
        #expect(leftovers.isEmpty)

        let forced = try Extraction.extract(first, from: history, to: folder, force: true)
        #expect(forced.kept == ["mine.txt"])
        #expect(!FileManager.default.fileExists(atPath: folder + "/new"))  // emptied of the tool's files, so gone
        #expect(!FileManager.default.fileExists(atPath: folder + "/empty"))  // an empty folder it made, no longer in the snapshot
        #expect(FileManager.default.fileExists(atPath: folder + "/my-empty"))  // someone else's folder stays
        #expect(try String(contentsOfFile: folder + "/a.txt", encoding: .utf8) == "a1")
        #expect(FileManager.default.fileExists(atPath: folder + "/gone.txt"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/new/n.txt"))
    }

    @Test("a crash after the swap, before the record is completed, leaves the tool's files its own")
    func crashBetweenSwapAndRecord() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("1.zip"), [("a.txt", "a1")])
        try makeZip(at: scratch.file("2.zip"), [("a.txt", "a2")])
        let first = try Pipeline.importZip(at: scratch.file("1.zip"), workspace: 1, into: history)
        let second = try Pipeline.importZip(at: scratch.file("2.zip"), workspace: 1, into: history)
        let folder = scratch.file("out")
        try Extraction.extract(first, from: history, to: folder)
        // What extracting the second snapshot does up to the swap, then "crashes".
        let directory = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        let sha2 = try #require(try history.files(of: second).first?.sha256)
        try history.recordPendingExtraction(directory: directory, files: ["a.txt": sha2])
        try scratch.write("out/a.txt", "a2")
        // The next extraction still knows a.txt as the tool's own and replaces it.
        let report = try Extraction.extract(first, from: history, to: folder)
        #expect(report.written == 1)
        #expect(try String(contentsOfFile: folder + "/a.txt", encoding: .utf8) == "a1")
        #expect(try history.extractedFiles(directory: directory) == ["a.txt": [try #require(try history.files(of: first).first?.sha256)]])
    }

    @Test("search finds a phrase in the latest snapshots, or in all with --all-snapshots")
    func search() throws {
        let scratch = try Scratch()
        let history = try HistoryDatabase(path: scratch.file("h.sqlite"))
        try makeZip(at: scratch.file("1.zip"), [("r.txt", "rna_seq_results\tValue\tUnit"), ("bin.dat", "Value\u{0}Reported")])
        try makeZip(at: scratch.file("2.zip"), [("r.txt", "rna_seq_results\tValue Reported\tUnit")])
        let first = try Pipeline.importZip(at: scratch.file("1.zip"), workspace: 8, into: history)
        let second = try Pipeline.importZip(at: scratch.file("2.zip"), workspace: 8, into: history)
        let latest = try history.search("value reported")
        #expect(latest == [SearchHit(workspace: 8, snapshot: second.id, path: "r.txt", snippet: "rna_seq_results\t**Value Reported**\tUnit")])
        #expect(try history.search("Value").map(\.snapshot) == [second.id])
        #expect(try history.search("Value", allSnapshots: true).map(\.snapshot) == [first.id, second.id])
        #expect(try history.search("Value", workspace: 9).isEmpty)
        #expect(try history.search("\"quoted").isEmpty)  // FTS syntax in the text is matched, not parsed
    }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        var hasher = Crypto.SHA256()
        hasher.update(data: bytes)
        return hasher.finalize().hex
    }
}
