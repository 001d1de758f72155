import Foundation
import Testing
import TemplateTrack
import TemplateTrackBase
import TemplateTrackExtractor
import TemplateTrackHistory
import TemplateTrackSQLite
import TemplateTrackTesting

@Suite("Answering what changed: diff, changed, history, show, search")
struct QueryTests {
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

        let history = try makeHistory(scratch)
        var snapshots: [Snapshot] = []
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            snapshots.append(try importZip(scratch.file("\(name).zip"), workspace: 1, at: "2018-0\(index + 1)-01T00:00:00Z", into: history))
        }
        func diff(_ from: Snapshot, _ to: Snapshot) throws -> SnapshotDiff {
            try SnapshotDiff.compute(in: history, old: from, new: to)
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
            let shown = try #require(try content(of: path, in: snapshots[3], history: history))
            let unzipped = try run(["bash", "-c", "unzip -p \"$1\" \"$2\" | sha256sum", "_", scratch.file("d.zip"), path])
            #expect(sha256Hex(shown) == String(unzipped.stdout.prefix(64)), "\(path)")
        }
    }

    @Test("changed --since names exactly the workspaces whose contents changed at or after the time")
    func changedSince() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("v1.zip"), [("t.txt", "v1"), ("u.txt", "u")])
        try makeZip(at: scratch.file("v2.zip"), [("t.txt", "v2"), ("u2.txt", "u")])
        func record(_ zip: String, _ workspace: Int, _ time: String) throws {
            try importZip(scratch.file(zip), workspace: workspace, at: time, into: history)
        }
        try record("v1.zip", 1, "2018-01-01T00:00:00Z")
        try record("v2.zip", 1, "2018-04-01T00:00:00Z")  // changes after March
        try record("v1.zip", 2, "2018-01-01T00:00:00Z")
        try record("v1.zip", 2, "2018-04-01T00:00:00Z")  // fetched after March, unchanged
        try record("v1.zip", 3, "2018-01-01T00:00:00Z")
        try record("v2.zip", 3, "2018-02-01T00:00:00Z")  // changed, but before March
        try record("v2.zip", 4, "2018-05-01T00:00:00Z")  // first snapshot only: not a change

        let sinceMarch = try Queries.changed(since: Timestamp.parse("2018-03-01")?.start, in: history)
        #expect(sinceMarch.map(\.series.workspace) == [1])
        #expect(sinceMarch[0].counts == FileCounts(modified: 1, renamed: 1))
        #expect(try Queries.changed(since: nil, in: history).map(\.series.workspace) == [1, 3])
        #expect(try Queries.changed(since: Timestamp.parse("2018-06-01")?.start, in: history).isEmpty)
        // Every change's comparison was stored when it was recorded.
        #expect(try history.pairsMissingComparison().isEmpty)
    }

    @Test("history folds identical versions and shows gaps")
    func fileHistory() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        let versions = [["f.txt": "1"], ["f.txt": "1"], ["g.txt": "x"], ["f.txt": "2"], ["f.txt": "2"]]
        for (index, files) in versions.enumerated() {
            try makeZip(at: scratch.file("\(index).zip"), files.map { ($0.key, $0.value) })
            try importZip(scratch.file("\(index).zip"), workspace: 5, at: "2018-01-0\(index + 1)T00:00:00Z", into: history)
        }
        let runs = try history.fileVersions(path: "f.txt", in: Series(workspace: 5))
        #expect(runs.map(\.present) == [true, false, true])
        #expect(runs.map(\.snapshots) == [2, 1, 2])
        #expect(runs.map { Timestamp.display($0.fetchedAt) } == ["2018-01-01T00:00:00Z", "2018-01-03T00:00:00Z", "2018-01-04T00:00:00Z"])
        #expect(runs[0].sha256 == sha256Hex(Array("1".utf8)))
        #expect(throws: TemplateTrackError.self) { try history.fileVersions(path: "never.txt", in: Series(workspace: 5)) }
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
        func render(_ hunks: [Hunk]) -> [String] {
            hunks.flatMap { hunk -> [String] in
                let old = hunk.oldCount == 0 ? "\(hunk.oldStart),0" : "\(hunk.oldStart),\(hunk.oldCount)"
                let new = hunk.newCount == 0 ? "\(hunk.newStart),0" : "\(hunk.newStart),\(hunk.newCount)"
                return ["@@ -\(old) +\(new) @@"] + hunk.lines.flatMap { line -> [String] in
                    let mark = line.kind == .context ? " " : line.kind == .removed ? "-" : "+"
                    return [mark + line.text] + (line.missingNewline ? ["\\ No newline at end of file"] : [])
                }
            }
        }
        let ours = render(Patches.hunks(old: Array(old.utf8), new: Array(new.utf8)).hunks)
        #expect(ours == Array(expected.dropLast()))
        #expect(ours.contains("-line 5\r"))
        let newlineOnly = render(Patches.hunks(old: Array("a\nb\n".utf8), new: Array("a\nb".utf8)).hunks)
        #expect(newlineOnly == ["@@ -1,2 +1,2 @@", " a", "-b", "+b", "\\ No newline at end of file"])
        let fromNoNewline = render(Patches.hunks(old: Array("a\nb".utf8), new: Array("a\nb\nc\n".utf8)).hunks)
        #expect(fromNoNewline == ["@@ -1,2 +1,3 @@", " a", "-b", "\\ No newline at end of file", "+b", "+c"])
    }

    @Test("search finds a phrase in the latest snapshots, or in all; indexing is deferred to the first search")
    func search() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        try makeZip(at: scratch.file("1.zip"), [("r.txt", "rna_seq_results\tValue\tUnit"), ("bin.dat", "Value\u{0}Reported")])
        try makeZip(at: scratch.file("2.zip"), [("r.txt", "rna_seq_results\tValue Reported\tUnit")])
        let first = try importZip(scratch.file("1.zip"), workspace: 8, into: history)
        let second = try importZip(scratch.file("2.zip"), workspace: 8, into: history)
        let pending = try run(["sqlite3", scratch.file("history.sqlite"), "SELECT count(*) FROM search_backlog"]).stdout
        #expect(pending.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        let latest = try history.search("value reported", workspace: nil, allSnapshots: false)
        #expect(latest == [SearchHit(workspace: 8, api: .upload, snapshot: second.id, path: "r.txt", snippet: "rna_seq_results\t**Value Reported**\tUnit")])
        #expect(try history.search("Value", workspace: nil, allSnapshots: false).map(\.snapshot) == [second.id])
        #expect(try history.search("Value", workspace: nil, allSnapshots: true).map(\.snapshot) == [first.id, second.id])
        #expect(try history.search("Value", workspace: 9, allSnapshots: false).isEmpty)
        #expect(try history.search("\"quoted", workspace: nil, allSnapshots: false).isEmpty)  // FTS syntax is matched, not parsed
        let drained = try run(["sqlite3", scratch.file("history.sqlite"), "SELECT count(*) FROM search_backlog"]).stdout
        #expect(drained.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("forget and collect: kept snapshots answer as before, the file shrinks, the index forgets removed text")
    func forgetAndCollect() throws {
        let scratch = try Scratch()
        let history = try makeHistory(scratch)
        let bulk = (0..<20_000).map { "bulk line \($0) with some words\n" }.joined()
        try makeZip(at: scratch.file("1.zip"), [("a.txt", "alpha"), ("big.txt", bulk)])
        try makeZip(at: scratch.file("2.zip"), [("a.txt", "beta")])
        try makeZip(at: scratch.file("3.zip"), [("a.txt", "gamma")])
        let one = try importZip(scratch.file("1.zip"), workspace: 1, at: "2018-01-01T00:00:00Z", into: history)
        let two = try importZip(scratch.file("2.zip"), workspace: 1, at: "2018-02-01T00:00:00Z", into: history)
        let three = try importZip(scratch.file("3.zip"), workspace: 1, at: "2018-03-01T00:00:00Z", into: history)
        #expect(try history.search("bulk line", workspace: nil, allSnapshots: true).count == 1)
        let diffBefore = try SnapshotDiff.compute(in: history, old: two, new: three)
        try history.forget([one.id])
        let report = try history.collectGarbage()
        #expect(report.trees == 1 && report.blobs == 2)
        #expect(report.fileSizeAfter < report.fileSizeBefore)
        #expect(try history.search("bulk line", workspace: nil, allSnapshots: true).isEmpty)
        let kept = try history.snapshots(SnapshotQuery(workspace: 1))
        #expect(kept.map(\.id) == [two.id, three.id])
        #expect(kept[0].previous == nil)
        let diffAfter = try SnapshotDiff.compute(in: history, old: kept[0], new: kept[1])
        #expect(diffAfter.files == diffBefore.files)
        let integrity = try run(["sqlite3", scratch.file("history.sqlite"), "PRAGMA integrity_check; INSERT INTO blob_text(blob_text) VALUES('integrity-check');"])
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok" && integrity.status == 0, "\(integrity.stderr)")
    }
}
